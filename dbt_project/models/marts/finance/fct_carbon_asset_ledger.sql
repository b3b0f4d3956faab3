-- The month's latest valuation run (see macros/valuation.sql).
{{ latest_valuation_run(ref('stg_valuation__carbon_ledger')) }}
