-- How good the forecasts were, once the day they forecast has been measured: for every run,
-- quantity and asset, by horizon bucket (hours ahead, rounded down to whole hours), the mean
-- absolute error (kW) and the normalised MAE (% of the mean measured value). PV potential is
-- compared with what the inverters could have made (generation, plus estimated curtailment);
-- load with each consumer's metered consumption.

with forecasts as (
    select * from {{ ref('stg_dispatch__forecasts') }}
),

pv_measured as (
    select interval_start_utc, asset_id, sum(potential_kwh) * 4 as measured_kw
    from {{ ref('fct_pv_interval_generation') }}
    where potential_kwh is not null
    group by all
),

load_measured as (
    select interval_start_utc, entity_id as asset_id, consumption_kwh * 4 as measured_kw
    from {{ ref('fct_enterprise_interval_energy') }}
),

paired as (
    select
        forecasts.run_id,
        forecasts.quantity,
        forecasts.asset_kind,
        forecasts.asset_id,
        forecasts.provider,
        cast(floor(forecasts.horizon_h) as integer) as horizon_h,
        forecasts.value as forecast_kw,
        coalesce(pv_measured.measured_kw, load_measured.measured_kw) as measured_kw
    from forecasts
    left join pv_measured
        on forecasts.quantity = 'potential_kw'
        and forecasts.interval_start_utc = pv_measured.interval_start_utc
        and forecasts.asset_id = pv_measured.asset_id
    left join load_measured
        on forecasts.quantity = 'load_kw'
        and forecasts.interval_start_utc = load_measured.interval_start_utc
        and forecasts.asset_id = load_measured.asset_id
),

final as (
    select
        run_id,
        quantity,
        asset_kind,
        asset_id,
        any_value(provider) as provider,
        horizon_h,
        count(*) as intervals,
        avg(abs(forecast_kw - measured_kw)) as mae_kw,
        round(100.0 * avg(abs(forecast_kw - measured_kw)) / nullif(avg(measured_kw), 0), 4)
            as nmae_pct
    from paired
    where measured_kw is not null
    group by run_id, quantity, asset_kind, asset_id, horizon_h
)

select * from final
