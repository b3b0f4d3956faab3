-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox_couplings', 'inbox_coupling_flows'), ['month', 'from_id', 'to_id', 'carrier', 'kind']) }}
