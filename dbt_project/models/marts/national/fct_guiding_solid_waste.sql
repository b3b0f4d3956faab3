-- Industrial solid waste per enterprise, month and waste kind, t: the inbox declaration
-- (generated, utilised, utilised from earlier years' stock) plus the waste the enterprise sent
-- through couplings to be used by another enterprise or outside the park (fct_coupling_flows,
-- counts_for solid_waste_utilisation: slag to a cement plant, organic waste to biogas). The
-- declaration states the utilisation other than through couplings, so each tonne counts once.
-- Generated is the declared figure, never less than what was utilised from this year's waste
-- (a coupling of a kind the enterprise did not declare: generated taken as the coupled tonnes,
-- flagged in generated_basis).
with declared as (
    select enterprise_id, month, waste_kind, generated_t, utilised_t, utilised_from_stock_t
    from {{ ref('stg_inbox__solid_waste') }}
),

coupled as (
    select counted_enterprise_id as enterprise_id, month, kind as waste_kind,
           sum(quantity) as coupled_utilised_t
    from {{ ref('fct_coupling_flows') }}
    where counts_for = 'solid_waste_utilisation'
    group by all
),

combined as (
    select
        coalesce(declared.enterprise_id, coupled.enterprise_id) as enterprise_id,
        coalesce(declared.month, coupled.month) as month,
        coalesce(declared.waste_kind, coupled.waste_kind) as waste_kind,
        declared.generated_t as declared_generated_t,
        declared.utilised_t as declared_utilised_t,
        coalesce(declared.utilised_from_stock_t, 0) as utilised_from_stock_t,
        coupled.coupled_utilised_t,
        coalesce(declared.utilised_t, 0) + coalesce(coupled.coupled_utilised_t, 0)
            as utilised_t
    from declared
    full outer join coupled
        on declared.enterprise_id = coupled.enterprise_id
        and declared.month = coupled.month
        and declared.waste_kind = coupled.waste_kind
),

final as (
    select
        enterprise_id,
        month,
        waste_kind,
        declared_generated_t,
        declared_utilised_t,
        utilised_from_stock_t,
        coupled_utilised_t,
        greatest(coalesce(declared_generated_t, 0), utilised_t - utilised_from_stock_t)
            as generated_t,
        utilised_t,
        case
            when declared_generated_t is null
                then 'coupled_only: generated taken as the tonnes coupled'
            when declared_generated_t < utilised_t - utilised_from_stock_t
                then 'declared_below_utilised: generated raised to the tonnes utilised'
            else 'declared'
        end as generated_basis
    from combined
)

select * from final
