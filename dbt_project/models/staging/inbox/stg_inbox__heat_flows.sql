-- The latest landed row per natural key (see macros/latest_rows.sql).
{{ latest_rows(source('inbox', 'inbox_heat_flows'), ['counterparty', 'month', 'direction']) }}
