{#
  The controlled quantities, one entry per asset kind and quantity. device_kind: the devices
  that carry it (dim_devices); plan_*: the fct_dispatch_plan rows that plan it (none: never
  planned per asset); command_point: the point the setpoint writer sets (none: never commanded);
  measured_point: the reading that shows what the device did; combine: how devices of one asset
  add up (sum of kW, mean of degC, pct_of_rated: output as % of the inverters' rated_kw).
  A device carries a quantity when its register map has the command point (else the measured
  point): AC chargers take current_limit_a, DC chargers power_limit_kw.
#}
{%- set controls = [
    ('battery', 'bess', 'setpoint_kw', 'kW', 'battery', 'setpoint_kw',
     'power_setpoint_kw', 'active_power_kw', 'sum'),
    ('hvac_zone', 'hvac', 'setpoint_c', 'degC', 'hvac_zone', 'setpoint_c',
     'setpoint_c', 'zone_temp_c', 'mean'),
    ('pv', 'pv_inverter', 'power_limit_pct', '%', 'pv', 'power_limit_pct',
     'power_limit_pct', 'ac_power_kw', 'pct_of_rated'),
    ('pv', 'pv_inverter', 'output_kw', 'kW', 'pv', 'output_kw',
     none, 'ac_power_kw', 'sum'),
    ('thermal_storage', 'thermal_storage', 'setpoint_kw_th', 'kW_th', 'thermal_storage',
     'setpoint_kw_th', 'power_setpoint_kw_th', 'thermal_power_kw_th', 'sum'),
    ('ev_charger', 'ev_charger', 'current_limit_a', 'A', none, none,
     'current_limit_a', 'current_l1_a', 'sum'),
    ('ev_charger', 'ev_charger', 'power_limit_kw', 'kW', none, none,
     'power_limit_kw', 'charging_power_kw', 'sum'),
    ('ev_fleet', 'ev_charger', 'power_kw', 'kW', 'ev_group', 'power_kw',
     none, 'charging_power_kw', 'sum'),
] -%}
{%- set measured_points = controls | map(attribute=7) | unique | list -%}
{#
  The span of the plan rows and attempts (a superset of `shown` below), read when the model
  runs (its parents are built by then): first and last UTC date and first interval start.
  Not in a unit test: its parents are fixtures there, not tables.
#}
{%- set shown_span = none -%}
{%- if execute and model.resource_type == 'model' -%}
    {%- set span_query -%}
        select
            cast(min(interval_start_utc) as date),
            cast(max(interval_start_utc) as date),
            strftime(min(interval_start_utc) at time zone 'UTC', '%Y-%m-%d %H:%M:%S+00')
        from (
            select interval_start_utc from {{ ref('fct_dispatch_plan') }}
            union all
            select coalesce(interval_start_utc,
                            time_bucket(interval '15 minutes', attempt_ts_utc))
            from {{ ref('fct_setpoint_audit') }}
        ) as intervals
    {%- endset -%}
    {%- set shown_span = run_query(span_query).rows[0] -%}
{%- endif -%}

-- Plan against command against measurement for every controlled quantity of every asset in
-- every 15-minute UTC interval: did the plan reach the device, and did the device do it?
-- planned: the plan in force (fct_dispatch_plan); commanded: per device the last value the
-- device held after an attempt in the interval (written or unchanged), combined over the
-- asset's devices; measured: per device the mean of its good readings in the interval,
-- combined alike. An attempt belongs to the plan interval it was made for (its
-- interval_start_utc; its own quarter-hour when it has none). EV: the plan schedules groups of
-- like sessions, not chargers, so the groups are compared as one fleet (ev_fleet: planned
-- sum of the groups, measured sum of every charger) and each charger's own limit (ev_charger:
-- commanded limit against its measured current or power, never planned).
--
-- A table, rebuilt every run: rows exist only where a plan or an attempt does, and readings
-- are read only for those assets' devices, their few points and the span of those rows. Not
-- incremental yet: a re-run plan replaces a whole day and readings land late, so a window on
-- the newest interval (open_window) would miss changes; revisit when the audit is months long.

with plans as (
    select * from {{ ref('fct_dispatch_plan') }}
),

attempts as (
    select * from {{ ref('fct_setpoint_audit') }}
),

devices as (
    select * from {{ ref('dim_devices') }}
),

device_points as (
    select * from {{ ref('stg_reference__device_points') }}
),

readings as (
    select * from {{ ref('stg_landing__readings') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

controls as (
    select *
    from (
        values
        {%- for control in controls %}
            ({% for value in control -%}
                {{ "null" if value is none else "'" ~ value ~ "'" }}{{ ", " if not loop.last }}
            {%- endfor %}){{ "," if not loop.last }}
        {%- endfor %}
    ) as controls (
        asset_kind, device_kind, quantity, unit, plan_asset_kind, plan_quantity,
        command_point, measured_point, combine
    )
),

asset_devices as (
    select
        controls.asset_kind,
        case when controls.asset_kind = 'ev_fleet' then 'ev_fleet' else devices.asset_id end
            as asset_id,
        controls.quantity,
        controls.command_point,
        controls.measured_point,
        controls.combine,
        devices.device_id,
        devices.rated_kw
    from controls
    inner join devices on controls.device_kind = devices.device_kind
    inner join device_points
        on devices.device_id = device_points.device_id
        and device_points.point = coalesce(controls.command_point, controls.measured_point)
    where devices.asset_id is not null
),

planned as (
    select
        plans.interval_start_utc,
        controls.asset_kind,
        case when controls.asset_kind = 'ev_fleet' then 'ev_fleet' else plans.asset_id end
            as asset_id,
        controls.quantity,
        sum(plans.planned_value) as planned_value,
        max(plans.run_id) as plan_run_id
    from plans
    inner join controls
        on plans.asset_kind = controls.plan_asset_kind
        and plans.quantity = controls.plan_quantity
    group by all
),

device_attempts as (
    select
        coalesce(attempts.interval_start_utc,
                 time_bucket(interval '15 minutes', attempts.attempt_ts_utc)) as interval_start_utc,
        asset_devices.asset_kind,
        asset_devices.asset_id,
        asset_devices.quantity,
        asset_devices.combine,
        asset_devices.device_id,
        asset_devices.rated_kw,
        attempts.attempt_ts_utc,
        attempts.outcome,
        attempts.commanded_value,
        attempts.plan_run_id
    from attempts
    inner join asset_devices
        on attempts.device_id = asset_devices.device_id
        and attempts.point = asset_devices.command_point
),

device_commands as (
    select
        interval_start_utc,
        asset_kind,
        asset_id,
        quantity,
        combine,
        device_id,
        any_value(rated_kw) as rated_kw,
        arg_max(commanded_value, attempt_ts_utc) filter (where commanded_value is not null)
            as commanded_value
    from device_attempts
    group by all
),

commanded as (
    select
        interval_start_utc,
        asset_kind,
        asset_id,
        quantity,
        case combine
            when 'sum' then sum(commanded_value)
            when 'mean' then avg(commanded_value)
            when 'pct_of_rated' then sum(commanded_value * coalesce(rated_kw, 1.0))
                / sum(coalesce(rated_kw, 1.0)) filter (where commanded_value is not null)
        end as commanded_value,
        count(commanded_value) as commanded_devices
    from device_commands
    group by interval_start_utc, asset_kind, asset_id, quantity, combine
),

attempt_summary as (
    select
        interval_start_utc,
        asset_kind,
        asset_id,
        quantity,
        arg_max(outcome, attempt_ts_utc) as last_outcome,
        arg_max(plan_run_id, attempt_ts_utc) as command_plan_run_id,
        count(*) as attempts,
        count(*) filter (where outcome = 'refused') as refused_attempts
    from device_attempts
    group by all
),

shown as (
    select interval_start_utc, asset_kind, asset_id, quantity from planned
    union
    select interval_start_utc, asset_kind, asset_id, quantity from device_attempts
),

shown_devices as (
    select distinct asset_devices.device_id
    from asset_devices
    inner join (select distinct asset_kind, asset_id, quantity from shown) as shown_assets
        on asset_devices.asset_kind = shown_assets.asset_kind
        and asset_devices.asset_id = shown_assets.asset_id
        and asset_devices.quantity = shown_assets.quantity
),

good_readings as (
    -- distinct: a reading landed twice (a replay, compaction in flight) counts once
    select distinct readings.ts_utc, readings.device_id, readings.point, readings.value
    from readings
    where readings.quality = 'good'
        and readings.point in (
            {%- for point in measured_points %}'{{ point }}'{{ ", " if not loop.last }}{% endfor -%}
        )
        and readings.device_id in (select device_id from shown_devices)
        -- constants, so the scan opens only the landing partitions of the span (a subquery
        -- here read every partition: 4.3 s of each hourly build with no plan at all)
        {%- if shown_span is none %}
        and readings.landing_date >= (select cast(min(interval_start_utc) as date) from shown)
        and readings.landing_date <= (select cast(max(interval_start_utc) as date) from shown)
        and readings.ts_utc >= (select min(interval_start_utc) from shown)
        {%- elif shown_span[0] is none %}
        and false
        {%- else %}
        and readings.landing_date >= date '{{ shown_span[0] }}'
        and readings.landing_date <= date '{{ shown_span[1] }}'
        and readings.ts_utc >= timestamptz '{{ shown_span[2] }}'
        {%- endif %}
),

device_means as (
    select
        time_bucket(interval '15 minutes', ts_utc) as interval_start_utc,
        device_id,
        point,
        avg(value) as mean_value
    from good_readings
    group by all
),

measured as (
    select
        shown.interval_start_utc,
        shown.asset_kind,
        shown.asset_id,
        shown.quantity,
        case asset_devices.combine
            when 'sum' then sum(device_means.mean_value)
            when 'mean' then avg(device_means.mean_value)
            when 'pct_of_rated' then 100.0
                * sum(device_means.mean_value) filter (where asset_devices.rated_kw is not null)
                / sum(asset_devices.rated_kw)
        end as measured_value,
        count(*) as measured_devices
    from shown
    inner join asset_devices
        on shown.asset_kind = asset_devices.asset_kind
        and shown.asset_id = asset_devices.asset_id
        and shown.quantity = asset_devices.quantity
    inner join device_means
        on asset_devices.device_id = device_means.device_id
        and asset_devices.measured_point = device_means.point
        and shown.interval_start_utc = device_means.interval_start_utc
    group by
        shown.interval_start_utc, shown.asset_kind, shown.asset_id, shown.quantity,
        asset_devices.combine
),

device_counts as (
    select asset_kind, asset_id, quantity, count(*) as asset_devices
    from asset_devices
    group by all
),

final as (
    -- every joined CTE has one row per (interval_start_utc, asset_kind, asset_id, quantity)
    select
        shown.interval_start_utc,
        timezone(park.timezone, shown.interval_start_utc) as interval_start_local,
        cast(timezone(park.timezone, shown.interval_start_utc) as date) as local_date,
        shown.asset_kind,
        shown.asset_id,
        shown.quantity,
        controls.unit,
        planned.planned_value,
        commanded.commanded_value,
        measured.measured_value,
        attempt_summary.last_outcome,
        coalesce(attempt_summary.attempts, 0) as attempts,
        coalesce(attempt_summary.refused_attempts, 0) as refused_attempts,
        coalesce(device_counts.asset_devices, 0) as asset_devices,
        coalesce(commanded.commanded_devices, 0) as commanded_devices,
        coalesce(measured.measured_devices, 0) as measured_devices,
        planned.plan_run_id,
        attempt_summary.command_plan_run_id
    from shown
    inner join controls using (asset_kind, quantity)
    left join planned using (interval_start_utc, asset_kind, asset_id, quantity)
    left join commanded using (interval_start_utc, asset_kind, asset_id, quantity)
    left join attempt_summary using (interval_start_utc, asset_kind, asset_id, quantity)
    left join measured using (interval_start_utc, asset_kind, asset_id, quantity)
    left join device_counts using (asset_kind, asset_id, quantity)
    cross join park
)

select * from final
