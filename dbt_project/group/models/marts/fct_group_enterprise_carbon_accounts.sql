with accounts as (
    select * from {{ ref('stg_parks__enterprise_carbon_accounts') }}
),

final as (
    select
        park_id,
        entity_id,
        entity_kind,
        month,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        accounted_tco2,
        allowances_held_tco2,
        surplus_to_date_tco2,
        account_status
    from accounts
)

select * from final
