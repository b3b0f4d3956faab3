-- The national zero-carbon park assessment (发改环资〔2025〕910号 annex 4) per local month, every
-- part of the calculation in its own column so an analyst can check a month by hand:
--   emissions_tco2 = fuels + conversion + electricity received - electricity sent
--                    + heat received - heat sent + process
--   electricity received: the grid import that green-power trading and certificates do not
--   zero, at the national fossil-power factor; trading and certificates are capped so that
--   together they never zero more than the month's grid import (trading first).
--   exported PV subtracts nothing (non-fossil); exported stored electricity subtracts at the
--   fossil factor only when var national_stored_export_subtracts is true.
--   direct green supply (绿电直连, direct_green_meter devices) counts as zero.
--   energy_tce = electricity consumed (grid import + direct green supply + on-site PV - export)
--   at 等价值 + gas + heat (received - sent);
--   direct_green_share_pct = direct green supply / electricity consumed.
--   clean_energy_share_pct (清洁能源消费占比, a guiding indicator) = clean energy / energy_tce on
--   the same 等价值 basis: on-site PV consumed, direct green supply, grid power zeroed by
--   trading and certificates, non-fossil heat received, and gas only where var
--   national_gas_counts_as_clean says gas is clean (default: it is not).
-- A third calculation beside the enterprises' Scope 2 (fct_enterprise_monthly_carbon) and the
-- ETS account (fct_enterprise_carbon_accounts): calculation = 'national_910'.

with balance as (
    select
        cast(date_trunc('month', local_date) as date) as month,
        sum(grid_import_kwh) as grid_import_kwh,
        sum(grid_export_kwh) as grid_export_kwh,
        sum(direct_green_import_kwh) as direct_green_kwh,
        sum(pv_generation_kwh) as pv_generation_kwh,
        -- per quarter-hour, what was exported is PV up to the PV output, storage beyond it
        sum(least(grid_export_kwh, pv_generation_kwh)) as exported_pv_kwh,
        sum(grid_export_kwh - least(grid_export_kwh, pv_generation_kwh)) as exported_stored_kwh,
        count(*) filter (where is_complete) as measured_quarter_hours
    from {{ ref('fct_energy_balance') }}
    group by 1
),

gas as (
    select cast(date_trunc('month', local_date) as date) as month, sum(gas_nm3) as gas_nm3
    from {{ ref('fct_interval_energy') }}
    where energy_flow = 'gas' and gas_nm3 is not null
    group by 1
),

-- the park's and every enterprise's instruments alike: the assessment is of the whole park
green_trading as (
    select month, 1000.0 * sum(green_power_mwh) as green_trading_kwh
    from {{ ref('stg_inbox__green_power_purchases') }}
    group by month
),

certificates as (
    select month, 1000.0 * sum(retired_mwh) as certificates_kwh
    from {{ ref('stg_inbox__certificate_retirements') }}
    group by month
),

-- heat at the park boundary (inbox heat_flows): fossil heat at its measured factor or the
-- default, non-fossil heat at zero
heat as (
    select
        heat_flows.month,
        sum(quantity_gj) filter (where direction = 'received') as heat_received_gj,
        sum(quantity_gj) filter (where direction = 'sent') as heat_sent_gj,
        sum(quantity_gj) filter (where direction = 'received' and not is_fossil)
            as heat_received_non_fossil_gj,
        sum(case when is_fossil then quantity_gj
                 * coalesce(factor_tco2_per_gj, factors.heat_default_tco2_per_gj) else 0 end)
            filter (where direction = 'received') as heat_received_tco2,
        sum(case when is_fossil then quantity_gj
                 * coalesce(factor_tco2_per_gj, factors.heat_default_tco2_per_gj) else 0 end)
            filter (where direction = 'sent') as heat_sent_tco2,
        string_agg(distinct case when not is_fossil then 'non-fossil: 0'
                                 when factor_tco2_per_gj is null then 'default: '
                                      || factors.heat_default_factor_source
                                 else 'measured: ' || factor_source end, '; ')
            as heat_factor_sources
    from {{ ref('stg_inbox__heat_flows') }} as heat_flows
    cross join {{ ref('int_national_factors_selected') }} as factors
    group by heat_flows.month
),

-- products with industrial-process emissions (inbox process_output), each at its own factor
process as (
    select
        month,
        sum(output_t * factor_tco2_per_t) as process_tco2,
        string_agg(distinct product || ': ' || factor_source, '; ') as process_factor_sources
    from {{ ref('stg_inbox__process_output') }}
    group by month
),

park as (
    select * from {{ ref('stg_reference__park') }}
),

factors as (
    select * from {{ ref('int_national_factors_selected') }}
),

months as (
    select
        balance.*,
        coalesce(gas.gas_nm3, 0) as gas_nm3,
        coalesce(green_trading.green_trading_kwh, 0) as green_trading_bought_kwh,
        coalesce(certificates.certificates_kwh, 0) as certificates_retired_kwh,
        coalesce(heat.heat_received_gj, 0) as heat_received_gj,
        coalesce(heat.heat_sent_gj, 0) as heat_sent_gj,
        coalesce(heat.heat_received_non_fossil_gj, 0) as heat_received_non_fossil_gj,
        coalesce(heat.heat_received_tco2, 0) as heat_received_tco2,
        coalesce(heat.heat_sent_tco2, 0) as heat_sent_tco2,
        heat.heat_factor_sources,
        coalesce(process.process_tco2, 0) as process_tco2,
        process.process_factor_sources,
        cast(round((epoch(timezone(park.timezone, cast(balance.month + interval 1 month
                                                         as timestamp)))
                    - epoch(timezone(park.timezone, cast(balance.month as timestamp)))) / 900)
             as integer) as expected_quarter_hours
    from balance
    cross join park
    left join gas on balance.month = gas.month
    left join green_trading on balance.month = green_trading.month
    left join certificates on balance.month = certificates.month
    left join heat on balance.month = heat.month
    left join process on balance.month = process.month
),

zeroed as (
    select
        months.*,
        least(green_trading_bought_kwh, grid_import_kwh) as green_trading_zeroed_kwh,
        least(certificates_retired_kwh,
              grid_import_kwh - least(green_trading_bought_kwh, grid_import_kwh))
            as certificates_zeroed_kwh
    from months
),

components as (
    select
        zeroed.*,
        grid_import_kwh - green_trading_zeroed_kwh - certificates_zeroed_kwh
            as non_green_grid_kwh,
        grid_import_kwh + direct_green_kwh + pv_generation_kwh - grid_export_kwh
            as electricity_consumed_kwh,
        -- what was consumed of the on-site PV: its output less what of it was exported
        pv_generation_kwh - exported_pv_kwh as pv_consumed_kwh
    from zeroed
),

final as (
    select
        month,
        'national_910' as calculation,
        -- electricity received, by kind (kWh)
        grid_import_kwh,
        non_green_grid_kwh,
        direct_green_kwh,  -- 绿电直连 lines (direct_green_meter devices): zero-rated
        green_trading_bought_kwh,
        green_trading_zeroed_kwh,
        certificates_retired_kwh,
        certificates_zeroed_kwh,
        -- electricity sent out (kWh) and on-site generation
        grid_export_kwh,
        exported_pv_kwh,
        exported_stored_kwh,
        pv_generation_kwh,
        electricity_consumed_kwh,
        gas_nm3,
        -- emissions by part (tCO2)
        gas_nm3 * factors.gas_tco2_per_nm3 as fuels_tco2,
        -- the park runs no energy-conversion plant (coking, refining, coal washing) that the
        -- configuration could name: nothing is lost in conversion
        0.0 as conversion_tco2,
        non_green_grid_kwh * factors.fossil_kgco2_per_kwh / 1000.0 as electricity_received_tco2,
        case when factors.stored_export_subtracts
             then exported_stored_kwh * factors.fossil_kgco2_per_kwh / 1000.0 else 0.0 end
            as electricity_sent_tco2,
        heat_received_gj,
        heat_sent_gj,
        heat_received_non_fossil_gj,
        heat_received_tco2,
        heat_sent_tco2,
        process_tco2,
        -- energy by carrier (tce)
        electricity_consumed_kwh * factors.electricity_kgce_per_kwh / 1000.0 as electricity_tce,
        gas_nm3 * factors.gas_kgce_per_nm3 / 1000.0 as gas_tce,
        (heat_received_gj - heat_sent_gj) * factors.heat_kgce_per_gj / 1000.0 as heat_tce,
        -- clean energy by carrier (tce, the same 等价值 basis)
        pv_consumed_kwh,
        pv_consumed_kwh + direct_green_kwh + green_trading_zeroed_kwh + certificates_zeroed_kwh
            as clean_electricity_kwh,
        (pv_consumed_kwh + direct_green_kwh + green_trading_zeroed_kwh + certificates_zeroed_kwh)
            * factors.electricity_kgce_per_kwh / 1000.0 as clean_electricity_tce,
        heat_received_non_fossil_gj * factors.heat_kgce_per_gj / 1000.0 as clean_heat_tce,
        case when factors.gas_counts_as_clean
             then gas_nm3 * factors.gas_kgce_per_nm3 / 1000.0 else 0.0 end as clean_gas_tce,
        factors.gas_counts_as_clean,
        -- the factors used and their sources
        factors.fossil_kgco2_per_kwh,
        factors.fossil_factor_source,
        factors.electricity_kgce_per_kwh,
        factors.electricity_conversion_source,
        factors.gas_tco2_per_nm3,
        factors.gas_factor_source,
        factors.gas_kgce_per_nm3,
        heat_factor_sources,
        process_factor_sources,
        factors.heat_kgce_per_gj,
        measured_quarter_hours,
        expected_quarter_hours
    from components
    cross join factors
),

totals as (
    select
        final.*,
        fuels_tco2 + conversion_tco2 + electricity_received_tco2 - electricity_sent_tco2
            + heat_received_tco2 - heat_sent_tco2 + process_tco2 as emissions_tco2,
        electricity_tce + gas_tce + heat_tce as energy_tce,
        clean_electricity_tce + clean_heat_tce + clean_gas_tce as clean_energy_tce
    from final
)

select
    totals.*,
    round(emissions_tco2 / nullif(energy_tce, 0), 6) as indicator_tco2_per_tce,
    round(100.0 * direct_green_kwh / nullif(electricity_consumed_kwh, 0), 6)
        as direct_green_share_pct,
    round(100.0 * clean_energy_tce / nullif(energy_tce, 0), 6) as clean_energy_share_pct
from totals
