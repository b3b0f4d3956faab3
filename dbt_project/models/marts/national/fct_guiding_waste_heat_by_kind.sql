-- Waste heat, cold and pressure per enterprise, month and kind: the inbox declarations plus the
-- heat a waste-heat tank (config guiding_indicators.waste_heat_tanks) measurably stored.
-- The tank's stored heat (heat_stored, kWh_th x 0.0036 GJ/kWh) is recovered heat of the
-- enterprise whose waste heat it is; a declaration for that enterprise states its recovery
-- other than through the tank. Recoverable is the declared figure; where only the tank is
-- measured (nothing declared), the recoverable is taken as the heat the tank stored (a lower
-- bound, flagged in recoverable_basis), and never less than what was recovered.
with declared as (
    select enterprise_id, month, waste_kind, recoverable_gj, recovered_gj
    from {{ ref('stg_inbox__waste_heat') }}
),

tanks as (
    select device_id, enterprise_id from {{ source('reference_guiding', 'guiding_waste_heat_tanks') }}
),

tank_heat as (
    select
        tanks.enterprise_id,
        cast(date_trunc('month', energy.local_date) as date) as month,
        'heat' as waste_kind,
        sum(energy.heat_kwh_th) * 0.0036 as tank_recovered_gj,
        count(*) filter (where energy.interval_quality = 'estimated') as tank_estimated_intervals
    from {{ ref('fct_interval_energy') }} as energy
    inner join tanks on energy.device_id = tanks.device_id
    where energy.energy_flow = 'heat_stored'
    group by all
),

combined as (
    select
        coalesce(declared.enterprise_id, tank_heat.enterprise_id) as enterprise_id,
        coalesce(declared.month, tank_heat.month) as month,
        coalesce(declared.waste_kind, tank_heat.waste_kind) as waste_kind,
        declared.recoverable_gj as declared_recoverable_gj,
        declared.recovered_gj as declared_recovered_gj,
        tank_heat.tank_recovered_gj,
        coalesce(tank_heat.tank_estimated_intervals, 0) as tank_estimated_intervals,
        coalesce(declared.recovered_gj, 0) + coalesce(tank_heat.tank_recovered_gj, 0)
            as recovered_gj
    from declared
    full outer join tank_heat
        on declared.enterprise_id = tank_heat.enterprise_id
        and declared.month = tank_heat.month
        and declared.waste_kind = tank_heat.waste_kind
),

final as (
    select
        enterprise_id,
        month,
        waste_kind,
        declared_recoverable_gj,
        declared_recovered_gj,
        tank_recovered_gj,
        tank_estimated_intervals,
        greatest(coalesce(declared_recoverable_gj, 0), recovered_gj) as recoverable_gj,
        recovered_gj,
        case
            when declared_recoverable_gj is null then 'tank_only: recoverable taken as the heat stored'
            when declared_recoverable_gj < recovered_gj
                then 'declared_below_recovered: recoverable raised to the heat recovered'
            else 'declared'
        end as recoverable_basis
    from combined
)

select * from final
