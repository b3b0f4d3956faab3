-- Unit product energy (单位产品能耗) per enterprise, product and period (month, and the
-- calendar year so far) against the grade-2 (二级) limit of the product's national
-- energy-consumption-limit standard. The limit comes from the park's config when it gives one
-- (guiding_indicators.product_energy_limits), else from the sourced seed; a product with
-- neither is not assessed, never given a guessed limit.
with output as (
    select * from {{ ref('stg_inbox__product_output') }}
),

limits as (
    select product_code, product_name_zh, product_name_en, standard, grade2_limit_kgce_per_unit,
           output_unit as limit_output_unit, source as limit_source, 'park_config' as limit_origin
    from {{ source('reference_guiding', 'guiding_product_limits') }}
    union all
    select product_code, product_name_zh, product_name_en, standard, grade2_limit_kgce_per_unit,
           output_unit, source, 'national_seed'
    from {{ ref('product_energy_limits') }}
    where product_code not in (
        select product_code from {{ source('reference_guiding', 'guiding_product_limits') }})
),

not_applicable as (
    select reason from {{ source('reference_guiding', 'guiding_not_applicable') }}
    where indicator = 'unit_product_energy'
),

periods as (
    select 'month' as period_kind, month as period_start, month as through_month,
           enterprise_id, product_code, output_unit,
           sum(output_quantity) as output_quantity, sum(product_energy_tce) as product_energy_tce
    from output
    group by all
    union all
    select 'year', cast(date_trunc('year', month) as date), max(month),
           enterprise_id, product_code, output_unit,
           sum(output_quantity), sum(product_energy_tce)
    from output
    group by cast(date_trunc('year', month) as date), enterprise_id, product_code, output_unit
),

final as (
    select
        periods.period_kind,
        periods.period_start,
        periods.through_month,
        periods.enterprise_id,
        periods.product_code,
        limits.product_name_zh,
        limits.product_name_en,
        periods.output_quantity,
        periods.output_unit,
        periods.product_energy_tce,
        periods.product_energy_tce * 1000 / periods.output_quantity as kgce_per_unit,
        limits.grade2_limit_kgce_per_unit,
        limits.limit_output_unit,
        limits.standard,
        limits.limit_source,
        limits.limit_origin,
        case
            when (select reason from not_applicable) is not null
                then 'not_applicable: ' || (select reason from not_applicable)
            when limits.product_code is null then 'not_assessed: no sourced limit'
            when limits.limit_output_unit <> periods.output_unit
                then 'not_assessed: output in ' || periods.output_unit || ', the limit is per '
                    || limits.limit_output_unit
            when periods.product_energy_tce * 1000 / periods.output_quantity
                <= limits.grade2_limit_kgce_per_unit then 'meets'
            else 'misses'
        end as status
    from periods
    left join limits on periods.product_code = limits.product_code
)

select * from final
