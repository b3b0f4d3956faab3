{#
  Local days in the park's zone (`timezone_column` from stg_reference__park). A day has 92, 96
  or 100 quarter-hours where the zone keeps daylight saving, and the day the data ends in is
  still in progress: its sums are so far, and a ratio of them (self-sufficiency before the
  sun is up) would read as the day's.
#}
{% macro local_day_intervals(date_column, timezone_column) -%}
    cast(epoch(timezone({{ timezone_column }}, cast({{ date_column }} + 1 as timestamp))
               - timezone({{ timezone_column }}, cast({{ date_column }} as timestamp))) / 900
         as integer)
{%- endmacro %}

{# True when the local day ends after `data_end_utc` (the end of the last interval with data). #}
{% macro local_day_in_progress(date_column, timezone_column, data_end_utc) -%}
    (timezone({{ timezone_column }}, cast({{ date_column }} + 1 as timestamp)) > {{ data_end_utc }})
{%- endmacro %}
