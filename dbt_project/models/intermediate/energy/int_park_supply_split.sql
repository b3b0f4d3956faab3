-- Where the electricity that final consumers used in each interval came from. On-site PV
-- serves the load first, the battery's discharge next, the grid the rest; PV beyond the load
-- went into the battery or was exported. Final consumers are the enterprises' feeders and the
-- park's own common areas and EV chargers (the battery is storage, not a consumer).

with balance as (
    select * from {{ ref('fct_energy_balance') }}
),

final as (
    select
        interval_start_utc,
        interval_start_local,
        local_date,
        enterprise_load_kwh + common_load_kwh + ev_charging_kwh as consumption_kwh,
        least(pv_generation_kwh, enterprise_load_kwh + common_load_kwh + ev_charging_kwh)
            as pv_to_consumers_kwh,
        least(
            battery_discharge_kwh,
            greatest(enterprise_load_kwh + common_load_kwh + ev_charging_kwh
                     - pv_generation_kwh, 0)
        ) as storage_to_consumers_kwh,
        greatest(
            enterprise_load_kwh + common_load_kwh + ev_charging_kwh
            - least(pv_generation_kwh, enterprise_load_kwh + common_load_kwh + ev_charging_kwh)
            - least(battery_discharge_kwh,
                    greatest(enterprise_load_kwh + common_load_kwh + ev_charging_kwh
                             - pv_generation_kwh, 0)),
            0
        ) as grid_to_consumers_kwh,
        pv_generation_kwh,
        grid_import_kwh,
        grid_export_kwh,
        battery_charge_kwh,
        battery_discharge_kwh,
        estimated_flows
    from balance
)

select * from final
