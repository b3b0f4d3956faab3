-- Each enterprise's part of the park's national-method emissions (calculation national_910),
-- per month and for the year to date at each month: its grid electricity that its own
-- green-power trading and certificates do not zero, at the national fossil factor, plus its
-- gas and its process emissions. The park's own lines (common loads and EV charging, entity
-- 'park', with the park account's instruments; 'losses_unallocated') are rows too, and one row
-- 'park_boundary' holds what only exists at the boundary (heat received and sent, exported
-- stored electricity, and the difference the park-wide cap on instruments makes), so the rows
-- of a period add up to the park's emissions in fct_park_national_monthly.
-- Direct green supply and on-site PV allocated to an enterprise are not grid electricity here,
-- as in its Scope 2 account (fct_enterprise_monthly_carbon), and count zero.

with lines as (
    select * from {{ ref('fct_enterprise_monthly_carbon') }}
),

park_monthly as (
    select * from {{ ref('fct_park_national_monthly') }}
),

factors as (
    select * from {{ ref('int_national_factors_selected') }}
),

process as (
    select enterprise_id, month, sum(output_t * factor_tco2_per_t) as process_tco2
    from {{ ref('stg_inbox__process_output') }}
    group by all
),

entity_months as (
    select
        lines.entity_id,
        lines.entity_kind,
        lines.month,
        -- an entity's instruments zero at most its own grid electricity; a negative line
        -- (losses in a month the battery handed on stored PV) keeps its sign
        greatest(lines.grid_electricity_kwh
                 - least(1000.0 * (lines.green_power_mwh + lines.certificates_retired_mwh),
                         greatest(lines.grid_electricity_kwh, 0)), 0)
        + least(lines.grid_electricity_kwh, 0) as non_green_grid_kwh,
        lines.gas_nm3,
        coalesce(process.process_tco2, 0) as process_tco2
    from lines
    left join process
        on lines.entity_id = process.enterprise_id and lines.month = process.month
),

entity_emissions as (
    select
        entity_id,
        entity_kind,
        month,
        non_green_grid_kwh * factors.fossil_kgco2_per_kwh / 1000.0 as electricity_received_tco2,
        gas_nm3 * factors.gas_tco2_per_nm3 as fuels_tco2,
        process_tco2
    from entity_months
    cross join factors
),

entity_totals as (
    select
        month,
        sum(electricity_received_tco2) as electricity_received_tco2,
        sum(fuels_tco2) as fuels_tco2,
        sum(process_tco2) as process_tco2
    from entity_emissions
    group by month
),

boundary as (
    select
        'park_boundary' as entity_id,
        'park_boundary' as entity_kind,
        park_monthly.month,
        park_monthly.electricity_received_tco2 - park_monthly.electricity_sent_tco2
            - coalesce(entity_totals.electricity_received_tco2, 0) as electricity_received_tco2,
        park_monthly.fuels_tco2 - coalesce(entity_totals.fuels_tco2, 0) as fuels_tco2,
        park_monthly.process_tco2 - coalesce(entity_totals.process_tco2, 0)
            + park_monthly.heat_received_tco2 - park_monthly.heat_sent_tco2
            + park_monthly.conversion_tco2 as process_tco2
    from park_monthly
    left join entity_totals on park_monthly.month = entity_totals.month
),

monthly as (
    select *, electricity_received_tco2 + fuels_tco2 + process_tco2 as emissions_tco2
    from (select * from entity_emissions union all select * from boundary)
),

periods as (
    select
        'month' as period_kind, month as period_start, month as through_month, entity_id,
        entity_kind, electricity_received_tco2, fuels_tco2, process_tco2, emissions_tco2
    from monthly
    union all
    select
        'ytd', cast(date_trunc('year', ends.month) as date), ends.month, monthly.entity_id,
        any_value(monthly.entity_kind), sum(monthly.electricity_received_tco2),
        sum(monthly.fuels_tco2), sum(monthly.process_tco2), sum(monthly.emissions_tco2)
    from park_monthly as ends
    inner join monthly
        on year(monthly.month) = year(ends.month) and monthly.month <= ends.month
    group by ends.month, monthly.entity_id
),

final as (
    select
        periods.entity_id as enterprise_id,
        periods.entity_kind,
        periods.period_kind,
        periods.period_start,
        periods.through_month,
        'national_910' as calculation,
        round(periods.electricity_received_tco2, 6) as electricity_received_tco2,
        round(periods.fuels_tco2, 6) as fuels_tco2,
        -- process emissions; on the park_boundary row also heat received less heat sent
        round(periods.process_tco2, 6) as process_and_heat_tco2,
        round(periods.emissions_tco2, 6) as emissions_tco2,
        round(sum(periods.emissions_tco2) over (partition by periods.period_kind,
                                                periods.through_month), 6)
            as park_emissions_tco2,
        round(100.0 * periods.emissions_tco2
              / nullif(sum(periods.emissions_tco2) over (partition by periods.period_kind,
                                                         periods.through_month), 0), 6)
            as share_of_park_pct
    from periods
)

select * from final
