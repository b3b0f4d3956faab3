{#- When a peak was: the first interval at the group's largest value.
    arg_max(time, value) returns any one of the intervals that tie at the peak, and which one
    depends on how DuckDB's threads split the rows, so two builds of the same data could
    disagree (an incremental build against a full rebuild did). Ties are common: interpolated
    gaps spread energy evenly, and meters report in fixed steps. Intervals with no value do
    not count, as for arg_max. -#}
{% macro first_at_peak(time_column, value_column) -%}
    first({{ time_column }} order by {{ value_column }} desc, {{ time_column }})
        filter (where {{ value_column }} is not null)
{%- endmacro %}
