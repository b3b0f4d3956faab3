-- Landed valuation rows, typed (see macros/valuation.sql).
{{ staged_valuation(source('valuation', 'carbon_ledger')) }}
