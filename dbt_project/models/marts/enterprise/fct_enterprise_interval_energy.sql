{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ follow_window('interval_start_utc', 'fct_interval_energy') }}",
    )
}}

-- Each enterprise's electricity (and the park's own common use) per interval, with the shared
-- on-site PV, the battery's discharge and the grid allocated to it. The allocation rule is the
-- var `allocation_rule`; 'pro_rata_consumption' (the default and, for now, the only rule) gives
-- every consumer the interval's supply mix in proportion to its consumption, so the entities
-- add up to the park in every interval. An interval in which one of the consumer's own
-- feeders (or, for the park, a common meter or charger) reported nothing is `incomplete`:
-- its consumption is only what the others metered, and must not be read as measured.

{% if var('allocation_rule') != 'pro_rata_consumption' %}
    {{ exceptions.raise_compiler_error("unknown allocation_rule '" ~ var('allocation_rule')
       ~ "': supported: pro_rata_consumption") }}
{% endif %}

with flows as (
    select * from {{ ref('fct_interval_energy') }}
    where interval_start_utc >= {{ window_start() }}
),

supply as (
    select * from {{ ref('int_park_supply_split') }}
    where interval_start_utc >= {{ window_start() }}
),

feeders_expected as (
    select coalesce(devices.enterprise_id, 'park') as entity_id,
        count(distinct points.device_id) as feeders_expected
    from {{ ref('stg_reference__device_points') }} as points
    inner join {{ ref('stg_reference__devices') }} as devices using (device_id)
    where points.energy_flow in ('enterprise_load', 'common_load', 'ev_charging')
    group by all
),

consumers as (
    select
        interval_start_utc,
        coalesce(enterprise_id, 'park') as entity_id,
        case when enterprise_id is null then 'park_common' else 'enterprise' end as entity_kind,
        sum(case when energy_flow in ('enterprise_load', 'common_load', 'ev_charging')
                 then energy_kwh
                 when energy_flow in ('enterprise_export', 'common_export')
                 then -energy_kwh
                 else 0 end) as consumption_kwh,
        sum(case when energy_flow = 'hvac_load' then energy_kwh else 0 end) as hvac_kwh,
        sum(case when energy_flow = 'ev_charging' then energy_kwh else 0 end) as ev_charging_kwh,
        sum(coalesce(gas_nm3, 0)) as gas_nm3,
        count(distinct case when energy_flow in ('enterprise_load', 'common_load', 'ev_charging')
                                 and energy_kwh is not null then device_id end)
            as feeders_reporting,
        bool_or(interval_quality = 'estimated') as has_estimates
    from flows
    where energy_flow in ('enterprise_load', 'enterprise_export', 'common_load', 'common_export',
                          'ev_charging', 'hvac_load', 'gas')
    group by all
),

final as (
    select
        consumers.interval_start_utc,
        supply.interval_start_local,
        supply.local_date,
        consumers.entity_id,
        consumers.entity_kind,
        -- + 0.0: a zero times an exporter's negative share is -0.0 (the unsign_zeros post-hook
        -- rewrites table marts only); adding 0.0 makes it 0.0 and leaves every other value
        consumers.consumption_kwh + 0.0 as consumption_kwh,
        coalesce(consumers.consumption_kwh / nullif(supply.consumption_kwh, 0), 0)
            + 0.0 as share_of_park_consumption,
        supply.pv_to_consumers_kwh
            * coalesce(consumers.consumption_kwh / nullif(supply.consumption_kwh, 0), 0)
            + 0.0 as pv_allocated_kwh,
        supply.direct_green_to_consumers_kwh
            * coalesce(consumers.consumption_kwh / nullif(supply.consumption_kwh, 0), 0)
            + 0.0 as direct_green_allocated_kwh,
        supply.storage_to_consumers_kwh
            * coalesce(consumers.consumption_kwh / nullif(supply.consumption_kwh, 0), 0)
            + 0.0 as storage_allocated_kwh,
        supply.grid_to_consumers_kwh
            * coalesce(consumers.consumption_kwh / nullif(supply.consumption_kwh, 0), 0)
            + 0.0 as grid_allocated_kwh,
        consumers.hvac_kwh,
        consumers.ev_charging_kwh,
        consumers.gas_nm3,
        coalesce(feeders_expected.feeders_expected, 0) as feeders_expected,
        consumers.feeders_reporting,
        case when consumers.feeders_reporting < coalesce(feeders_expected.feeders_expected, 0)
             then 'incomplete'
             when consumers.has_estimates or supply.estimated_flows > 0
             then 'estimated' else 'measured' end as interval_quality
    from consumers
    inner join supply on consumers.interval_start_utc = supply.interval_start_utc
    left join feeders_expected on consumers.entity_id = feeders_expected.entity_id
)

select * from final
