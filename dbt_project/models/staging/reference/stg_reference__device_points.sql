with source as (
    select * from {{ source('reference', 'device_points') }}
),

final as (
    select * from source
)

select * from final
