-- How good the direct green line's power forecasts (风电功率预测, as the wind farm / line
-- operator sent them) were, once the intervals they forecast have been metered: per product,
-- local day and whole hour of lead time.
--
-- The line's meter shows what the park took, not what the line offered: where the park's
-- demand held the line back, the delivery is below the offer and says nothing of the
-- forecast's error. An interval is scored only where the park also imported from the grid
-- (then the line gave all it offered: the dispatch and the physics both take the line before
-- the grid) and every meter of the balance reported measured values. Accuracy is the grid
-- code's form, 1 - RMSE / capacity (capacity: the lines' rated kW).

with forecasts as (
    select * from {{ ref('stg_dispatch__line_forecasts') }}
),

capacity as (
    select sum(rated_kw) as capacity_kw
    from {{ ref('dim_devices') }}
    where device_kind = 'direct_green_meter'
),

balance as (
    select
        interval_start_utc,
        local_date,
        direct_green_import_kwh * 4 as delivered_kw,
        grid_import_kwh > 0 and is_complete and estimated_flows = 0 as offer_observed
    from {{ ref('fct_energy_balance') }}
),

paired as (
    select
        forecasts.product,
        balance.local_date,
        cast(floor(epoch(forecasts.interval_start_utc - forecasts.issued_at_utc) / 3600)
             as integer) as lead_h,
        forecasts.forecast_kw,
        balance.delivered_kw,
        balance.offer_observed
    from forecasts
    inner join balance
        on forecasts.interval_start_utc = balance.interval_start_utc
),

scored as (
    select
        product,
        local_date,
        lead_h,
        count(*) as intervals_forecast,
        count(*) filter (where offer_observed) as intervals_scored,
        avg(abs(forecast_kw - delivered_kw)) filter (where offer_observed) as mae_kw,
        sqrt(avg((forecast_kw - delivered_kw) ^ 2) filter (where offer_observed)) as rmse_kw,
        avg(forecast_kw - delivered_kw) filter (where offer_observed) as bias_kw
    from paired
    group by product, local_date, lead_h
),

final as (
    select
        scored.*,
        capacity.capacity_kw,
        round(100.0 * (1 - rmse_kw / nullif(capacity.capacity_kw, 0)), 4) as accuracy_pct
    from scored
    cross join capacity
)

select * from final
