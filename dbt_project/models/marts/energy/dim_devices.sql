with devices as (
    select * from {{ ref('stg_reference__devices') }}
),

enterprises as (
    select * from {{ ref('stg_reference__enterprises') }}
),

final as (
    select
        devices.device_id,
        devices.device_kind,
        devices.register_map,
        devices.enterprise_id,
        enterprises.name_zh as enterprise_name_zh,
        enterprises.name_en as enterprise_name_en,
        devices.asset_id,
        devices.poll_group,
        devices.poll_interval_s,
        devices.rated_kw,
        devices.controllable,
        -- a direct green supply line (绿电直连): the off-site plant it comes from
        devices.source_plant
    from devices
    left join enterprises on devices.enterprise_id = enterprises.enterprise_id
)

select * from final
