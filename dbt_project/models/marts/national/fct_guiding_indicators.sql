-- Four of the five national guiding indicators (指引性指标, 910号 附件3) of the park, per month
-- and per calendar year so far (period_kind 'year': January to through_month), each with its
-- target from the seed zero_carbon_park_indicators and its light (status):
--   solid_waste_utilisation = Σ utilised / (Σ generated + Σ utilised from earlier years' stock)
--   water_reuse             = Σ reused / (Σ reused + Σ fresh intake)
--   waste_heat_utilisation  = Σ recovered / Σ recoverable over heat, cold and pressure (GJ): the
--                             three rates weighted by their recoverable GJ
--   unit_product_energy     = share of assessed enterprise products at or better than grade 2;
--                             meets only when every assessed product does
-- The clean-energy share rests on the national energy calculation and is not in this model.
-- Periods are those with any guiding report; an indicator without data in one is not_measured.
-- enterprises_reporting counts the enterprises with a report for the indicator in the period.
-- The circular couplings (fct_coupling_flows) reach the three resource rates through
-- fct_guiding_solid_waste, fct_guiding_water and fct_guiding_waste_heat_by_kind, once each.
with resource_rows as (
    select 'solid_waste_utilisation' as indicator_key, month, enterprise_id,
           utilised_t as numerator, generated_t + utilised_from_stock_t as denominator
    from {{ ref('fct_guiding_solid_waste') }}
    union all
    select 'water_reuse', month, enterprise_id, reused_m3, reused_m3 + fresh_intake_m3
    from {{ ref('fct_guiding_water') }}
    union all
    select 'waste_heat_utilisation', month, enterprise_id, recovered_gj, recoverable_gj
    from {{ ref('fct_guiding_waste_heat_by_kind') }}
),

-- one row per enterprise product and period: 1 of 1 when it meets, 0 of 1 when it misses,
-- 0 of 0 when it is not assessed (counted apart)
product_rows as (
    select 'unit_product_energy' as indicator_key, period_kind, period_start, through_month,
           enterprise_id,
           case when status = 'meets' then 1.0 else 0.0 end as numerator,
           case when status in ('meets', 'misses') then 1.0 else 0.0 end as denominator,
           case when status like 'not_assessed%' then 1 else 0 end as not_assessed
    from {{ ref('fct_guiding_unit_product_energy') }}
),

period_rows as (
    select indicator_key, 'month' as period_kind, month as period_start, month as through_month,
           enterprise_id, numerator, denominator, 0 as not_assessed
    from resource_rows
    union all
    select indicator_key, 'year', cast(date_trunc('year', month) as date), month,
           enterprise_id, numerator, denominator, 0
    from resource_rows
    union all
    select indicator_key, period_kind, period_start, through_month, enterprise_id, numerator,
           denominator, not_assessed
    from product_rows
),

measured as (
    select indicator_key, period_kind, period_start, max(through_month) as through_month,
           sum(numerator) as numerator, sum(denominator) as denominator,
           count(distinct enterprise_id) as enterprises_reporting,
           sum(not_assessed) as products_not_assessed
    from period_rows
    group by indicator_key, period_kind, period_start
),

-- every indicator in every period any guiding report covers: one without data is not_measured
spine as (
    select period_kind, period_start, max(through_month) as through_month
    from measured
    group by period_kind, period_start
),

indicators as (
    select * from (values ('solid_waste_utilisation', 't'), ('water_reuse', 'm3'),
                          ('waste_heat_utilisation', 'GJ'), ('unit_product_energy', 'products'))
        as keys (indicator_key, unit)
),

periods as (
    select
        indicators.indicator_key,
        indicators.unit,
        spine.period_kind,
        spine.period_start,
        spine.through_month,
        measured.numerator,
        measured.denominator,
        coalesce(measured.enterprises_reporting, 0) as enterprises_reporting,
        coalesce(measured.products_not_assessed, 0) as products_not_assessed
    from indicators
    cross join spine
    left join measured
        on indicators.indicator_key = measured.indicator_key
        and spine.period_kind = measured.period_kind
        and spine.period_start = measured.period_start
),

targets as (
    {{ guiding_targets() }}
),

not_applicable as (
    select indicator as indicator_key, reason
    from {{ source('reference_guiding', 'guiding_not_applicable') }}
),

park as (
    select park_id from {{ ref('stg_reference__park') }}
),

scored as (
    select
        periods.*,
        case when periods.denominator > 0
            then 100.0 * periods.numerator / periods.denominator end as value_pct,
        targets.indicator_name,
        targets.target_op,
        targets.target_text,
        case when periods.indicator_key = 'unit_product_energy' then 100.0
            else targets.target_pct end as target_pct,
        targets.target_source,
        not_applicable.reason as not_applicable_reason
    from periods
    left join targets on periods.indicator_key = targets.indicator_key
    left join not_applicable on periods.indicator_key = not_applicable.indicator_key
),

final as (
    select
        park.park_id,
        scored.indicator_key,
        scored.indicator_name,
        scored.period_kind,
        scored.period_start,
        scored.through_month,
        scored.numerator,
        scored.denominator,
        scored.unit,
        scored.value_pct,
        scored.target_op,
        scored.target_text,
        scored.target_pct,
        case
            when scored.not_applicable_reason is null
                and scored.indicator_key = 'unit_product_energy'
                and coalesce(scored.denominator, 0) = 0
                and scored.products_not_assessed > 0
                then 'not_assessed: no sourced grade-2 limit for '
                    || scored.products_not_assessed || ' product rows'
            else {{ guiding_status('scored.value_pct', 'scored.target_pct',
                                   'scored.not_applicable_reason') }}
        end as status,
        scored.enterprises_reporting,
        scored.products_not_assessed,
        scored.target_source
    from scored
    cross join park
)

select * from final
