-- The energy flows of fct_interval_energy and how they add up. Some flows are metered inside
-- others (an HVAC controller's kWh are already on its owner's feeder): summing energy_kwh over
-- every flow counts them twice. Join on energy_flow and keep `included_in_flow is null`.

with flows (energy_flow, value_column, balance_side, included_in_flow, meaning) as (
    values
        ('grid_import', 'energy_kwh', 'supply', null, 'import through the grid connection meter'),
        ('direct_green_import', 'energy_kwh', 'supply', null,
         'import through a direct green supply line (绿电直连)'),
        ('pv_generation', 'energy_kwh', 'supply', null, 'on-site PV generation (AC)'),
        ('battery_discharge', 'energy_kwh', 'supply', null, 'battery discharge'),
        ('grid_export', 'energy_kwh', 'use', null, 'export through the grid connection meter'),
        ('enterprise_load', 'energy_kwh', 'use', null, 'an enterprise feeder''s import'),
        ('enterprise_export', 'energy_kwh', 'use_offset', null,
         'an enterprise feeder''s export: subtracted from enterprise_load'),
        ('common_load', 'energy_kwh', 'use', null, 'a common-area meter''s import'),
        ('common_export', 'energy_kwh', 'use_offset', null,
         'a common-area meter''s export: subtracted from common_load'),
        ('ev_charging', 'energy_kwh', 'use', null, 'EV chargers'),
        ('battery_charge', 'energy_kwh', 'use', null, 'battery charge'),
        ('hvac_load', 'energy_kwh', 'inside_another', 'enterprise_load',
         'HVAC, metered inside its owner''s feeder (enterprise_load; common_load for the park''s own)'),
        ('gas', 'gas_nm3', 'outside_balance', null, 'natural gas, Nm3'),
        ('heat_stored', 'heat_kwh_th', 'outside_balance', null, 'heat into thermal storage, kWh_th'),
        ('heat_released', 'heat_kwh_th', 'outside_balance', null,
         'heat out of thermal storage, kWh_th')
),

final as (
    select
        energy_flow,
        value_column,
        balance_side,
        included_in_flow,
        included_in_flow is not null as is_subset_of_another_flow,
        meaning
    from flows
)

select * from final
