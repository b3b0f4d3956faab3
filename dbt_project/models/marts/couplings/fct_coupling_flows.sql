-- The circular-coupling map (产业循环图谱): every flow between two parties (an enterprise, or
-- 'outside' the park) per local month, carrier and kind, in the carrier's unit: heat GJ, water
-- m3, solid waste and organic waste to biogas t. Declared in the inbox (coupling_flows) or
-- measured by a meter the park names for the coupling (config couplings.meters: a water
-- meter's totaliser, m3; a heat store's released heat, kWh_th x 0.0036 GJ). A metered month
-- replaces the declared figure of the same coupling (measured beats declared).
-- counts_for / counted_enterprise_id say, once and only here, which guiding indicator a flow
-- feeds and for whom, so that no coupling is counted twice:
--   heat of kind heat|cold|pressure from an enterprise: the supplier's recovered waste energy
--     (heat produced on purpose, kind 'supply', is not waste heat: map only);
--   solid waste and organic waste from an enterprise: the supplier's utilised waste;
--   water between two enterprises: the receiver's reused water (water from outside is intake).
with declared as (
    select month, from_id, to_id, carrier, kind, quantity, unit
    from {{ ref('stg_inbox__coupling_flows') }}
),

meters as (
    select * from {{ source('reference_couplings', 'coupling_meters') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

metered_water as (
    select
        cast(date_trunc('month', timezone(park.timezone, intervals.interval_start_utc)) as date)
            as month,
        meters.from_id, meters.to_id, meters.carrier, meters.kind,
        sum(intervals.increase) as quantity,
        'm3' as unit,
        max(meters.device_id) as device_id,
        count(*) filter (where intervals.interval_quality = 'estimated') as estimated_intervals
    from {{ ref('int_counter_intervals_interpolated') }} as intervals
    inner join meters on intervals.device_id = meters.device_id
    cross join park
    where meters.carrier = 'water' and intervals.point = 'volume_total_m3'
    group by all
),

metered_heat as (
    select
        cast(date_trunc('month', energy.local_date) as date) as month,
        meters.from_id, meters.to_id, meters.carrier, meters.kind,
        sum(energy.heat_kwh_th) * 0.0036 as quantity,
        'GJ' as unit,
        max(meters.device_id) as device_id,
        count(*) filter (where energy.interval_quality = 'estimated') as estimated_intervals
    from {{ ref('fct_interval_energy') }} as energy
    inner join meters on energy.device_id = meters.device_id
    where meters.carrier = 'heat' and energy.energy_flow = 'heat_released'
    group by all
),

metered as (
    select * from metered_water
    union all
    select * from metered_heat
),

combined as (
    select
        coalesce(metered.month, declared.month) as month,
        coalesce(metered.from_id, declared.from_id) as from_id,
        coalesce(metered.to_id, declared.to_id) as to_id,
        coalesce(metered.carrier, declared.carrier) as carrier,
        coalesce(metered.kind, declared.kind) as kind,
        coalesce(metered.quantity, declared.quantity) as quantity,
        coalesce(metered.unit, declared.unit) as unit,
        case when metered.quantity is not null then 'metered' else 'declared' end as source,
        declared.quantity as declared_quantity,
        metered.quantity as metered_quantity,
        metered.device_id,
        coalesce(metered.estimated_intervals, 0) as metered_estimated_intervals
    from declared
    full outer join metered
        on declared.month = metered.month
        and declared.from_id = metered.from_id
        and declared.to_id = metered.to_id
        and declared.carrier = metered.carrier
        and declared.kind = metered.kind
),

final as (
    select
        month,
        from_id,
        to_id,
        carrier,
        kind,
        round(quantity, 6) as quantity,
        unit,
        source,
        declared_quantity,
        round(metered_quantity, 6) as metered_quantity,
        device_id,
        metered_estimated_intervals,
        case
            when carrier = 'heat' and kind in ('heat', 'cold', 'pressure') and from_id <> 'outside'
                then 'waste_heat_utilisation'
            when carrier in ('solid_waste', 'organic_waste') and from_id <> 'outside'
                then 'solid_waste_utilisation'
            when carrier = 'water' and from_id <> 'outside' and to_id <> 'outside'
                then 'water_reuse'
        end as counts_for,
        case
            when carrier = 'heat' and kind in ('heat', 'cold', 'pressure') and from_id <> 'outside'
                then from_id
            when carrier in ('solid_waste', 'organic_waste') and from_id <> 'outside'
                then from_id
            when carrier = 'water' and from_id <> 'outside' and to_id <> 'outside' then to_id
        end as counted_enterprise_id
    from combined
)

select * from final
