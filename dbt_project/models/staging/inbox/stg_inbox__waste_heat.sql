-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox_guiding', 'inbox_waste_heat'), ['enterprise_id', 'month', 'waste_kind']) }}
