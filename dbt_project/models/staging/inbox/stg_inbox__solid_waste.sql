-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox_guiding', 'inbox_solid_waste'), ['enterprise_id', 'month', 'waste_kind']) }}
