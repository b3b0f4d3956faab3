-- Each enterprise's (and the park's common use's) indicators for one local calendar month:
-- energy (tce), emissions, the core indicator at enterprise level (tCO2/tce), the clean-energy
-- share, self-sufficiency from shared PV, carbon intensity per output value (tCO2/万元, from the
-- inbox; null when the enterprise has not reported its output), peak demand (kW, highest
-- 15-minute average), and ranks among the park's enterprises (1 = best).

with carbon as (
    select * from {{ ref('fct_enterprise_monthly_carbon') }}
),

output_values as (
    select enterprise_id, month, output_value_10k_cny from {{ ref('stg_inbox__output_values') }}
),

demand as (
    select
        entity_id,
        cast(date_trunc('month', local_date) as date) as month,
        max(consumption_kwh) * 4 as peak_demand_kw,
        {{ first_at_peak('interval_start_local', 'consumption_kwh') }} as peak_demand_at_local
    from {{ ref('fct_enterprise_interval_energy') }}
    group by all
),

factors as (
    select * from {{ ref('int_accounting_factors_selected') }}
),

indicators as (
    select
        carbon.entity_id,
        carbon.entity_kind,
        carbon.month,
        carbon.electricity_kwh,
        carbon.gas_nm3,
        carbon.energy_tce,
        carbon.scope1_tco2,
        carbon.scope2_location_tco2,
        carbon.scope2_market_tco2,
        carbon.scope1_tco2 + carbon.scope2_{{ var("core_indicator_scope2_method") }}_tco2
            as emissions_tco2,
        (least(carbon.pv_allocated_kwh + 1000.0 * (carbon.green_power_mwh
                                                  + carbon.certificates_retired_mwh),
               carbon.electricity_kwh)
            * factors.electricity_kgce_per_kwh / 1000.0) as clean_energy_tce,
        carbon.pv_allocated_kwh,
        output_values.output_value_10k_cny,
        demand.peak_demand_kw,
        demand.peak_demand_at_local,
        carbon.estimated_intervals,
        carbon.intervals
    from carbon
    cross join factors
    left join output_values
        on carbon.entity_id = output_values.enterprise_id
        and carbon.month = output_values.month
    left join demand on carbon.entity_id = demand.entity_id and carbon.month = demand.month
),

with_ratios as (
    select
        *,
        emissions_tco2 / nullif(output_value_10k_cny, 0) as carbon_intensity_tco2_per_10k_cny,
        lag(emissions_tco2 / nullif(output_value_10k_cny, 0)) over by_month
            as previous_carbon_intensity_tco2_per_10k_cny
    from indicators
    window by_month as (partition by entity_id order by month)
),

final as (
    select
        entity_id,
        entity_kind,
        month,
        electricity_kwh,
        gas_nm3,
        energy_tce,
        scope1_tco2,
        scope2_location_tco2,
        scope2_market_tco2,
        round(emissions_tco2, 6) as emissions_tco2,
        round(emissions_tco2 / nullif(energy_tce, 0), 6) as co2_per_energy_tco2_per_tce,
        round(100.0 * clean_energy_tce / nullif(energy_tce, 0), 6) as clean_energy_share_pct,
        round(100.0 * pv_allocated_kwh / nullif(electricity_kwh, 0), 6) as self_sufficiency_pct,
        output_value_10k_cny,
        round(carbon_intensity_tco2_per_10k_cny, 6) as carbon_intensity_tco2_per_10k_cny,
        round(100.0 * (carbon_intensity_tco2_per_10k_cny
                       - previous_carbon_intensity_tco2_per_10k_cny)
              / nullif(previous_carbon_intensity_tco2_per_10k_cny, 0), 6)
            as carbon_intensity_change_pct,
        peak_demand_kw,
        peak_demand_at_local,
        -- ranks among enterprises with the figure (the park's common use is not ranked)
        case when entity_kind = 'enterprise' and carbon_intensity_tco2_per_10k_cny is not null
             then rank() over (partition by month, entity_kind = 'enterprise'
                                   and carbon_intensity_tco2_per_10k_cny is not null
                               order by carbon_intensity_tco2_per_10k_cny)
        end as rank_by_carbon_intensity,
        case when entity_kind = 'enterprise' and energy_tce > 0
             then rank() over (partition by month, entity_kind = 'enterprise' and energy_tce > 0
                               order by emissions_tco2 / nullif(energy_tce, 0))
        end as rank_by_co2_per_energy,
        estimated_intervals,
        intervals,
        '{{ var("core_indicator_scope2_method") }}' as scope2_method
    from with_ratios
)

select * from final
