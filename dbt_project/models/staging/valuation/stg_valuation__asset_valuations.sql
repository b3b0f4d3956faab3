-- Landed valuation rows, typed (see macros/valuation.sql).
{{ staged_valuation(source('valuation', 'asset_valuations')) }}
