{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook="{{ follow_window('interval_start_utc', 'fct_energy_balance') }}",
    )
}}

-- Where the electricity that final consumers used in each interval came from. On-site PV
-- serves the load first, a direct green supply line (绿电直连) next, the battery's discharge
-- next, the grid the rest; PV beyond the load went into the battery or was exported. Final
-- consumers are the enterprises' feeders and the park's own common areas and EV chargers (the
-- battery is storage, not a consumer).

with balance as (
    select
        *,
        enterprise_load_kwh + common_load_kwh + ev_charging_kwh as consumption_kwh
    from {{ ref('fct_energy_balance') }}
    where interval_start_utc >= {{ window_start() }}
),

pv_first as (
    select
        *,
        least(pv_generation_kwh, consumption_kwh) as pv_to_consumers_kwh,
        least(direct_green_import_kwh,
              greatest(consumption_kwh - pv_generation_kwh, 0)) as direct_green_to_consumers_kwh
    from balance
),

final as (
    select
        interval_start_utc,
        interval_start_local,
        local_date,
        consumption_kwh,
        pv_to_consumers_kwh,
        direct_green_to_consumers_kwh,
        least(
            battery_discharge_kwh,
            greatest(consumption_kwh - pv_to_consumers_kwh - direct_green_to_consumers_kwh, 0)
        ) as storage_to_consumers_kwh,
        greatest(
            consumption_kwh - pv_to_consumers_kwh - direct_green_to_consumers_kwh
            - least(battery_discharge_kwh,
                    greatest(consumption_kwh - pv_to_consumers_kwh
                             - direct_green_to_consumers_kwh, 0)),
            0
        ) as grid_to_consumers_kwh,
        pv_generation_kwh,
        direct_green_import_kwh,
        grid_import_kwh,
        grid_export_kwh,
        battery_charge_kwh,
        battery_discharge_kwh,
        estimated_flows
    from pv_first
)

select * from final
