-- The park's coupling incentive per enterprise, month and carrier: the quantity it recovered
-- through couplings (every flow of fct_coupling_flows but heat produced on purpose, kind
-- 'supply') times the park's rule (config couplings.incentives: an allowance reward in tCO2
-- and/or a subsidy in CNY per GJ, m3 or t, paid to the supplier or the receiver). A flow
-- whose payee is outside the park earns nothing; a carrier without a rule earns nothing.
with flows as (
    select * from {{ ref('fct_coupling_flows') }}
    where not (carrier = 'heat' and kind = 'supply')
),

rules as (
    select * from {{ source('reference_couplings', 'coupling_incentives') }}
),

paid as (
    select
        case when rules.paid_to = 'receiver' then flows.to_id else flows.from_id end
            as enterprise_id,
        flows.month,
        flows.carrier,
        flows.quantity,
        rules.unit,
        rules.paid_to,
        rules.reward_tco2_per_unit,
        rules.subsidy_cny_per_unit,
        rules.source,
        flows.source as flow_source
    from flows
    inner join rules on flows.carrier = rules.carrier
),

final as (
    select
        enterprise_id,
        month,
        carrier,
        sum(quantity) as recovered_quantity,
        any_value(unit) as unit,
        count(*) as couplings,
        count(*) filter (where flow_source = 'metered') as metered_couplings,
        any_value(paid_to) as paid_to,
        any_value(reward_tco2_per_unit) as reward_tco2_per_unit,
        any_value(subsidy_cny_per_unit) as subsidy_cny_per_unit,
        round(sum(quantity) * any_value(reward_tco2_per_unit), 6) as reward_tco2,
        round(sum(quantity) * any_value(subsidy_cny_per_unit), 2) as subsidy_cny,
        any_value(source) as rule_source
    from paid
    where enterprise_id <> 'outside'
    group by enterprise_id, month, carrier
)

select * from final
