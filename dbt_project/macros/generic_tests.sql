{% test unique_combination(model, columns, recent_column=none, sorted_by=none) %}
-- Rows whose combination of columns is not unique. With recent_column, a normal build checks
-- only the last recent_check_hours before the newest row (what an incremental run rewrote;
-- the check over all rows of a reading-grain table costs seconds every hour) and a build
-- with --vars '{full_checks: true}' (nightly) checks every row.
{%- if sorted_by is none %}
select {{ columns | join(', ') }}, count(*) as duplicate_rows
from {{ model }}
{% if recent_column is not none and not var('full_checks', false) %}
where {{ recent_column }} >= (select max({{ recent_column }}) from {{ model }})
    - interval '{{ var("recent_check_hours") }} hours'
{% endif %}
group by all
having count(*) > 1
{%- else %}
-- sorted_by, one of the columns: the same check by one sort instead of a grouping by every
-- column (the month's 50.5 M cleaned readings: 13 CPU-s against 21, measured alone). Sorted
-- by it within the other columns, a row's twin is the row before it; each repeat is a row.
{%- set others = columns | reject('equalto', sorted_by) | list %}
select *
from (
    select
        {{ columns | join(', ') }},
        row_number() over by_sort > 1
            and {{ sorted_by }} is not distinct from lag({{ sorted_by }}) over by_sort
            as repeats_previous
    from {{ model }}
    {% if recent_column is not none and not var('full_checks', false) %}
    where {{ recent_column }} >= (select max({{ recent_column }}) from {{ model }})
        - interval '{{ var("recent_check_hours") }} hours'
    {% endif %}
    window by_sort as (partition by {{ others | join(', ') }} order by {{ sorted_by }})
) as sorted_rows
where repeats_previous
{%- endif %}
{% endtest %}


{% test not_negative(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}


{% test within_physical_limit(model, quantity_columns, limit_column) %}
-- Rows where an interval's quantity exceeds what the device can physically deliver in 15
-- minutes (its rating with headroom): a meter cannot exceed its CT rating.
select *
from {{ model }}
where {{ limit_column }} is not null
    and greatest({% for column in quantity_columns %}coalesce({{ column }}, 0){% if not loop.last %}, {% endif %}{% endfor %})
        > {{ limit_column }}
{% endtest %}


{% test balance_closes_where_measured(model) %}
-- Complete, fully measured intervals whose balance does not close: a metering or model error.
-- (Estimated intervals spread a gap's energy evenly and may miss; they are flagged, not failed.)
select *
from {{ model }}
where is_complete and estimated_flows = 0 and not balance_closes
{% endtest %}


{% test allocation_adds_up(model) %}
-- Intervals where the consumers' allocated sources do not add up to their consumption, or the
-- consumers do not add up to the park's consumption.
with per_interval as (
    select
        interval_start_utc,
        sum(consumption_kwh) as consumption_kwh,
        sum(pv_allocated_kwh + storage_allocated_kwh + grid_allocated_kwh) as allocated_kwh
    from {{ model }}
    group by interval_start_utc
),

park as (
    select interval_start_utc, consumption_kwh as park_consumption_kwh,
        pv_to_consumers_kwh + storage_to_consumers_kwh + grid_to_consumers_kwh as park_supply_kwh
    from {{ ref('int_park_supply_split') }}
)

select per_interval.*, park.park_consumption_kwh, park.park_supply_kwh
from per_interval
inner join park on per_interval.interval_start_utc = park.interval_start_utc
where abs(per_interval.consumption_kwh - park.park_consumption_kwh) > 1e-6
    or (park.park_consumption_kwh > 0
        and abs(per_interval.allocated_kwh - park.park_supply_kwh) > 1e-6)
{% endtest %}


{% test expression_holds(model, column_name, expression) %}
-- Rows where a stated invariant between columns does not hold.
select * from {{ model }} where not ({{ expression }})
{% endtest %}


{% test landing_is_fresh(model, column_name, max_age_hours, partition_column) %}
-- Fails (at the severity configured) when the newest landed row is older than max_age_hours:
-- harvesting has stopped or files stopped arriving. Only recent partitions are scanned.
with newest as (
    select max({{ column_name }}) as newest_utc
    from {{ model }}
    where {{ partition_column }} >= cast(now() - interval '{{ max_age_hours }} hours' as date)
)

select newest_utc, now() as checked_at_utc
from newest
where newest_utc is null or newest_utc < now() - interval '{{ max_age_hours }} hours'
{% endtest %}
