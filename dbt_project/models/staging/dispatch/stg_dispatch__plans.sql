-- Published day-ahead plans as landed; a re-run of the same run replaced its own files.
with source as (
    select * from {{ source('dispatch', 'plans') }}
),

final as (
    select
        run_id,
        cast(created_at_utc as timestamptz) as created_at_utc,
        cast(plan_date as date) as plan_date,
        cast(interval_start_utc as timestamptz) as interval_start_utc,
        asset_kind,
        asset_id,
        quantity,
        value,
        unit,
        solver_status,
        is_fallback,
        objective_cny,
        baseline_cost_cny,
        weather_provider,
        breached_bounds
    from source
)

select * from final
