-- The league table: each park's year to date on the national indicators, ranked within the
-- same period end (1 = best; ties share a rank; a park without the figure is not ranked).
with periods as (
    select * from {{ ref('stg_parks__park_national_periods') }}
),

year_to_date as (
    select * from periods where period_kind = 'ytd'
),

final as (
    select
        period_end_month,
        park_id,
        months_with_data,
        emissions_tco2,
        energy_tce,
        indicator_tco2_per_tce,
        clean_energy_share_pct,
        direct_green_share_pct,
        coverage_pct,
        limit_tco2_per_tce,
        meets_limit,
        case when indicator_tco2_per_tce is not null then rank() over (
            partition by period_end_month, indicator_tco2_per_tce is null
            order by indicator_tco2_per_tce asc) end as indicator_rank,
        case when clean_energy_share_pct is not null then rank() over (
            partition by period_end_month, clean_energy_share_pct is null
            order by clean_energy_share_pct desc) end as clean_energy_share_rank,
        case when direct_green_share_pct is not null then rank() over (
            partition by period_end_month, direct_green_share_pct is null
            order by direct_green_share_pct desc) end as direct_green_share_rank,
        count(*) over (partition by period_end_month) as parks_in_period
    from year_to_date
)

select * from final
