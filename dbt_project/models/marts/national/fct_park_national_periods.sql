-- The national zero-carbon park assessment (发改环资〔2025〕910号) over periods: the month, the
-- year to date, the rolling 12 months and the calendar year, each ending at a month. Every
-- component is the sum of its months in fct_park_national_monthly (the cap on green trading and
-- certificates applies per month, so a period's figures are the sums of checkable months), and
-- the indicator is the period's emissions over its energy, never an average of monthly ratios.
-- The size band comes from the calendar year's energy consumption, annualised by its measured
-- quarter-hours; below 200,000 tce/yr no limit is set nationally and the configured one is used.

with monthly as (
    select * from {{ ref('fct_park_national_monthly') }}
),

ends as (
    select distinct month as period_end_month from monthly
),

kinds as (
    select * from (values ('month'), ('ytd'), ('rolling_12m'), ('calendar_year')) as k(period_kind)
),

periods as (
    select
        kinds.period_kind,
        ends.period_end_month,
        case kinds.period_kind
            when 'month' then ends.period_end_month
            when 'ytd' then cast(date_trunc('year', ends.period_end_month) as date)
            when 'rolling_12m' then cast(ends.period_end_month - interval 11 month as date)
            else cast(date_trunc('year', ends.period_end_month) as date)
        end as period_start_month,
        case kinds.period_kind
            when 'calendar_year'
                then cast(date_trunc('year', ends.period_end_month) + interval 11 month as date)
            else ends.period_end_month
        end as period_last_month
    from ends
    cross join kinds
    -- one calendar-year row per year, at its last month with data
    where kinds.period_kind <> 'calendar_year'
        or ends.period_end_month = (select max(month) from monthly
                                    where year(month) = year(ends.period_end_month))
),

summed as (
    select
        periods.period_kind,
        periods.period_end_month,
        periods.period_start_month,
        any_value(monthly.calculation) as calculation,
        count(*) as months_with_data,
        sum(grid_import_kwh) as grid_import_kwh,
        sum(non_green_grid_kwh) as non_green_grid_kwh,
        sum(direct_green_kwh) as direct_green_kwh,
        sum(green_trading_bought_kwh) as green_trading_bought_kwh,
        sum(green_trading_zeroed_kwh) as green_trading_zeroed_kwh,
        sum(certificates_retired_kwh) as certificates_retired_kwh,
        sum(certificates_zeroed_kwh) as certificates_zeroed_kwh,
        sum(grid_export_kwh) as grid_export_kwh,
        sum(exported_pv_kwh) as exported_pv_kwh,
        sum(exported_stored_kwh) as exported_stored_kwh,
        sum(pv_generation_kwh) as pv_generation_kwh,
        sum(electricity_consumed_kwh) as electricity_consumed_kwh,
        sum(gas_nm3) as gas_nm3,
        sum(fuels_tco2) as fuels_tco2,
        sum(conversion_tco2) as conversion_tco2,
        sum(electricity_received_tco2) as electricity_received_tco2,
        sum(electricity_sent_tco2) as electricity_sent_tco2,
        sum(heat_received_gj) as heat_received_gj,
        sum(heat_sent_gj) as heat_sent_gj,
        sum(heat_received_tco2) as heat_received_tco2,
        sum(heat_sent_tco2) as heat_sent_tco2,
        sum(process_tco2) as process_tco2,
        sum(emissions_tco2) as emissions_tco2,
        sum(electricity_tce) as electricity_tce,
        sum(gas_tce) as gas_tce,
        sum(heat_tce) as heat_tce,
        sum(energy_tce) as energy_tce,
        sum(pv_consumed_kwh) as pv_consumed_kwh,
        sum(clean_electricity_kwh) as clean_electricity_kwh,
        sum(clean_electricity_tce) as clean_electricity_tce,
        sum(clean_heat_tce) as clean_heat_tce,
        sum(clean_gas_tce) as clean_gas_tce,
        sum(clean_energy_tce) as clean_energy_tce,
        sum(measured_quarter_hours) as measured_quarter_hours
    from periods
    inner join monthly
        on monthly.month between periods.period_start_month and periods.period_last_month
    group by all
),

expected as (
    -- quarter-hours the period spans on the park's clock (a partial year is visibly partial)
    select
        periods.period_kind,
        periods.period_end_month,
        cast(round((epoch(timezone(park.timezone, cast(periods.period_last_month
                                                         + interval 1 month as timestamp)))
                    - epoch(timezone(park.timezone, cast(periods.period_start_month
                                                          as timestamp)))) / 900)
             as integer) as expected_quarter_hours
    from periods
    cross join {{ ref('stg_reference__park') }} as park
),

calendar_year as (
    select year(period_end_month) as year,
           energy_tce * expected.expected_quarter_hours / nullif(summed.measured_quarter_hours, 0)
               as band_energy_tce_per_year
    from summed
    inner join expected using (period_kind, period_end_month)
    where period_kind = 'calendar_year'
),

bands as (
    select try_cast(target as double) as limit_tco2_per_tce, band_min_tce, band_max_tce,
           'national band ' || cast(band_min_tce as bigint) || '–'
           || coalesce(cast(band_max_tce as bigint) || ' tce/yr', 'and above') || ': ' || source
               as limit_source
    from {{ ref('zero_carbon_park_indicators') }}
    where kind = 'core'
),

judged as (
    select
        summed.*,
        expected.expected_quarter_hours,
        round(100.0 * summed.measured_quarter_hours / expected.expected_quarter_hours, 6)
            as coverage_pct,
        round(emissions_tco2 / nullif(energy_tce, 0), 6) as indicator_tco2_per_tce,
        -- the rules expect, in principle, at least 50 % of electricity by direct green supply
        round(100.0 * direct_green_kwh / nullif(electricity_consumed_kwh, 0), 6)
            as direct_green_share_pct,
        round(100.0 * clean_energy_tce / nullif(energy_tce, 0), 6) as clean_energy_share_pct,
        calendar_year.band_energy_tce_per_year,
        bands.limit_tco2_per_tce is not null as limit_set_nationally,
        coalesce(bands.limit_tco2_per_tce, park.national_limit_below_band_tco2_per_tce)
            as limit_tco2_per_tce,
        coalesce(bands.limit_source, 'not set nationally: ' || park.national_limit_source)
            as limit_source
    from summed
    inner join expected using (period_kind, period_end_month)
    inner join calendar_year on year(summed.period_end_month) = calendar_year.year
    cross join {{ ref('stg_reference__park') }} as park
    left join bands
        on calendar_year.band_energy_tce_per_year >= bands.band_min_tce
        and (bands.band_max_tce is null or calendar_year.band_energy_tce_per_year
                                           < bands.band_max_tce)
)

select
    judged.*,
    emissions_tco2 / nullif(energy_tce, 0) <= limit_tco2_per_tce as meets_limit
from judged
