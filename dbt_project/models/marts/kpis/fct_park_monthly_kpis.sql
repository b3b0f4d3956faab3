-- The park's monthly indicators, including a core indicator (单位能耗碳排放, tCO2 per tce) by
-- the enterprises' calculation: Scope 1 + Scope 2 (core_indicator_scope2_method, the residual
-- factor by default) over energy at var electricity_conversion_basis (当量值 by default). The
-- national assessment as 发改环资〔2025〕910号 defines it is fct_park_national_monthly/_periods.
-- Over the month and the rolling 12 months, judged against the limit for the park's size
-- band (annual comprehensive energy consumption, annualised from the months available) or,
-- below the national bands, the park's own target.

with carbon as (
    select
        month,
        sum(electricity_kwh) as electricity_kwh,
        sum(gas_nm3) as gas_nm3,
        sum(energy_tce) as energy_tce,
        sum(scope1_tco2) as scope1_tco2,
        sum(scope2_location_tco2) as scope2_location_tco2,
        sum(scope2_market_tco2) as scope2_market_tco2,
        sum(green_power_mwh) as green_power_mwh,
        sum(certificates_retired_mwh) as certificates_retired_mwh
    from {{ ref('fct_enterprise_monthly_carbon') }}
    group by month
),

balance as (
    select
        cast(date_trunc('month', local_date) as date) as month,
        sum(pv_generation_kwh) as pv_generation_kwh,
        sum(grid_export_kwh) as grid_export_kwh,
        sum(grid_import_kwh) as grid_import_kwh,
        sum(direct_green_import_kwh) as direct_green_import_kwh,
        sum(enterprise_load_kwh + common_load_kwh + ev_charging_kwh) as consumption_kwh,
        max(grid_import_kwh) * 4 as peak_import_kw,
        count(*) filter (where not balance_closes) as intervals_not_closing,
        count(*) as intervals
    from {{ ref('fct_energy_balance') }}
    group by 1
),

curtailment as (
    select
        cast(date_trunc('month', local_date) as date) as month,
        sum(curtailed_kwh) as pv_curtailed_kwh,
        count(*) filter (where potential_method = 'unknown') as curtailment_unknown_intervals
    from {{ ref('fct_pv_interval_generation') }}
    group by 1
),

factors as (
    select * from {{ ref('int_accounting_factors_selected') }}
),

park as (
    select * from {{ ref('stg_reference__park') }}
),

bands as (
    select try_cast(target as double) as limit_tco2_per_tce, band_min_tce, band_max_tce, source
    from {{ ref('zero_carbon_park_indicators') }}
    where kind = 'core'
),

monthly as (
    select
        carbon.*,
        coalesce(balance.pv_generation_kwh, 0) as pv_generation_kwh,
        coalesce(balance.grid_export_kwh, 0) as grid_export_kwh,
        coalesce(balance.grid_import_kwh, 0) as grid_import_kwh,
        coalesce(balance.direct_green_import_kwh, 0) as direct_green_import_kwh,
        greatest(coalesce(balance.pv_generation_kwh, 0) - coalesce(balance.grid_export_kwh, 0), 0)
            as pv_used_on_site_kwh,
        balance.peak_import_kw,
        coalesce(curtailment.pv_curtailed_kwh, 0) as pv_curtailed_kwh,
        coalesce(curtailment.curtailment_unknown_intervals, 0) as curtailment_unknown_intervals,
        balance.intervals_not_closing,
        balance.intervals,
        carbon.scope1_tco2 + carbon.scope2_{{ var("core_indicator_scope2_method") }}_tco2
            as core_indicator_tco2
    from carbon
    left join balance on carbon.month = balance.month
    left join curtailment on carbon.month = curtailment.month
),

rolling as (
    select
        monthly.*,
        sum(energy_tce) over last_12_months as rolling_12m_energy_tce,
        sum(core_indicator_tco2) over last_12_months as rolling_12m_core_indicator_tco2,
        count(*) over last_12_months as rolling_12m_months
    from monthly
    window last_12_months as (order by month rows between 11 preceding and current row)
),

judged as (
    select
        rolling.*,
        rolling_12m_energy_tce * 12.0 / rolling_12m_months as annualised_energy_tce,
        coalesce(bands.limit_tco2_per_tce, park.core_indicator_limit_tco2_per_tce)
            as core_indicator_limit_tco2_per_tce,
        case when bands.limit_tco2_per_tce is null
             then 'park target (below the national size bands)'
             else bands.source end as core_indicator_limit_source
    from rolling
    cross join park
    left join bands
        on rolling.rolling_12m_energy_tce * 12.0 / rolling.rolling_12m_months >= bands.band_min_tce
        and (bands.band_max_tce is null
             or rolling.rolling_12m_energy_tce * 12.0 / rolling.rolling_12m_months
                < bands.band_max_tce)
),

final as (
    select
        month,
        electricity_kwh,
        gas_nm3,
        energy_tce,
        pv_generation_kwh,
        pv_used_on_site_kwh,
        grid_import_kwh,
        grid_export_kwh,
        direct_green_import_kwh,
        peak_import_kw,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        round(100.0 * (pv_used_on_site_kwh + 1000.0 * (green_power_mwh + certificates_retired_mwh))
              * factors.electricity_kgce_per_kwh / 1000.0 / nullif(energy_tce, 0), 6)
            as clean_energy_share_pct,
        round(100.0 * pv_used_on_site_kwh / nullif(pv_generation_kwh, 0), 6)
            as pv_self_consumption_pct,
        round(100.0 * pv_used_on_site_kwh / nullif(electricity_kwh, 0), 6) as self_sufficiency_pct,
        pv_curtailed_kwh,
        -- 消纳率: generated over generated + curtailed (fct_pv_interval_generation); measured
        -- only if every curtailed interval's potential could be estimated
        round(100.0 * pv_generation_kwh / nullif(pv_generation_kwh + pv_curtailed_kwh, 0), 6)
            as renewable_absorption_pct,
        curtailment_unknown_intervals = 0 as curtailment_measured,
        core_indicator_tco2,
        round(core_indicator_tco2 / nullif(energy_tce, 0), 6) as core_indicator_tco2_per_tce,
        rolling_12m_energy_tce,
        rolling_12m_core_indicator_tco2,
        rolling_12m_months,
        round(rolling_12m_core_indicator_tco2 / nullif(rolling_12m_energy_tce, 0), 6)
            as rolling_12m_core_indicator_tco2_per_tce,
        annualised_energy_tce,
        core_indicator_limit_tco2_per_tce,
        core_indicator_limit_source,
        rolling_12m_core_indicator_tco2 / nullif(rolling_12m_energy_tce, 0)
            <= core_indicator_limit_tco2_per_tce as meets_core_indicator,
        round(greatest(rolling_12m_core_indicator_tco2
                       - core_indicator_limit_tco2_per_tce * rolling_12m_energy_tce, 0), 6)
            as reduction_needed_tco2,
        '{{ var("core_indicator_scope2_method") }}' as core_indicator_scope2_method,
        intervals_not_closing,
        intervals
    from judged
    cross join factors
)

select * from final
