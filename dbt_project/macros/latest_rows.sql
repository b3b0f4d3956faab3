{# The latest landed row per natural key of an inbox dataset: a corrected file supersedes an
   earlier one (jobs/inbox lands every file with loaded_at_utc). #}
{% macro latest_rows(source_relation, key_columns) %}
with source as (
    select * from {{ source_relation }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }} order by loaded_at_utc desc
    ) = 1
),

final as (
    select * exclude ("date") from latest
)

select * from final
{% endmacro %}
