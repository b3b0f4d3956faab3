-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox', 'inbox_certificates'), ['enterprise_id', 'month', 'serial_from']) }}
