-- The plan in force for each day (the latest run published for it) against what was
-- measured: grid import/export, each battery's net power (discharge positive) and each PV
-- system's output, as average kW over the 15-minute interval. Quantities with no metered
-- counterpart (a battery's SOC, curtailment) carry a null measured_value (called actual_value
-- before; fct_asset_control names it measured_value too).

with plans as (
    select * from {{ ref('stg_dispatch__plans') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

latest_run as (
    select plan_date, arg_max(run_id, created_at_utc) as run_id
    from (select distinct plan_date, run_id, created_at_utc from plans) as runs
    group by plan_date
),

in_force as (
    select plans.*
    from plans
    inner join latest_run
        on plans.plan_date = latest_run.plan_date and plans.run_id = latest_run.run_id
),

energy as (
    select interval_start_utc, devices.asset_id, energy_flow, sum(energy_kwh) as energy_kwh
    from {{ ref('fct_interval_energy') }} as energy
    inner join {{ ref('dim_devices') }} as devices using (device_id)
    where energy_flow in ('grid_import', 'grid_export', 'battery_charge', 'battery_discharge',
                          'pv_generation')
        -- only the span the plans cover (none without a plan): measured is joined to the
        -- plans' intervals alone, and the interval mart holds every device's whole history
        and energy.interval_start_utc >= (select min(interval_start_utc) from in_force)
        and energy.interval_start_utc <= (select max(interval_start_utc) from in_force)
    group by all
),

measured as (
    select interval_start_utc, 'grid' as asset_id, 'import_kw' as quantity,
        sum(energy_kwh) filter (where energy_flow = 'grid_import') * 4 as measured_value
    from energy group by all
    union all
    select interval_start_utc, 'grid', 'export_kw',
        sum(energy_kwh) filter (where energy_flow = 'grid_export') * 4
    from energy group by all
    union all
    select interval_start_utc, asset_id, 'setpoint_kw',
        (coalesce(sum(energy_kwh) filter (where energy_flow = 'battery_discharge'), 0)
         - coalesce(sum(energy_kwh) filter (where energy_flow = 'battery_charge'), 0)) * 4
    from energy where energy_flow in ('battery_charge', 'battery_discharge') group by all
    union all
    select interval_start_utc, asset_id, 'output_kw', sum(energy_kwh) * 4
    from energy where energy_flow = 'pv_generation' group by all
),

final as (
    select
        in_force.plan_date,
        in_force.interval_start_utc,
        timezone(park.timezone, in_force.interval_start_utc) as interval_start_local,
        in_force.asset_kind,
        in_force.asset_id,
        in_force.quantity,
        in_force.unit,
        in_force.value as planned_value,
        measured.measured_value,
        measured.measured_value - in_force.value as deviation,
        in_force.run_id,
        in_force.created_at_utc,
        in_force.solver_status,
        in_force.is_fallback,
        in_force.weather_provider,
        in_force.breached_bounds
    from in_force
    cross join park
    left join measured
        on in_force.interval_start_utc = measured.interval_start_utc
        and in_force.asset_id = measured.asset_id
        and in_force.quantity = measured.quantity
)

select * from final
