-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox', 'inbox_allowances'), ['enterprise_id', 'compliance_year']) }}
