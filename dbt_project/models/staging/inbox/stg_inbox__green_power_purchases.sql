-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox', 'inbox_green_power'), ['enterprise_id', 'month', 'contract_id']) }}
