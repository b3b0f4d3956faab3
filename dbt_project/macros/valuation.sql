{# The valuation's landed rows, typed (jobs/valuation/schemas.py), without the partition
   column. #}
{% macro staged_valuation(source_relation) %}
with source as (
    select * from {{ source_relation }}
),

final as (
    select
        * exclude ("date", created_at_utc, month, price_date),
        cast(created_at_utc as timestamptz) as created_at_utc,
        cast(month as date) as month,
        cast(price_date as date) as price_date
    from source
)

select * from final
{% endmacro %}


{# The latest valuation run of each month: a re-run of a month supersedes it whole, so rows
   of an asset or enterprise dropped from the config do not linger. #}
{% macro latest_valuation_run(relation) %}
with landed as (
    select * from {{ relation }}
),

final as (
    select * exclude (latest_created_at_utc)
    from (
        select *, max(created_at_utc) over (partition by month) as latest_created_at_utc
        from landed
    )
    where created_at_utc = latest_created_at_utc
)

select * from final
{% endmacro %}
