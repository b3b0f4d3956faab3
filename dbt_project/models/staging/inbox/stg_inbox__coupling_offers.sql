-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox_couplings', 'inbox_coupling_offers'), ['enterprise_id', 'side', 'carrier', 'kind', 'temperature_c']) }}
