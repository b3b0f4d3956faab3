-- Each consumer's carbon account (碳账户) per local calendar month: the month's and the
-- compliance year's emissions to date by scope and method, the allowances it holds for the
-- year (allocated + bought - sold, from the inbox), and the surplus or deficit, both to date
-- and projected to the year end at the year's pace so far.
-- Emissions counted against allowances: Scope 1 + Scope 2 by var allowance_scope2_method
-- (default location: Chinese ETS accounting prices indirect emissions at the grid average
-- factor, without deducting green-power purchases).

with carbon as (
    select * from {{ ref('fct_enterprise_monthly_carbon') }}
),

allowances as (
    select
        enterprise_id,
        compliance_year,
        allowances_allocated_tco2,
        allowances_purchased_tco2,
        allowances_sold_tco2,
        allowances_allocated_tco2 + allowances_purchased_tco2 - allowances_sold_tco2
            as allowances_held_tco2
    from {{ ref('stg_inbox__allowances') }}
),

monthly as (
    select
        entity_id,
        entity_kind,
        month,
        year(month) as compliance_year,
        dayofyear(make_date(year(month), 12, 31)) as days_in_year,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        scope1_tco2 + scope2_{{ var("allowance_scope2_method") }}_tco2 as accounted_tco2
    from carbon
),

year_to_date as (
    select
        monthly.*,
        sum(scope1_tco2) over ytd as ytd_scope1_tco2,
        sum(scope2_location_tco2) over ytd as ytd_scope2_location_tco2,
        sum(scope2_market_tco2) over ytd as ytd_scope2_market_tco2,
        sum(accounted_tco2) over ytd as ytd_accounted_tco2,
        -- the year's pace: the share of the year's days that the months to date cover
        sum(day(last_day(month))) over ytd as ytd_days
    from monthly
    window ytd as (partition by entity_id, compliance_year order by month
                   rows between unbounded preceding and current row)
),

projected as (
    select
        *,
        ytd_accounted_tco2 * days_in_year / ytd_days as projected_year_tco2
    from year_to_date
),

final as (
    select
        projected.entity_id,
        projected.entity_kind,
        projected.month,
        projected.compliance_year,
        round(projected.scope1_tco2, 6) as scope1_tco2,
        round(projected.scope2_location_tco2, 6) as scope2_location_tco2,
        round(projected.scope2_market_tco2, 6) as scope2_market_tco2,
        round(projected.accounted_tco2, 6) as accounted_tco2,
        round(projected.ytd_scope1_tco2, 6) as ytd_scope1_tco2,
        round(projected.ytd_scope2_location_tco2, 6) as ytd_scope2_location_tco2,
        round(projected.ytd_scope2_market_tco2, 6) as ytd_scope2_market_tco2,
        round(projected.ytd_accounted_tco2, 6) as ytd_accounted_tco2,
        round(projected.projected_year_tco2, 6) as projected_year_tco2,
        allowances.allowances_allocated_tco2,
        allowances.allowances_purchased_tco2,
        allowances.allowances_sold_tco2,
        allowances.allowances_held_tco2,
        round(allowances.allowances_held_tco2 - projected.ytd_accounted_tco2, 6)
            as surplus_to_date_tco2,
        round(allowances.allowances_held_tco2 - projected.projected_year_tco2, 6)
            as projected_year_end_surplus_tco2,
        case
            when allowances.allowances_held_tco2 is null then 'no_allowances'
            when allowances.allowances_held_tco2 < projected.ytd_accounted_tco2 then 'deficit'
            when allowances.allowances_held_tco2 < projected.projected_year_tco2
                then 'deficit_projected'
            else 'surplus'
        end as account_status,
        '{{ var("allowance_scope2_method") }}' as allowance_scope2_method
    from projected
    left join allowances
        on projected.entity_id = allowances.enterprise_id
        and projected.compliance_year = allowances.compliance_year
)

select * from final
