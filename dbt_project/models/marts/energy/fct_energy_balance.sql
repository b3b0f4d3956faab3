{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ follow_window('interval_start_utc', 'fct_interval_energy') }}",
    )
}}

-- The park's electricity balance at the grid connection, per 15-minute interval:
-- supply (grid import + direct green supply + PV + battery discharge) against use (enterprise feeders + common
-- areas + EV charging + battery charge + grid export). HVAC is inside its enterprise's feeder.
-- A direct green supply line (绿电直连, device kind direct_green_meter) is a second connection
-- to the outside: its import is supply beside the grid meter's.

with flows as (
    select * from {{ ref('fct_interval_energy') }}
    where energy_kwh is not null
        and interval_start_utc >= {{ window_start() }}
),

expected_devices as (
    select count(distinct device_id) as devices_expected
    from {{ ref('stg_reference__device_points') }}
    where energy_flow in ('grid_import', 'direct_green_import', 'pv_generation',
                          'battery_discharge', 'battery_charge', 'enterprise_load',
                          'common_load', 'ev_charging')
),

by_interval as (
    select
        interval_start_utc,
        any_value(interval_start_local) as interval_start_local,
        any_value(local_date) as local_date,
        sum(case when energy_flow = 'grid_import' then energy_kwh else 0 end) as grid_import_kwh,
        sum(case when energy_flow = 'grid_export' then energy_kwh else 0 end) as grid_export_kwh,
        sum(case when energy_flow = 'direct_green_import' then energy_kwh else 0 end)
            as direct_green_import_kwh,
        sum(case when energy_flow = 'pv_generation' then energy_kwh else 0 end) as pv_generation_kwh,
        sum(case when energy_flow = 'battery_discharge' then energy_kwh else 0 end)
            as battery_discharge_kwh,
        sum(case when energy_flow = 'battery_charge' then energy_kwh else 0 end) as battery_charge_kwh,
        sum(case when energy_flow = 'enterprise_load' then energy_kwh else 0 end)
            - sum(case when energy_flow = 'enterprise_export' then energy_kwh else 0 end)
            as enterprise_load_kwh,
        sum(case when energy_flow = 'common_load' then energy_kwh else 0 end)
            - sum(case when energy_flow = 'common_export' then energy_kwh else 0 end)
            as common_load_kwh,
        sum(case when energy_flow = 'ev_charging' then energy_kwh else 0 end) as ev_charging_kwh,
        sum(case when energy_flow = 'hvac_load' then energy_kwh else 0 end)
            as hvac_load_within_enterprises_kwh,
        count(distinct case when energy_flow in ('grid_import', 'direct_green_import',
            'pv_generation', 'battery_discharge', 'battery_charge', 'enterprise_load',
            'common_load', 'ev_charging') then device_id end) as devices_reporting,
        count(*) filter (where interval_quality = 'estimated') as estimated_flows
    from flows
    group by interval_start_utc
),

sides as (
    select
        by_interval.*,
        grid_import_kwh + direct_green_import_kwh + pv_generation_kwh + battery_discharge_kwh
            as supply_kwh,
        enterprise_load_kwh + common_load_kwh + ev_charging_kwh + battery_charge_kwh
            + grid_export_kwh as use_kwh
    from by_interval
),

final as (
    select
        sides.*,
        supply_kwh - use_kwh as unexplained_residual_kwh,
        grid_import_kwh * 4 as import_demand_kw,
        round(100.0 * greatest(pv_generation_kwh - grid_export_kwh, 0)
              / nullif(pv_generation_kwh, 0), 6) + 0.0 as pv_self_consumption_pct,
        round(100.0 * greatest(pv_generation_kwh - grid_export_kwh, 0)
              / nullif(enterprise_load_kwh + common_load_kwh + ev_charging_kwh, 0), 6)
            + 0.0 as self_sufficiency_pct,  -- 0 over a net export is -0.0 (see the allocation)
        expected_devices.devices_expected,
        devices_reporting = expected_devices.devices_expected as is_complete,
        abs(supply_kwh - use_kwh)
            <= greatest({{ var("balance_tolerance_pct") }} / 100.0 * supply_kwh,
                        {{ var("balance_tolerance_kwh") }}) as balance_closes
    from sides
    cross join expected_devices
)

select * from final
