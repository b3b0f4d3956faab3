{#
  Incremental models here re-derive a recent window on every run instead of appending blindly:
  a counter reading's neighbours, or a late file, can change what was derived before. The
  pre-hook records the window start (the model's latest time minus the lookback) in a small
  side table and deletes the model's rows from that start; the model then recomputes them.
  Backfills older than the lookback need `park build --full-refresh` (or --rebuild-from).
#}

{% macro window_table(relation) -%}
    {{ relation.database }}.{{ relation.schema }}.{{ relation.identifier }}__window
{%- endmacro %}


{% macro open_window(time_column) %}
    {% if is_incremental() %}
        create or replace table {{ window_table(this) }} as
        select least(
            coalesce(max({{ time_column }}), timestamptz '1970-01-01 00:00:00+00')
                - interval '{{ var("lookback_hours") }} hours',
            {% if var("rebuild_from", none) %}
            timestamptz '{{ var("rebuild_from") }} 00:00:00+00'
            {% else %}
            timestamptz '9999-12-31 00:00:00+00'
            {% endif %}
        ) as window_start_utc
        from {{ this }};
        delete from {{ this }}
        where {{ time_column }} >= (select window_start_utc from {{ window_table(this) }});
    {% endif %}
{% endmacro %}


{% macro window_start() -%}
    {%- if is_incremental() -%}
        (select window_start_utc from {{ window_table(this) }})
    {%- else -%}
        timestamptz '1970-01-01 00:00:00+00'
    {%- endif -%}
{%- endmacro %}
