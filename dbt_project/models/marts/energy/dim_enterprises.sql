with enterprises as (
    select * from {{ ref('stg_reference__enterprises') }}
),

final as (
    select enterprise_id, name_zh, name_en, industry from enterprises
)

select * from final
