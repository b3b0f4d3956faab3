-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox_guiding', 'inbox_water'), ['enterprise_id', 'month']) }}
