-- Everything kept out of the energy figures, or flagged as doubtful, with the reason:
-- findings of the Great Expectations landing checkpoint, and counter readings the warehouse
-- left out as implausible (they fit neither neighbour within the device's rating).
--
-- A table, rebuilt whole each hour, on purpose: DuckDB skips the cleaned readings' row groups
-- by step_kind (about 1 ms of CPU for 55 M rows), while an incremental model costs dbt more
-- statements than that (docs/warehouse_speed.md, "Per node, in CPU seconds").

with checkpoint_findings as (
    select
        'gx_' || check_name as source_check,
        ts_utc,
        device_id,
        point,
        value,
        reason,
        detected_at_utc
    from {{ ref('stg_quality__quarantine') }}
),

implausible_counters as (
    select
        'dbt_implausible_counter' as source_check,
        ts_utc,
        device_id,
        point,
        counter_value as value,
        'counter reading fits neither neighbour within the device''s rating: left out'
            as reason,
        cast(null as timestamptz) as detected_at_utc
    from {{ ref('int_counter_readings_cleaned') }}
    where step_kind = 'rejected'
),

final as (
    select * from checkpoint_findings
    union all
    select * from implausible_counters
)

select * from final
