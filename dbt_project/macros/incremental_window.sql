{#
  Incremental models here re-derive a recent window on every run instead of appending blindly:
  a counter reading's neighbours, or a late file, can change what was derived before. The
  pre-hook records the window start (the model's latest time minus the lookback) in a small
  side table and deletes the model's rows from that start; the model then recomputes them.
  Readings that land later than the lookback (a gateway's buffer, a backfill) are found by
  the build (jobs/warehouse/late_data.py: landing files new since the published version),
  which passes the earliest interval they change as rebuild_from (a UTC date or timestamp,
  also `park build --rebuild-from`).
#}

{# The build's bookkeeping lives in schema helpers, out of the analysts' way. #}
{% macro window_table(relation) -%}
    {{ relation.database }}.helpers.{{ relation.identifier }}__window
{%- endmacro %}


{#
  follows: another incremental model whose window (opened earlier in the same run) this one
  uses while it is itself still empty, so an empty model does not re-read all history.
#}
{% macro open_window(time_column, follows=none) %}
    {% if is_incremental() %}
        {% set own_start %}
            own.latest_utc - interval '{{ var("lookback_hours") }} hours'
        {% endset %}
        {% if follows is not none %}
            {% set followed_start %}
                (select window_start_utc from {{ window_table(ref(follows)) }})
            {% endset %}
        {% endif %}
        create schema if not exists {{ this.database }}.helpers;
        create or replace table {{ window_table(this) }} as
        select least(
            coalesce(
                {{ own_start }},
                {% if follows is not none %}{{ followed_start }},{% endif %}
                timestamptz '1970-01-01 00:00:00+00'),
            {% if var("rebuild_from", none) %}
            cast('{{ var("rebuild_from") }}' as timestamptz)
            {% else %}
            timestamptz '9999-12-31 00:00:00+00'
            {% endif %}
        ) as window_start_utc
        from (select max({{ time_column }}) as latest_utc from {{ this }}) as own;
        delete from {{ this }}
        where {{ time_column }} >= (select window_start_utc from {{ window_table(this) }});
    {% else %}
        {# a model built whole changed from the beginning: a model following it (follow_window)
           must not take an older run's window for what changed now #}
        create or replace table {{ window_table(this) }} as
        select timestamptz '1970-01-01 00:00:00+00' as window_start_utc;
    {% endif %}
{% endmacro %}


{#
  For models derived only from other incremental models (and reference data): their rows can
  change only where the upstream's rows were derived again in this run, so the window is the
  upstream's own (`upstream`, a model name, built earlier in the run), not a lookback of their
  own (several upstreams: the earliest). `grain`: 'day' or 'month' for models by the park's local day or month (the window then
  starts at the local midnight, or the first of the month, on or before the upstream's start,
  and `time_column` is the row's local date); none for models by the upstream's time column.
  A change of reference data alone (a device added) changes the rows derived from now on, not
  the history already built; a full refresh derives all of it again.
#}
{% macro follow_window(time_column, upstream, grain=none, days_before=0) %}
    {# upstream: a model name, or a list of them (the earliest of their windows);
       days_before: with grain 'day', start that many local days earlier still #}
    {% set upstreams = [upstream] if upstream is string else upstream %}
    {% set upstream_start -%}
        (select min(window_start_utc) from (
        {%- for name in upstreams %}
            select window_start_utc from {{ window_table(ref(name)) }}
            {%- if not loop.last %} union all{% endif %}
        {%- endfor %}))
    {%- endset %}
    {% if is_incremental() %}
        create or replace table {{ window_table(this) }} as
        {% if grain is none %}
        select {{ upstream_start }} as window_start_utc;
        delete from {{ this }}
        where {{ time_column }} >= (select window_start_utc from {{ window_table(this) }});
        {% else %}
        select timezone(park.timezone, date_trunc('{{ grain }}',
                        timezone(park.timezone, {{ upstream_start }}))
                        - interval '{{ days_before }} days') as window_start_utc,
               cast(date_trunc('{{ grain }}', timezone(park.timezone, {{ upstream_start }}))
                    - interval '{{ days_before }} days' as date) as window_start_local_date
        from {{ ref('stg_reference__park') }} as park;
        delete from {{ this }}
        where {{ time_column }} >= (select window_start_local_date
                                    from {{ window_table(this) }});
        {% endif %}
    {% else %}
        create or replace table {{ window_table(this) }} as
        select timestamptz '1970-01-01 00:00:00+00' as window_start_utc,
               date '1970-01-01' as window_start_local_date;
    {% endif %}
{% endmacro %}


{% macro window_start_local_date() -%}
    {%- if is_incremental() -%}
        (select window_start_local_date from {{ window_table(this) }})
    {%- else -%}
        date '1970-01-01'
    {%- endif -%}
{%- endmacro %}


{% macro window_start() -%}
    {%- if is_incremental() -%}
        (select window_start_utc from {{ window_table(this) }})
    {%- else -%}
        timestamptz '1970-01-01 00:00:00+00'
    {%- endif -%}
{%- endmacro %}


{#
  For models with rows that may still change after they were written (an EV session whose car
  had not left at the last run): after open_window, the window is widened back to the earliest
  row matching `open_condition`, so those rows are derived again from what has landed since.
  It reaches back at most max_bridge_hours before the usual start: a row open for longer (a
  charger that went silent mid-session) stays as it was until a full refresh.
#}
{% macro widen_window_to_open_rows(time_column, open_condition) %}
    {% if is_incremental() %}
        update {{ window_table(this) }}
        set window_start_utc = least(
            window_start_utc,
            greatest(
                coalesce((select min({{ time_column }}) from {{ this }} where {{ open_condition }}),
                         window_start_utc),
                window_start_utc - interval '{{ var("max_bridge_hours") }} hours'));
        delete from {{ this }}
        where {{ time_column }} >= (select window_start_utc from {{ window_table(this) }});
    {% endif %}
{% endmacro %}


{#
  For models by local day: after open_window, the window starts at the park's local midnight
  on or before its start, so the day it falls in is derived again whole.
#}
{% macro widen_window_to_local_midnight() %}
    {% if is_incremental() %}
        update {{ window_table(this) }}
        set window_start_utc = timezone(
            (select timezone from {{ ref('stg_reference__park') }}),
            date_trunc('day', timezone((select timezone from {{ ref('stg_reference__park') }}),
                                       window_start_utc)));
        delete from {{ this }}
        where day_start_utc >= (select window_start_utc from {{ window_table(this) }});
    {% endif %}
{% endmacro %}


{#
  For models counting from incremental models as well as from the landing zone (their own
  lookback): after open_window, the window reaches back to the earliest of the `upstreams`'
  windows (their rows changed from there in this run) and is floored to the model's 15-minute
  bucket, so that a bucket is derived again whole or not at all.
#}
{% macro widen_window_to_followed(time_column, upstreams) %}
    {% if is_incremental() %}
        update {{ window_table(this) }}
        set window_start_utc = time_bucket(interval '15 minutes', least(
            window_start_utc,
            (select min(window_start_utc) from (
            {%- for name in upstreams %}
                select window_start_utc from {{ window_table(ref(name)) }}
                {%- if not loop.last %} union all{% endif %}
            {%- endfor %}))));
        delete from {{ this }}
        where {{ time_column }} >= (select window_start_utc from {{ window_table(this) }});
    {% endif %}
{% endmacro %}
