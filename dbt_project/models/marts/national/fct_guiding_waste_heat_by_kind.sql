-- Waste heat, cold and pressure per enterprise, month and kind: the inbox declarations plus the
-- heat a waste-heat tank (config guiding_indicators.waste_heat_tanks) measurably stored.
-- The tank's stored heat (heat_stored, kWh_th x 0.0036 GJ/kWh) is recovered heat of the
-- enterprise whose waste heat it is; a declaration for that enterprise states its recovery
-- other than through the tank. Recoverable is the declared figure; where only the tank is
-- measured (nothing declared), the recoverable is taken as the heat the tank stored (a lower
-- bound, flagged in recoverable_basis), and never less than what was recovered.
-- Couplings (fct_coupling_flows, counts_for waste_heat_utilisation) add the waste energy the
-- enterprise sent to another enterprise or outside: like the tank's, the declaration states
-- the recovery other than through declared or metered couplings, so each GJ counts once.
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

coupled as (
    select counted_enterprise_id as enterprise_id, month, kind as waste_kind,
           sum(quantity) as coupled_recovered_gj
    from {{ ref('fct_coupling_flows') }}
    where counts_for = 'waste_heat_utilisation'
    group by all
),

declared_and_tank as (
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

combined as (
    select
        coalesce(declared_and_tank.enterprise_id, coupled.enterprise_id) as enterprise_id,
        coalesce(declared_and_tank.month, coupled.month) as month,
        coalesce(declared_and_tank.waste_kind, coupled.waste_kind) as waste_kind,
        declared_and_tank.declared_recoverable_gj,
        declared_and_tank.declared_recovered_gj,
        declared_and_tank.tank_recovered_gj,
        coalesce(declared_and_tank.tank_estimated_intervals, 0) as tank_estimated_intervals,
        coupled.coupled_recovered_gj,
        coalesce(declared_and_tank.recovered_gj, 0) + coalesce(coupled.coupled_recovered_gj, 0)
            as recovered_gj
    from declared_and_tank
    full outer join coupled
        on declared_and_tank.enterprise_id = coupled.enterprise_id
        and declared_and_tank.month = coupled.month
        and declared_and_tank.waste_kind = coupled.waste_kind
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
        coupled_recovered_gj,
        greatest(coalesce(declared_recoverable_gj, 0), recovered_gj) as recoverable_gj,
        recovered_gj,
        case
            when declared_recoverable_gj is null and tank_recovered_gj is null
                then 'coupled_only: recoverable taken as the heat coupled'
            when declared_recoverable_gj is null then 'tank_only: recoverable taken as the heat stored'
            when declared_recoverable_gj < recovered_gj
                then 'declared_below_recovered: recoverable raised to the heat recovered'
            else 'declared'
        end as recoverable_basis
    from combined
)

select * from final
