{# The most a counter can plausibly rise between two readings: its rate limit over the time
   between them, plus one unit of slack for register resolution. Unrated counters: no limit. #}
{% macro counter_step_limit(earlier_ts, later_ts) -%}
    coalesce(max_rate_per_h, 1e12) * epoch({{ later_ts }} - {{ earlier_ts }}) / 3600.0 + 1.0
{%- endmacro %}


{# Whether a counter going from `a` to `b` is physically possible: a normal rise, a wrap past
   the register's range, or a new meter that started again from zero. #}
{% macro counter_step_fits(a, b, a_ts, b_ts) -%}
    (
        {{ a }} is not null and {{ b }} is not null
        and (
            ({{ b }} - {{ a }}) between 0 and {{ counter_step_limit(a_ts, b_ts) }}
            or (counter_wrap is not null
                and (counter_wrap - {{ a }} + {{ b }}) between 0 and {{ counter_step_limit(a_ts, b_ts) }})
            or {{ b }} between 0 and {{ counter_step_limit(a_ts, b_ts) }}
        )
    )
{%- endmacro %}
