-- Industrial water per enterprise and month: the inbox declarations, with each quantity
-- replaced by the water meters' totalisers where the park has meters on that pipe
-- (config guiding_indicators.water_meters: fresh_intake or reused). Measured beats declared,
-- quantity by quantity; a quantity neither measured nor declared counts as 0.
-- Couplings (fct_coupling_flows, counts_for water_reuse) add the water the enterprise received
-- from another enterprise to its reused water: the declaration and the reused-water meters
-- state the reuse other than through couplings (a coupling's meter may not be a guiding water
-- meter: config check), so each m3 counts once.
with meters as (
    select device_id, measures from {{ source('reference_guiding', 'guiding_water_meters') }}
),

park as (
    select timezone from {{ ref('stg_reference__park') }}
),

metered as (
    select
        devices.enterprise_id,
        cast(date_trunc('month', timezone(park.timezone, intervals.interval_start_utc)) as date)
            as month,
        sum(intervals.increase) filter (where meters.measures = 'fresh_intake')
            as metered_fresh_intake_m3,
        sum(intervals.increase) filter (where meters.measures = 'reused') as metered_reused_m3,
        count(*) filter (where intervals.interval_quality = 'estimated')
            as metered_estimated_intervals
    from {{ ref('int_counter_intervals_interpolated') }} as intervals
    inner join meters on intervals.device_id = meters.device_id
    inner join {{ ref('stg_reference__devices') }} as devices
        on intervals.device_id = devices.device_id
    cross join park
    where intervals.point = 'volume_total_m3'
    group by all
),

declared as (
    select enterprise_id, month, fresh_intake_m3, reused_m3 from {{ ref('stg_inbox__water') }}
),

coupled as (
    select counted_enterprise_id as enterprise_id, month, sum(quantity) as coupled_reused_m3
    from {{ ref('fct_coupling_flows') }}
    where counts_for = 'water_reuse'
    group by all
),

declared_and_metered as (
    select
        coalesce(declared.enterprise_id, metered.enterprise_id) as enterprise_id,
        coalesce(declared.month, metered.month) as month,
        declared.fresh_intake_m3 as declared_fresh_intake_m3,
        declared.reused_m3 as declared_reused_m3,
        metered.metered_fresh_intake_m3,
        metered.metered_reused_m3,
        coalesce(metered.metered_estimated_intervals, 0) as metered_estimated_intervals,
        coalesce(metered.metered_fresh_intake_m3, declared.fresh_intake_m3, 0) as fresh_intake_m3,
        coalesce(metered.metered_reused_m3, declared.reused_m3, 0) as reused_m3
    from declared
    full outer join metered
        on declared.enterprise_id = metered.enterprise_id and declared.month = metered.month
),

final as (
    select
        coalesce(declared_and_metered.enterprise_id, coupled.enterprise_id) as enterprise_id,
        coalesce(declared_and_metered.month, coupled.month) as month,
        declared_and_metered.declared_fresh_intake_m3,
        declared_and_metered.declared_reused_m3,
        declared_and_metered.metered_fresh_intake_m3,
        declared_and_metered.metered_reused_m3,
        coalesce(declared_and_metered.metered_estimated_intervals, 0)
            as metered_estimated_intervals,
        coupled.coupled_reused_m3,
        coalesce(declared_and_metered.fresh_intake_m3, 0) as fresh_intake_m3,
        coalesce(declared_and_metered.reused_m3, 0) + coalesce(coupled.coupled_reused_m3, 0)
            as reused_m3
    from declared_and_metered
    full outer join coupled
        on declared_and_metered.enterprise_id = coupled.enterprise_id
        and declared_and_metered.month = coupled.month
)

select * from final
