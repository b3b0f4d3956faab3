-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox', 'inbox_process_output'), ['enterprise_id', 'month', 'product']) }}
