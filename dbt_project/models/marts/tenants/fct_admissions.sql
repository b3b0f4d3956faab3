-- The latest admission assessment of each application (`park admit`, the admission queue):
-- its outcome, the applicant's year by the national method and its effect on the park's core
-- indicator (calculation national_910), and the binding condition.
with assessed as (
    select * from {{ ref('stg_tenants__admissions') }}
),

final as (
    select *
    from assessed
    qualify row_number() over (partition by application_id order by assessed_at_utc desc) = 1
)

select * from final
