-- Each enterprise's latest outcome of each annual assessment and mid-term review (年度考核 +
-- 中期评估, jobs/assessment): a re-run of a period supersedes the earlier one.
with assessed as (
    select * from {{ ref('stg_tenants__enterprise_assessments') }}
),

final as (
    select *
    from assessed
    qualify row_number() over (partition by enterprise_id, period_kind, year
                               order by assessed_at_utc desc) = 1
)

select * from final
