with parks as (
    select * from {{ ref('stg_parks__parks') }}
),

final as (
    select
        park_id,
        included,
        problem,
        cast(exported_at_utc as timestamp with time zone) as exported_at_utc,
        source_version,
        name_zh,
        name_en,
        manifest_sha256,
        rebuilt
    from parks
)

select * from final
