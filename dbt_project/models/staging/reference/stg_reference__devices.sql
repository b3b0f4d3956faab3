with source as (
    select * from {{ source('reference', 'devices') }}
),

final as (
    select * from source
)

select * from final
