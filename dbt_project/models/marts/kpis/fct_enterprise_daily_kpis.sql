{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ follow_window('local_date', 'fct_interval_energy', grain='day') }}",
    )
}}

-- Each enterprise's (and the park's common use's) day in the park's time zone: electricity
-- and where it came from, gas, energy (tce), location-based emissions, self-sufficiency and
-- peak demand. A local day has 92, 96 or 100 intervals where the zone keeps daylight saving.
-- Market-based Scope 2 is monthly only: green-power contracts and certificates are monthly.

with energy as (
    select * from {{ ref('fct_enterprise_interval_energy') }}
    where local_date >= {{ window_start_local_date() }}
),

factors as (
    select * from {{ ref('int_accounting_factors_selected') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

coverage as (
    select max(interval_start_utc) + interval '15 minutes' as data_end_utc
    from {{ ref('fct_enterprise_interval_energy') }}
),

daily as (
    select
        entity_id,
        any_value(entity_kind) as entity_kind,
        local_date,
        sum(consumption_kwh) as electricity_kwh,
        sum(pv_allocated_kwh) as pv_allocated_kwh,
        sum(storage_allocated_kwh) as storage_allocated_kwh,
        sum(grid_allocated_kwh) as grid_allocated_kwh,
        sum(gas_nm3) as gas_nm3,
        max(consumption_kwh) * 4 as peak_demand_kw,
        {{ first_at_peak('interval_start_local', 'consumption_kwh') }} as peak_demand_at_local,
        count(*) as intervals,
        count(*) filter (where interval_quality = 'estimated') as estimated_intervals,
        count(*) filter (where interval_quality = 'incomplete') as incomplete_intervals
    from energy
    group by entity_id, local_date
),

final as (
    select
        daily.entity_id,
        daily.entity_kind,
        daily.local_date,
        daily.electricity_kwh,
        daily.pv_allocated_kwh,
        daily.storage_allocated_kwh,
        daily.grid_allocated_kwh,
        daily.gas_nm3,
        round((daily.electricity_kwh * factors.electricity_kgce_per_kwh
               + daily.gas_nm3 * factors.gas_kgce_per_nm3) / 1000.0, 6) as energy_tce,
        round(daily.gas_nm3 * factors.gas_tco2_per_nm3, 6) as scope1_tco2,
        round((daily.grid_allocated_kwh + daily.storage_allocated_kwh) / 1000.0
              * factors.location_kgco2_per_kwh, 6) as scope2_location_tco2,
        -- the day's ratio only once the day is over (a morning before sunrise is not 0 %)
        case when not {{ local_day_in_progress('daily.local_date', 'park.timezone',
                                                'coverage.data_end_utc') }} then
            round(100.0 * daily.pv_allocated_kwh / nullif(daily.electricity_kwh, 0), 6)
            end as self_sufficiency_pct,
        daily.peak_demand_kw,
        daily.peak_demand_at_local,
        daily.intervals,
        daily.estimated_intervals,
        daily.incomplete_intervals,
        {{ local_day_intervals('daily.local_date', 'park.timezone') }} as expected_intervals,
        daily.intervals < {{ local_day_intervals('daily.local_date', 'park.timezone') }}
            as is_partial_day,
        {{ local_day_in_progress('daily.local_date', 'park.timezone', 'coverage.data_end_utc') }}
            as is_day_in_progress
    from daily
    cross join factors
    cross join park
    cross join coverage
),

-- incremental marts skip the unsign_zeros post-hook (it rewrites whole tables): + 0.0 turns a
-- rounded tiny negative's -0.0 into 0.0 and leaves every other value as it is
unsigned as (
    select * replace (
        electricity_kwh + 0.0 as electricity_kwh,
        pv_allocated_kwh + 0.0 as pv_allocated_kwh,
        storage_allocated_kwh + 0.0 as storage_allocated_kwh,
        grid_allocated_kwh + 0.0 as grid_allocated_kwh,
        gas_nm3 + 0.0 as gas_nm3,
        energy_tce + 0.0 as energy_tce,
        scope1_tco2 + 0.0 as scope1_tco2,
        scope2_location_tco2 + 0.0 as scope2_location_tco2,
        self_sufficiency_pct + 0.0 as self_sufficiency_pct,
        peak_demand_kw + 0.0 as peak_demand_kw
    )
    from final
)

select * from unsigned
