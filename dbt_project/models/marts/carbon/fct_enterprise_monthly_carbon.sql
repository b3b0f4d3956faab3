-- Each consumer's energy and carbon account for one local calendar month.
--   Scope 1: natural gas burnt on site.
--   Scope 2, location-based: all electricity bought from the grid x the average grid factor.
--   Scope 2, market-based: grid electricity less green-power trading (certificates bundled)
--     and retired certificates (1 per MWh), x the residual-mix factor; on-site PV adds
--     nothing and exported PV is never subtracted (GHG Protocol; shared/reference/README.md).
-- Electricity drawn from the battery is counted as grid electricity: the battery charges from
-- the grid unless PV is in surplus, and this errs on the side of more emissions.

with energy as (
    select * from {{ ref('fct_enterprise_interval_energy') }}
),

green_power as (
    select enterprise_id, month, sum(green_power_mwh) as green_power_mwh
    from {{ ref('stg_inbox__green_power_purchases') }}
    group by all
),

certificates as (
    select enterprise_id, month, sum(retired_mwh) as certificates_retired_mwh
    from {{ ref('stg_inbox__certificate_retirements') }}
    group by all
),

factors as (
    select * from {{ ref('int_accounting_factors_selected') }}
),

monthly as (
    select
        entity_id,
        any_value(entity_kind) as entity_kind,
        cast(date_trunc('month', local_date) as date) as month,
        sum(consumption_kwh) as electricity_kwh,
        sum(pv_allocated_kwh) as pv_allocated_kwh,
        sum(grid_allocated_kwh + storage_allocated_kwh) as grid_electricity_kwh,
        sum(gas_nm3) as gas_nm3,
        count(*) filter (where interval_quality = 'estimated') as estimated_intervals,
        count(*) as intervals
    from energy
    group by entity_id, cast(date_trunc('month', local_date) as date)
),

final as (
    select
        monthly.entity_id,
        monthly.entity_kind,
        monthly.month,
        monthly.electricity_kwh,
        monthly.pv_allocated_kwh,
        monthly.grid_electricity_kwh,
        coalesce(green_power.green_power_mwh, 0) as green_power_mwh,
        coalesce(certificates.certificates_retired_mwh, 0) as certificates_retired_mwh,
        monthly.gas_nm3,
        round(monthly.gas_nm3 * factors.gas_tco2_per_nm3, 6) as scope1_tco2,
        round(monthly.grid_electricity_kwh / 1000.0 * factors.location_kgco2_per_kwh, 6)
            as scope2_location_tco2,
        round(greatest(monthly.grid_electricity_kwh / 1000.0
                       - coalesce(green_power.green_power_mwh, 0)
                       - coalesce(certificates.certificates_retired_mwh, 0), 0)
              * factors.market_kgco2_per_kwh, 6) as scope2_market_tco2,
        round((monthly.electricity_kwh * factors.electricity_kgce_per_kwh
               + monthly.gas_nm3 * factors.gas_kgce_per_nm3) / 1000.0, 6) as energy_tce,
        round(monthly.electricity_kwh * factors.electricity_kgce_per_kwh / 1000.0, 6)
            as electricity_tce,
        round(100.0 * least(monthly.pv_allocated_kwh
                            + 1000.0 * coalesce(green_power.green_power_mwh, 0)
                            + 1000.0 * coalesce(certificates.certificates_retired_mwh, 0),
                            monthly.electricity_kwh)
              / nullif(monthly.electricity_kwh, 0), 6) as renewable_electricity_share_pct,
        factors.grid_factor_year,
        factors.location_kgco2_per_kwh,
        factors.market_kgco2_per_kwh,
        factors.electricity_conversion_basis,
        monthly.estimated_intervals,
        monthly.intervals
    from monthly
    cross join factors
    left join green_power
        on monthly.entity_id = green_power.enterprise_id and monthly.month = green_power.month
    left join certificates
        on monthly.entity_id = certificates.enterprise_id and monthly.month = certificates.month
)

select * from final
