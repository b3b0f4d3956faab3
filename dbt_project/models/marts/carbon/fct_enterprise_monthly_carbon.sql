-- Each consumer's energy and carbon account for one local calendar month.
--   Scope 1: natural gas burnt on site.
--   Scope 2, location-based: all electricity bought from the grid x the average grid factor.
--   Scope 2, market-based: grid electricity less green-power trading (certificates bundled)
--     and retired certificates (1 per MWh), x the residual-mix factor; on-site PV adds
--     nothing and exported PV is never subtracted (GHG Protocol; shared/reference/README.md).
-- Electricity drawn from the battery is counted as grid electricity: the battery charges from
-- the grid unless PV is in surplus, and this errs on the side of more emissions.
-- The park's figures close on its boundary: one more line per month, 'losses_unallocated',
-- holds what the grid connection meter bought that no consumer's meter was allocated (cable
-- and transformer losses, the battery's losses and stored energy, meters that missed an
-- interval): the grid meter's import less the consumers' grid electricity. It takes the same
-- factors, so the park's Scope 2 (all lines) is the grid meter's kWh x the factor. It may be
-- negative in a month the battery hands on PV it stored (counted as grid electricity above).

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

boundary as (
    -- what the park's grid connection meter bought, per local month
    select
        cast(date_trunc('month', local_date) as date) as month,
        sum(grid_import_kwh) as grid_import_kwh,
        count(*) filter (where estimated_flows > 0) as estimated_intervals,
        count(*) as intervals
    from {{ ref('fct_energy_balance') }}
    group by 1
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
        -- the pace of a year-end projection counts the quarter-hours its feeders all reported:
        -- a feeder down for days must not slow it
        count(*) filter (where interval_quality <> 'incomplete') as intervals
    from energy
    group by entity_id, cast(date_trunc('month', local_date) as date)
),

consumers_grid as (
    select month, sum(grid_electricity_kwh) as grid_electricity_kwh
    from monthly
    group by month
),

losses as (
    select
        'losses_unallocated' as entity_id,
        'losses_unallocated' as entity_kind,
        boundary.month,
        boundary.grid_import_kwh - coalesce(consumers_grid.grid_electricity_kwh, 0)
            as electricity_kwh,
        0.0 as pv_allocated_kwh,
        boundary.grid_import_kwh - coalesce(consumers_grid.grid_electricity_kwh, 0)
            as grid_electricity_kwh,
        0.0 as gas_nm3,
        boundary.estimated_intervals,
        boundary.intervals
    from boundary
    left join consumers_grid on boundary.month = consumers_grid.month
),

lines as (
    select * from monthly
    union all by name
    select * from losses
),

final as (
    select
        lines.entity_id,
        lines.entity_kind,
        lines.month,
        lines.electricity_kwh,
        lines.pv_allocated_kwh,
        lines.grid_electricity_kwh,
        coalesce(green_power.green_power_mwh, 0) as green_power_mwh,
        coalesce(certificates.certificates_retired_mwh, 0) as certificates_retired_mwh,
        lines.gas_nm3,
        round(lines.gas_nm3 * factors.gas_tco2_per_nm3, 6) as scope1_tco2,
        round(lines.grid_electricity_kwh / 1000.0 * factors.location_kgco2_per_kwh, 6)
            as scope2_location_tco2,
        -- instruments deduct at most the grid electricity (never below zero); the losses
        -- line has none, so it keeps its sign and the park's total still closes
        round((lines.grid_electricity_kwh / 1000.0
               - least(coalesce(green_power.green_power_mwh, 0)
                       + coalesce(certificates.certificates_retired_mwh, 0),
                       greatest(lines.grid_electricity_kwh / 1000.0, 0)))
              * factors.market_kgco2_per_kwh, 6) as scope2_market_tco2,
        round((lines.electricity_kwh * factors.electricity_kgce_per_kwh
               + lines.gas_nm3 * factors.gas_kgce_per_nm3) / 1000.0, 6) as energy_tce,
        round(lines.electricity_kwh * factors.electricity_kgce_per_kwh / 1000.0, 6)
            as electricity_tce,
        round(100.0 * least(lines.pv_allocated_kwh
                            + 1000.0 * coalesce(green_power.green_power_mwh, 0)
                            + 1000.0 * coalesce(certificates.certificates_retired_mwh, 0),
                            lines.electricity_kwh)
              / nullif(lines.electricity_kwh, 0), 6) as renewable_electricity_share_pct,
        factors.grid_factor_year,
        factors.location_kgco2_per_kwh,
        factors.market_kgco2_per_kwh,
        factors.electricity_conversion_basis,
        lines.estimated_intervals,
        lines.intervals
    from lines
    cross join factors
    left join green_power
        on lines.entity_id = green_power.enterprise_id and lines.month = green_power.month
    left join certificates
        on lines.entity_id = certificates.enterprise_id and lines.month = certificates.month
)

select * from final
