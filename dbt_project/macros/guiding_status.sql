{# The light of a guiding indicator whose target is a floor (>= target_pct): the park's
   not-applicable reason first, then not_measured where nothing was reported. #}
{% macro guiding_status(value_pct, target_pct, not_applicable_reason) %}
    case
        when {{ not_applicable_reason }} is not null
            then 'not_applicable: ' || {{ not_applicable_reason }}
        when {{ value_pct }} is null then 'not_measured'
        when {{ value_pct }} >= {{ target_pct }} then 'meets'
        else 'misses'
    end
{% endmacro %}

{# The guiding indicators of the national system (seed zero_carbon_park_indicators), keyed as
   the park config names them (jobs/common/guiding_settings.py). #}
{% macro guiding_targets() %}
    select
        case
            when indicator like '清洁能源消费占比%' then 'clean_energy_share'
            when indicator like '园区企业产出产品单位能耗%' then 'unit_product_energy'
            when indicator like '工业固体废物综合利用率%' then 'solid_waste_utilisation'
            when indicator like '余热/余冷/余压综合利用率%' then 'waste_heat_utilisation'
            when indicator like '工业用水重复利用率%' then 'water_reuse'
        end as indicator_key,
        indicator as indicator_name,
        target_op,
        target as target_text,
        try_cast(target as double) as target_pct,
        source as target_source
    from {{ ref('zero_carbon_park_indicators') }}
    where kind = 'guiding'
{% endmacro %}
