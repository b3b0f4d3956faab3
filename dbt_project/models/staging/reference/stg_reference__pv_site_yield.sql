with source as (
    select * from {{ source('reference', 'pv_site_yield') }}
),

final as (
    select month_of_year, kwh_per_kwp, model from source
)

select * from final
