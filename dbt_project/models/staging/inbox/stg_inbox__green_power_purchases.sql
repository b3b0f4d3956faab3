-- The latest landed row per natural key: a corrected file supersedes an earlier one.
with source as (
    select * from {{ source('inbox', 'inbox_green_power') }}
),

latest as (
    select *
    from source
    qualify row_number() over (partition by enterprise_id, month, contract_id order by loaded_at_utc desc) = 1
),

final as (
    select * exclude ("date") from latest
)

select * from final
