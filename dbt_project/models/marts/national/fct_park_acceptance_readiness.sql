-- Acceptance readiness (国家级零碳园区验收): the six indicators of 910号 附件3 for the calendar
-- year to date at the end of every month with data, each with its value, target, light, and
-- what would close the gap, in quantities and money.
-- Grain: through_month × indicator_key (the year of through_month, January to through_month).
--   core_indicator      the national calculation (fct_park_national_periods, ytd). The gap is
--                       the tCO2 above limit × energy; zeroing non-green grid power closes it
--                       at the fossil factor: MWh = excess tCO2 / fossil kgCO2 per kWh. The
--                       energy denominator does not change (green power is consumed all the same).
--   clean_energy_share  the same periods; the gap is the clean tce short of target × energy;
--                       non-green grid power made green closes it at 等价值:
--                       MWh = short tce / kgce per kWh.
--   solid waste, waste heat, water reuse: sums of the months' numerators and denominators
--                       (fct_guiding_indicators); the gap is target × denominator − numerator
--                       (t more utilised, GJ more recovered, m³ reused instead of drawn fresh).
--   unit_product_energy each enterprise product's year-to-date energy over its output against
--                       grade 2; the gap is the tce the missing products would have to save.
-- Year-end figures are at the pace so far: the year-to-date quantity scaled by the year's
-- quarter-hours over those measured (meter-based indicators) or by 12 over the months reported
-- (inbox-based ones). PV is sized from the site's modelled yield (stg_reference__pv_site_yield)
-- over the measured part of the year, and over the whole year for the year-end figure.
-- Certificates are priced at the market default (seed market_defaults, gec_price).

with national_ytd as (
    select * from {{ ref('fct_park_national_periods') }}
    where period_kind = 'ytd'
),

national_monthly as (
    select * from {{ ref('fct_park_national_monthly') }}
),

guiding_monthly as (
    select * from {{ ref('fct_guiding_indicators') }}
    where period_kind = 'month'
),

product_monthly as (
    select * from {{ ref('fct_guiding_unit_product_energy') }}
    where period_kind = 'month'
),

pv_yield as (
    select * from {{ ref('stg_reference__pv_site_yield') }}
),

park as (
    select * from {{ ref('stg_reference__park') }}
),

factors as (
    select * from {{ ref('int_national_factors_selected') }}
),

certificate_price as (
    select cast(value as double) as cny_per_mwh, source
    from {{ ref('market_defaults') }}
    where item = 'gec_price'
),

targets as (
    {{ guiding_targets() }}
),

not_applicable as (
    select indicator as indicator_key, reason
    from {{ source('reference_guiding', 'guiding_not_applicable') }}
),

-- every month any indicator has data for
spine as (
    select month as through_month from national_monthly
    union
    select period_start from guiding_monthly
),

-- the year's quarter-hours on the park's clock, for the pace of meter-based figures
year_quarter_hours as (
    select
        spine.through_month,
        cast(round((epoch(timezone(park.timezone, cast(date_trunc('year', spine.through_month)
                                                         + interval 1 year as timestamp)))
                    - epoch(timezone(park.timezone, cast(date_trunc('year', spine.through_month)
                                                          as timestamp)))) / 900)
             as integer) as quarter_hours
    from spine
    cross join park
),

-- the latest national year-to-date at or before each month of the spine, in its year
national as (
    select spine.through_month, national_ytd.*
    from spine
    left join national_ytd
        on year(national_ytd.period_end_month) = year(spine.through_month)
        and national_ytd.period_end_month <= spine.through_month
    qualify row_number() over (partition by spine.through_month
                               order by national_ytd.period_end_month desc nulls last) = 1
),

-- kWh per kWp over the measured part of the year so far, and over the whole year
pv_yield_measured as (
    select
        spine.through_month,
        sum(pv_yield.kwh_per_kwp * national_monthly.measured_quarter_hours
            / national_monthly.expected_quarter_hours) as kwh_per_kwp
    from spine
    inner join national_monthly
        on year(national_monthly.month) = year(spine.through_month)
        and national_monthly.month <= spine.through_month
    inner join pv_yield on month(national_monthly.month) = pv_yield.month_of_year
    group by spine.through_month
),

pv_yield_year as (
    select sum(kwh_per_kwp) as kwh_per_kwp from pv_yield
),

national_gaps as (
    select
        national.through_month,
        national.period_end_month as data_through_month,
        national.coverage_pct,
        national.indicator_tco2_per_tce,
        national.limit_tco2_per_tce,
        national.limit_set_nationally,
        national.limit_source,
        national.clean_energy_share_pct,
        national.direct_green_share_pct,
        national.direct_green_kwh,
        national.electricity_consumed_kwh,
        national.non_green_grid_kwh,
        year_quarter_hours.quarter_hours / nullif(national.measured_quarter_hours, 0)
            as year_end_scale,
        -- tCO2 above the limit; tce of clean energy short of the target
        greatest(national.emissions_tco2 - national.limit_tco2_per_tce * national.energy_tce, 0)
            as excess_tco2,
        greatest((select target_pct from targets where indicator_key = 'clean_energy_share')
                 / 100.0 * national.energy_tce - national.clean_energy_tce, 0) as clean_short_tce,
        pv_yield_measured.kwh_per_kwp as pv_kwh_per_kwp_measured
    from national
    inner join year_quarter_hours on national.through_month = year_quarter_hours.through_month
    left join pv_yield_measured on national.through_month = pv_yield_measured.through_month
),

-- MWh of green power that would close each meter-based gap
national_closing as (
    select
        national_gaps.*,
        excess_tco2 / factors.fossil_kgco2_per_kwh as core_close_mwh,
        clean_short_tce / factors.electricity_kgce_per_kwh as clean_close_mwh
    from national_gaps
    cross join factors
),

core_rows as (
    select
        through_month,
        'core_indicator' as indicator_key,
        'national_910' as calculation,
        indicator_tco2_per_tce as value,
        'tCO2/tce' as unit,
        limit_tco2_per_tce as target,
        '<=' as target_op,
        '≤ ' || limit_tco2_per_tce || ' tCO2/tce' as target_text,
        limit_source as target_source,
        limit_set_nationally,
        cast(null as varchar) as not_applicable_reason,
        data_through_month,
        coverage_pct,
        cast(null as integer) as enterprises_reporting,
        case when indicator_tco2_per_tce is not null
            then greatest(indicator_tco2_per_tce - limit_tco2_per_tce, 0) end as gap,
        core_close_mwh as close_quantity,
        core_close_mwh * year_end_scale as close_quantity_year_end,
        'MWh' as close_unit,
        core_close_mwh * 1000.0 <= non_green_grid_kwh as closable_by_certificates,
        core_close_mwh * 1000.0 / nullif(pv_kwh_per_kwp_measured, 0) as close_pv_kwp,
        core_close_mwh * year_end_scale * 1000.0 / nullif((select kwh_per_kwp from pv_yield_year), 0)
            as close_pv_kwp_year_end,
        direct_green_share_pct,
        round(100.0 * (direct_green_kwh + core_close_mwh * 1000.0)
              / nullif(electricity_consumed_kwh, 0), 6) as direct_green_share_if_closed_pct
    from national_closing
),

clean_rows as (
    select
        through_month,
        'clean_energy_share',
        'national_910',
        clean_energy_share_pct,
        '%',
        (select target_pct from targets where indicator_key = 'clean_energy_share'),
        '>=',
        (select '≥ ' || target_text || ' %' from targets
         where indicator_key = 'clean_energy_share'),
        (select target_source from targets where indicator_key = 'clean_energy_share'),
        cast(null as boolean),
        (select reason from not_applicable where indicator_key = 'clean_energy_share'),
        data_through_month,
        coverage_pct,
        cast(null as integer),
        case when clean_energy_share_pct is not null
            then greatest((select target_pct from targets
                           where indicator_key = 'clean_energy_share')
                          - clean_energy_share_pct, 0) end,
        clean_close_mwh,
        clean_close_mwh * year_end_scale,
        'MWh',
        clean_close_mwh * 1000.0 <= non_green_grid_kwh,
        clean_close_mwh * 1000.0 / nullif(pv_kwh_per_kwp_measured, 0),
        clean_close_mwh * year_end_scale * 1000.0
            / nullif((select kwh_per_kwp from pv_yield_year), 0),
        cast(null as double),
        cast(null as double)
    from national_closing
),

-- the three resource indicators: year-to-date sums of the months' numerators and denominators
resource_ytd as (
    select
        spine.through_month,
        guiding_monthly.indicator_key,
        sum(guiding_monthly.numerator) as numerator,
        sum(guiding_monthly.denominator) as denominator,
        count(distinct guiding_monthly.period_start)
            filter (where guiding_monthly.denominator is not null) as months_reported,
        max(guiding_monthly.period_start)
            filter (where guiding_monthly.denominator is not null) as data_through_month,
        max(guiding_monthly.enterprises_reporting) as enterprises_reporting
    from spine
    inner join guiding_monthly
        on year(guiding_monthly.period_start) = year(spine.through_month)
        and guiding_monthly.period_start <= spine.through_month
    where guiding_monthly.indicator_key <> 'unit_product_energy'
    group by spine.through_month, guiding_monthly.indicator_key
),

resource_rows as (
    select
        resource_ytd.through_month,
        resource_ytd.indicator_key,
        'guiding_inbox',
        100.0 * numerator / nullif(denominator, 0) as value,
        '%',
        targets.target_pct,
        '>=',
        '≥ ' || targets.target_text || ' %',
        targets.target_source,
        cast(null as boolean),
        not_applicable.reason,
        resource_ytd.data_through_month,
        cast(null as double),
        cast(resource_ytd.enterprises_reporting as integer),
        case when denominator > 0
            then greatest(targets.target_pct - 100.0 * numerator / denominator, 0) end,
        case when denominator > 0
            then greatest(targets.target_pct / 100.0 * denominator - numerator, 0) end
            as close_quantity,
        case when denominator > 0
            then greatest(targets.target_pct / 100.0 * denominator - numerator, 0) * 12.0
                / months_reported end,
        case resource_ytd.indicator_key
            when 'solid_waste_utilisation' then 't'
            when 'waste_heat_utilisation' then 'GJ'
            else 'm3'
        end,
        cast(null as boolean),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        cast(null as double)
    from resource_ytd
    left join targets on resource_ytd.indicator_key = targets.indicator_key
    left join not_applicable on resource_ytd.indicator_key = not_applicable.indicator_key
),

-- unit product energy: each enterprise product over the year so far against its grade 2
product_ytd as (
    select
        spine.through_month,
        product_monthly.enterprise_id,
        product_monthly.product_code,
        product_monthly.output_unit,
        any_value(product_monthly.limit_output_unit) as limit_output_unit,
        any_value(product_monthly.grade2_limit_kgce_per_unit) as grade2_limit_kgce_per_unit,
        sum(product_monthly.output_quantity) as output_quantity,
        sum(product_monthly.product_energy_tce) as product_energy_tce,
        count(distinct product_monthly.period_start) as months_reported,
        max(product_monthly.period_start) as data_through_month
    from spine
    inner join product_monthly
        on year(product_monthly.period_start) = year(spine.through_month)
        and product_monthly.period_start <= spine.through_month
    group by all
),

product_judged as (
    select
        product_ytd.*,
        grade2_limit_kgce_per_unit is not null
            and limit_output_unit = output_unit as is_assessed,
        -- tce the product line would have had to save to be at grade 2
        greatest(product_energy_tce - grade2_limit_kgce_per_unit * output_quantity / 1000.0, 0)
            as excess_tce
    from product_ytd
),

product_rows as (
    select
        through_month,
        'unit_product_energy',
        'guiding_inbox',
        100.0 * count(*) filter (where is_assessed and excess_tce = 0)
            / nullif(count(*) filter (where is_assessed), 0) as value,
        '%',
        100.0,
        '>=',
        any_value(targets.target_text),
        any_value(targets.target_source),
        cast(null as boolean),
        any_value(not_applicable.reason),
        max(data_through_month),
        cast(null as double),
        cast(count(distinct enterprise_id) as integer),
        100.0 - 100.0 * count(*) filter (where is_assessed and excess_tce = 0)
            / nullif(count(*) filter (where is_assessed), 0),
        case when count(*) filter (where is_assessed) > 0
            then sum(excess_tce) filter (where is_assessed) end,
        case when count(*) filter (where is_assessed) > 0
            then sum(excess_tce * 12.0 / months_reported) filter (where is_assessed) end,
        'tce',
        cast(null as boolean),
        cast(null as double),
        cast(null as double),
        cast(null as double),
        cast(null as double)
    from product_judged
    left join targets on targets.indicator_key = 'unit_product_energy'
    left join not_applicable on not_applicable.indicator_key = 'unit_product_energy'
    group by through_month
),

all_rows as (
    select * from core_rows
    union all
    select * from clean_rows
    union all
    select * from resource_rows
    union all
    select * from product_rows
),

indicators as (
    select * from (values
        (1, 'core_indicator', '单位能耗碳排放', 'CO2 per unit of energy consumed'),
        (2, 'clean_energy_share', '清洁能源消费占比', 'clean-energy share of consumption'),
        (3, 'unit_product_energy', '园区企业产出产品单位能耗', 'unit product energy'),
        (4, 'solid_waste_utilisation', '工业固体废物综合利用率',
         'industrial solid-waste utilisation'),
        (5, 'waste_heat_utilisation', '余热/余冷/余压综合利用率',
         'waste heat/cold/pressure utilisation'),
        (6, 'water_reuse', '工业用水重复利用率', 'industrial water reuse')
    ) as names (sort_order, indicator_key, indicator_name_zh, indicator_name_en)
),

-- every indicator at every month: an indicator without data is not_measured
grid as (
    select spine.through_month, indicators.*
    from spine
    cross join indicators
),

products_without_limit as (
    select through_month, count(*) filter (where not is_assessed) as products_not_assessed
    from product_judged
    group by through_month
),

final as (
    select
        park.park_id,
        year(grid.through_month) as year,
        grid.through_month,
        12 - month(grid.through_month) as months_left,
        grid.indicator_key,
        grid.sort_order,
        grid.indicator_key = 'core_indicator' as is_core,
        grid.indicator_name_zh,
        grid.indicator_name_en,
        coalesce(all_rows.calculation,
                 case when grid.indicator_key in ('core_indicator', 'clean_energy_share')
                     then 'national_910' else 'guiding_inbox' end) as calculation,
        round(all_rows.value, 6) as value,
        coalesce(all_rows.unit,
                 case when grid.indicator_key = 'core_indicator' then 'tCO2/tce' else '%' end)
            as unit,
        all_rows.target,
        all_rows.target_op,
        all_rows.target_text,
        all_rows.target_source,
        all_rows.limit_set_nationally,
        case
            when coalesce(all_rows.not_applicable_reason, not_applicable.reason) is not null
                then 'not_applicable: '
                    || coalesce(all_rows.not_applicable_reason, not_applicable.reason)
            when grid.indicator_key = 'unit_product_energy' and all_rows.value is null
                and coalesce(products_without_limit.products_not_assessed, 0) > 0
                then 'not_assessed: no sourced grade-2 limit for '
                    || products_without_limit.products_not_assessed || ' products'
            when all_rows.value is null then 'not_measured'
            when all_rows.target_op = '<=' and all_rows.value <= all_rows.target then 'meets'
            when all_rows.target_op = '>=' and all_rows.value >= all_rows.target then 'meets'
            else 'misses'
        end as status,
        all_rows.data_through_month,
        all_rows.coverage_pct,
        all_rows.enterprises_reporting,
        round(all_rows.gap, 6) as gap,
        round(all_rows.close_quantity, 6) as close_quantity,
        round(all_rows.close_quantity_year_end, 6) as close_quantity_year_end,
        all_rows.close_unit,
        case grid.indicator_key
            when 'core_indicator'
                then 'retire green certificates or buy green power (zeroes non-green grid power)'
            when 'clean_energy_share'
                then 'retire green certificates or buy green power (makes grid power clean)'
            when 'unit_product_energy' then 'save product energy on the lines above grade 2'
            when 'solid_waste_utilisation' then 'utilise more of the solid waste generated'
            when 'waste_heat_utilisation' then 'recover more of the recoverable waste heat'
            when 'water_reuse' then 'reuse water instead of drawing fresh water'
        end as close_action_en,
        case grid.indicator_key
            when 'core_indicator' then '购买绿证或绿电交易电量（抵扣非绿电网电量）'
            when 'clean_energy_share' then '购买绿证或绿电交易电量（使电网电量计为清洁能源）'
            when 'unit_product_energy' then '超二级限额的产品线节约能耗'
            when 'solid_waste_utilisation' then '提高固体废物综合利用量'
            when 'waste_heat_utilisation' then '提高余热余冷余压回收利用量'
            when 'water_reuse' then '以重复利用水替代新鲜取水'
        end as close_action_zh,
        round(case when all_rows.close_unit = 'MWh'
                   then all_rows.close_quantity * certificate_price.cny_per_mwh end, 2)
            as close_cost_cny,
        round(case when all_rows.close_unit = 'MWh'
                   then all_rows.close_quantity_year_end * certificate_price.cny_per_mwh end, 2)
            as close_cost_year_end_cny,
        certificate_price.source as certificate_price_source,
        all_rows.closable_by_certificates,
        round(all_rows.close_pv_kwp, 3) as close_pv_kwp,
        round(all_rows.close_pv_kwp_year_end, 3) as close_pv_kwp_year_end,
        all_rows.direct_green_share_pct,
        all_rows.direct_green_share_if_closed_pct
    from grid
    cross join park
    cross join certificate_price
    left join all_rows
        on grid.through_month = all_rows.through_month
        and grid.indicator_key = all_rows.indicator_key
    left join not_applicable on grid.indicator_key = not_applicable.indicator_key
    left join products_without_limit on grid.through_month = products_without_limit.through_month
)

select * from final
