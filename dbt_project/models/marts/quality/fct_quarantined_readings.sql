{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=[
            "{{ follow_window('ts_utc', 'int_counter_readings_cleaned') }}",
            "{{ drop_rows_derived_whole(\"source_check <> 'dbt_implausible_counter'\") }}",
        ],
    )
}}

-- Everything kept out of the energy figures, or flagged as doubtful, with the reason:
-- findings of the Great Expectations landing checkpoint, and counter readings the warehouse
-- left out as implausible (they fit neither neighbour within the device's rating).
--
-- Incremental rather than a table: a rebuild read every cleaned counter reading of the
-- history (the warehouse's largest table) each hour to find a handful of rejected ones. The
-- rejected readings can change only where int_counter_readings_cleaned derived its rows
-- again in this run, so they follow its window; the checkpoint's findings are not windowed
-- (a finding may be written for any past day) and are small, so they are taken in whole.

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
        and ts_utc >= {{ window_start() }}
),

final as (
    -- + 0.0: a -0.0 reading is written as 0.0 (macros/negative_zero.sql; the table
    -- post-hook that did this does not run on an incremental model)
    select * replace (value + 0.0 as value) from checkpoint_findings
    union all
    select * replace (value + 0.0 as value) from implausible_counters
)

select * from final
