with source as (
    select * from {{ source('reference', 'park') }}
),

final as (
    select * from source
)

select * from final
