with source as (
    select * from {{ source('reference', 'enterprises') }}
),

final as (
    select * from source
)

select * from final
