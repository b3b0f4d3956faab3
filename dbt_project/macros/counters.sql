{# The most a counter can plausibly rise between two readings: its rate limit over the time
   between them, plus one unit of slack for register resolution. Unrated counters: no limit. #}
{% macro counter_step_limit(earlier_ts, later_ts) -%}
    coalesce(max_rate_per_h, 1e12) * {{ seconds_between(earlier_ts, later_ts) }} / 3600.0 + 1.0
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


{# A counter going from `a` to `b` rose normally: by no more than the device can do. #}
{% macro counter_step_is_normal(a, b, a_ts, b_ts) -%}
    ({{ b }} >= {{ a }} and {{ b }} - {{ a }} <= {{ counter_step_limit(a_ts, b_ts) }})
{%- endmacro %}


{# Seconds from one timestamp to another. epoch(later - earlier) goes through an INTERVAL
   (months, days, microseconds) and costs more than the whole rest of a step's arithmetic on
   50 million readings; the difference of the raw microsecond counts does not. #}
{% macro seconds_between(earlier, later) -%}
    ((epoch_us({{ later }}) - epoch_us({{ earlier }})) / 1e6)
{%- endmacro %}
