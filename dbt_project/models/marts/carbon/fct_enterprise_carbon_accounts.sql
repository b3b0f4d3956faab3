-- Each consumer's carbon account (碳账户) per local calendar month: the month's and the
-- compliance year's emissions to date by scope and method, the allowances it holds for the
-- year (allocated + bought - sold, from the inbox), and the surplus or deficit, both to date
-- and projected to the year end at the pace of the days measured so far.
-- Emissions counted against allowances: Scope 1 + the Scope 2 electricity of var
-- allowance_scope2_method (default location: all grid electricity, as Chinese ETS accounting
-- counts it, without deducting green-power purchases) priced at the allowance factor
-- (int_accounting_factors_selected: by default the ETS reporting factor the allowances were
-- allocated with, not the location-based average of the Scope 2 columns).
-- Projection: a month with a few hours of data must not count as a whole month, so the year
-- to date is measured in quarter-hours with data (the consumer's intervals, each holding
-- energy in the totals): measured days = quarter-hours / 96, projected year = emissions to
-- date / measured days x days in the year.
-- The park's coupling incentive (fct_coupling_incentives: allowance reward and subsidy for what
-- the enterprise recovered through couplings, config couplings.incentives) is a line of its
-- own, month and year to date: a park reward is not an ETS allowance, so it stays out of
-- allowances_held_tco2 and the surplus.

{% set allowance_method = var("allowance_scope2_method") %}
{% if allowance_method not in ('location', 'market') %}
    {{ exceptions.raise_compiler_error("unknown allowance_scope2_method '" ~ allowance_method
       ~ "': supported: location, market") }}
{% endif %}

with carbon as (
    -- consumers only: the park's losses line holds no allowances and is no one's account
    select * from {{ ref('fct_enterprise_monthly_carbon') }}
    where entity_kind <> 'losses_unallocated'
),

factors as (
    select allowance_kgco2_per_kwh, allowance_factor_source
    from {{ ref('int_accounting_factors_selected') }}
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

incentives as (
    select enterprise_id, month, sum(reward_tco2) as reward_tco2,
           sum(subsidy_cny) as subsidy_cny
    from {{ ref('fct_coupling_incentives') }}
    group by all
),

monthly as (
    select
        entity_id,
        entity_kind,
        month,
        year(month) as compliance_year,
        dayofyear(make_date(year(month), 12, 31)) as days_in_year,
        intervals,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        {% if allowance_method == 'location' %}
        grid_electricity_kwh
        {% else %}
        -- as market-based Scope 2: green power and retired certificates deducted
        greatest(grid_electricity_kwh
                 - 1000.0 * (green_power_mwh + certificates_retired_mwh), 0)
        {% endif %}
            / 1000.0 * factors.allowance_kgco2_per_kwh as allowance_scope2_tco2
    from carbon
    cross join factors
),

accounted as (
    select *, scope1_tco2 + allowance_scope2_tco2 as accounted_tco2
    from monthly
),

year_to_date as (
    select
        accounted.*,
        sum(scope1_tco2) over ytd as ytd_scope1_tco2,
        sum(scope2_location_tco2) over ytd as ytd_scope2_location_tco2,
        sum(scope2_market_tco2) over ytd as ytd_scope2_market_tco2,
        sum(allowance_scope2_tco2) over ytd as ytd_allowance_scope2_tco2,
        sum(accounted_tco2) over ytd as ytd_accounted_tco2,
        sum(intervals) over ytd as ytd_quarter_hours
    from accounted
    window ytd as (partition by entity_id, compliance_year order by month
                   rows between unbounded preceding and current row)
),

projected as (
    select
        *,
        ytd_quarter_hours / 96.0 as ytd_measured_days,
        ytd_accounted_tco2 * days_in_year / (ytd_quarter_hours / 96.0) as projected_year_tco2
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
        round(projected.allowance_scope2_tco2, 6) as allowance_scope2_tco2,
        round(projected.accounted_tco2, 6) as accounted_tco2,
        round(projected.ytd_scope1_tco2, 6) as ytd_scope1_tco2,
        round(projected.ytd_scope2_location_tco2, 6) as ytd_scope2_location_tco2,
        round(projected.ytd_scope2_market_tco2, 6) as ytd_scope2_market_tco2,
        round(projected.ytd_allowance_scope2_tco2, 6) as ytd_allowance_scope2_tco2,
        round(projected.ytd_accounted_tco2, 6) as ytd_accounted_tco2,
        projected.ytd_quarter_hours,
        round(projected.ytd_measured_days, 6) as ytd_measured_days,
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
        '{{ allowance_method }}' as allowance_scope2_method,
        factors.allowance_kgco2_per_kwh as allowance_factor_kgco2_per_kwh,
        factors.allowance_factor_source,
        coalesce((select sum(incentives.reward_tco2) from incentives
                  where incentives.enterprise_id = projected.entity_id
                      and incentives.month = projected.month), 0) as coupling_reward_tco2,
        coalesce((select sum(incentives.subsidy_cny) from incentives
                  where incentives.enterprise_id = projected.entity_id
                      and incentives.month = projected.month), 0) as coupling_subsidy_cny,
        coalesce((select sum(incentives.reward_tco2) from incentives
                  where incentives.enterprise_id = projected.entity_id
                      and year(incentives.month) = projected.compliance_year
                      and incentives.month <= projected.month), 0) as ytd_coupling_reward_tco2,
        coalesce((select sum(incentives.subsidy_cny) from incentives
                  where incentives.enterprise_id = projected.entity_id
                      and year(incentives.month) = projected.compliance_year
                      and incentives.month <= projected.month), 0) as ytd_coupling_subsidy_cny
    from projected
    cross join factors
    left join allowances
        on projected.entity_id = allowances.enterprise_id
        and projected.compliance_year = allowances.compliance_year
)

select * from final
