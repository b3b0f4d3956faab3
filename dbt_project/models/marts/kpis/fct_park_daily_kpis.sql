{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ follow_window('local_date', ['fct_interval_energy', 'fct_pv_interval_generation'], grain='day') }}",
    )
}}

-- The park's day in its own time zone: the balance's flows, energy (tce), location-based
-- emissions (on the grid meter, losses included), PV self-consumption, self-sufficiency, peak import demand, and how much of the
-- day was measured. A local day has 92, 96 or 100 intervals where the zone keeps daylight
-- saving; expected_intervals says which, so a missing interval is visible.

with balance as (
    select * from {{ ref('fct_energy_balance') }}
    where local_date >= {{ window_start_local_date() }}
),

consumers as (
    select
        local_date,
        sum(gas_nm3) as gas_nm3,
        sum(grid_allocated_kwh + storage_allocated_kwh) as grid_electricity_kwh
    from {{ ref('fct_enterprise_interval_energy') }}
    where local_date >= {{ window_start_local_date() }}
    group by local_date
),

curtailment as (
    select
        local_date,
        sum(curtailed_kwh) as pv_curtailed_kwh,
        count(*) filter (where potential_method = 'unknown') = 0 as curtailment_measured
    from {{ ref('fct_pv_interval_generation') }}
    where local_date >= {{ window_start_local_date() }}
    group by local_date
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

coverage as (
    select max(interval_start_utc) + interval '15 minutes' as data_end_utc
    from {{ ref('fct_energy_balance') }}
),

factors as (
    select * from {{ ref('int_accounting_factors_selected') }}
),

daily as (
    select
        local_date,
        sum(grid_import_kwh) as grid_import_kwh,
        sum(grid_export_kwh) as grid_export_kwh,
        sum(pv_generation_kwh) as pv_generation_kwh,
        sum(battery_charge_kwh) as battery_charge_kwh,
        sum(battery_discharge_kwh) as battery_discharge_kwh,
        sum(enterprise_load_kwh + common_load_kwh + ev_charging_kwh) as consumption_kwh,
        sum(ev_charging_kwh) as ev_charging_kwh,
        sum(unexplained_residual_kwh) as unexplained_residual_kwh,
        max(grid_import_kwh) * 4 as peak_import_kw,
        {{ first_at_peak('interval_start_local', 'grid_import_kwh') }} as peak_import_at_local,
        count(*) as intervals,
        count(*) filter (where not balance_closes) as intervals_not_closing,
        count(*) filter (where estimated_flows > 0) as intervals_with_estimates
    from balance
    group by local_date
),

days as (
    select
        daily.*,
        -- the length of the local day: midnight to midnight in the park's zone
        {{ local_day_intervals('daily.local_date', 'park.timezone') }} as expected_intervals,
        {{ local_day_in_progress('daily.local_date', 'park.timezone', 'coverage.data_end_utc') }}
            as is_day_in_progress
    from daily
    cross join park
    cross join coverage
),

final as (
    select
        daily.local_date,
        daily.expected_intervals,
        daily.intervals,
        daily.grid_import_kwh,
        daily.grid_export_kwh,
        daily.pv_generation_kwh,
        daily.battery_charge_kwh,
        daily.battery_discharge_kwh,
        daily.consumption_kwh,
        daily.ev_charging_kwh,
        daily.unexplained_residual_kwh,
        coalesce(consumers.gas_nm3, 0) as gas_nm3,
        round((daily.consumption_kwh * factors.electricity_kgce_per_kwh
               + coalesce(consumers.gas_nm3, 0) * factors.gas_kgce_per_nm3) / 1000.0, 6)
            as energy_tce,
        round(coalesce(consumers.gas_nm3, 0) * factors.gas_tco2_per_nm3, 6) as scope1_tco2,
        -- the park's Scope 2 closes on its grid meter (as the monthly figures do): what the
        -- consumers' meters did not account for is the park's losses, shown on their own
        round(daily.grid_import_kwh - coalesce(consumers.grid_electricity_kwh, 0), 6)
            as losses_unallocated_kwh,
        round(daily.grid_import_kwh / 1000.0 * factors.location_kgco2_per_kwh, 6)
            as scope2_location_tco2,
        -- the day's PV ratios only once the day is over: before sunrise so far they read 0 %
        case when not daily.is_day_in_progress then
            round(100.0 * greatest(daily.pv_generation_kwh - daily.grid_export_kwh, 0)
                  / nullif(daily.pv_generation_kwh, 0), 6) end as pv_self_consumption_pct,
        case when not daily.is_day_in_progress then
            round(100.0 * greatest(daily.pv_generation_kwh - daily.grid_export_kwh, 0)
                  / nullif(daily.consumption_kwh, 0), 6) end as self_sufficiency_pct,
        coalesce(curtailment.pv_curtailed_kwh, 0) as pv_curtailed_kwh,
        -- (absorption compares PV with its own potential: no time-of-day bias, kept)
        round(100.0 * daily.pv_generation_kwh
              / nullif(daily.pv_generation_kwh + coalesce(curtailment.pv_curtailed_kwh, 0), 0), 6)
            as renewable_absorption_pct,
        coalesce(curtailment.curtailment_measured, true) as curtailment_measured,
        daily.peak_import_kw,
        daily.peak_import_at_local,
        daily.intervals_not_closing,
        daily.intervals_with_estimates,
        daily.intervals < daily.expected_intervals as is_partial_day,
        daily.is_day_in_progress
    from days as daily
    cross join factors
    left join consumers on daily.local_date = consumers.local_date
    left join curtailment on daily.local_date = curtailment.local_date
),

-- incremental marts skip the unsign_zeros post-hook (it rewrites whole tables): + 0.0 turns a
-- rounded tiny negative's -0.0 into 0.0 and leaves every other value as it is
unsigned as (
    select * replace (
        grid_import_kwh + 0.0 as grid_import_kwh,
        grid_export_kwh + 0.0 as grid_export_kwh,
        pv_generation_kwh + 0.0 as pv_generation_kwh,
        battery_charge_kwh + 0.0 as battery_charge_kwh,
        battery_discharge_kwh + 0.0 as battery_discharge_kwh,
        consumption_kwh + 0.0 as consumption_kwh,
        ev_charging_kwh + 0.0 as ev_charging_kwh,
        unexplained_residual_kwh + 0.0 as unexplained_residual_kwh,
        gas_nm3 + 0.0 as gas_nm3,
        energy_tce + 0.0 as energy_tce,
        scope1_tco2 + 0.0 as scope1_tco2,
        losses_unallocated_kwh + 0.0 as losses_unallocated_kwh,
        scope2_location_tco2 + 0.0 as scope2_location_tco2,
        pv_self_consumption_pct + 0.0 as pv_self_consumption_pct,
        self_sufficiency_pct + 0.0 as self_sufficiency_pct,
        pv_curtailed_kwh + 0.0 as pv_curtailed_kwh,
        renewable_absorption_pct + 0.0 as renewable_absorption_pct,
        peak_import_kw + 0.0 as peak_import_kw
    )
    from final
)

select * from unsigned
