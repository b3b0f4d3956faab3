{#
  The data tests of an incremental model, in a normal (hourly) build, read only the rows this
  run derived again: those from its window's start (macros/incremental_window.sql). Rows
  before it were written and tested by an earlier build and have not changed since, so every
  test of a single row (not_null, accepted_values, not_negative, expression_holds, the child
  side of relationships) and every uniqueness test whose key holds the window's column says
  the same as over all rows, at the cost of the window, not of the history. A build with
  full_checks (the nightly one) and a model built whole (window 1970) test every row.
  dbt asks this macro for the relation each data test reads (dbt's own where config kept).
#}

{% macro window_columns() %}
    {# model -> (its window's column, the window table's column that bounds it) #}
    {% do return({
        'int_counter_readings_cleaned': ('ts_utc', 'window_start_utc'),
        'int_counter_intervals_interpolated': ('interval_start_utc', 'window_start_utc'),
        'int_power_intervals_integrated': ('interval_start_utc', 'window_start_utc'),
        'int_device_quality_buckets': ('bucket_start_utc', 'window_start_utc'),
        'int_park_supply_split': ('interval_start_utc', 'window_start_utc'),
        'fct_interval_energy': ('interval_start_utc', 'window_start_utc'),
        'fct_pv_interval_generation': ('interval_start_utc', 'window_start_utc'),
        'fct_ev_sessions': ('arrival_utc', 'window_start_utc'),
        'fct_energy_balance': ('interval_start_utc', 'window_start_utc'),
        'fct_enterprise_interval_energy': ('interval_start_utc', 'window_start_utc'),
        'fct_device_daily_quality': ('local_date', 'window_start_local_date'),
        'fct_park_daily_kpis': ('local_date', 'window_start_local_date'),
        'fct_enterprise_daily_kpis': ('local_date', 'window_start_local_date'),
    }) %}
{% endmacro %}


{% macro duckdb__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set bound = window_columns().get(relation.identifier) if relation.identifier else none -%}
    {%- if bound and not var('full_checks', false) -%}
        (select * from {{ relation }}
         where {{ bound[0] }} >= (select {{ bound[1] }} from {{ window_table(relation) }})
         {%- if where %} and ({{ where }}){% endif %}) dbt_subquery
    {%- elif where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
