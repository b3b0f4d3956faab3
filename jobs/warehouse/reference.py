"""Reference data for the warehouse, exported from the validated config into the landing zone.

dbt joins readings to enterprises, devices and points through these tables, so the config stays
the one place the park is described. Each table is one Parquet file, replaced atomically on
every build (`<landing_root>/reference/<table>.parquet`).
"""

from __future__ import annotations

from collections import Counter

import fsspec
import pyarrow as pa

from device_io.codec import multiplier
from jobs.common import landing
from jobs.common.park_config import Device, DeviceKind, ParkConfig
from jobs.common.register_map import Point, PointRole, RegisterMap
from jobs.common.settings import Settings
from jobs.warehouse.reference_couplings import coupling_reference_tables
from jobs.warehouse.reference_guiding import guiding_reference_tables
from jobs.warehouse.reference_pv_yield import pv_yield_table

# Which counter measures which energy flow of the park, by device kind. The warehouse's
# balance and allocation are written against these flow names, never against point names.
COUNTER_FLOWS: dict[DeviceKind, dict[str, str]] = {
    DeviceKind.GRID_METER: {"energy_import_kwh": "grid_import", "energy_export_kwh": "grid_export"},
    DeviceKind.DIRECT_GREEN_METER: {"energy_import_kwh": "direct_green_import"},
    DeviceKind.SUB_METER: {"energy_import_kwh": "enterprise_load",
                           "energy_export_kwh": "enterprise_export"},
    DeviceKind.COMMON_METER: {"energy_import_kwh": "common_load",
                              "energy_export_kwh": "common_export"},
    DeviceKind.PV_INVERTER: {"energy_total_kwh": "pv_generation"},
    DeviceKind.BESS: {"energy_charged_kwh": "battery_charge",
                      "energy_discharged_kwh": "battery_discharge"},
    DeviceKind.EV_CHARGER: {"energy_total_kwh": "ev_charging"},
    DeviceKind.HVAC: {"energy_kwh": "hvac_load"},
    DeviceKind.GAS_METER: {"volume_total_nm3": "gas"},
    DeviceKind.THERMAL_STORAGE: {"heat_charged_kwh_th": "heat_stored",
                                 "heat_discharged_kwh_th": "heat_released"},
}
# Where a device's map has no counter for a flow, the flow's energy is integrated from a power
# point instead (cheap transducers report power only). Each entry: the counter it stands in
# for -> (power point, sign of the flow's direction in that point, the energy unit). Signs
# follow the devices: meters import positive, batteries and heat stores discharge positive.
POWER_FLOWS: dict[DeviceKind, dict[str, tuple[str, int, str]]] = {
    DeviceKind.GRID_METER: {"energy_import_kwh": ("active_power_kw", 1, "kWh"),
                            "energy_export_kwh": ("active_power_kw", -1, "kWh")},
    DeviceKind.DIRECT_GREEN_METER: {"energy_import_kwh": ("active_power_kw", 1, "kWh")},
    DeviceKind.SUB_METER: {"energy_import_kwh": ("active_power_kw", 1, "kWh"),
                           "energy_export_kwh": ("active_power_kw", -1, "kWh")},
    DeviceKind.COMMON_METER: {"energy_import_kwh": ("active_power_kw", 1, "kWh"),
                              "energy_export_kwh": ("active_power_kw", -1, "kWh")},
    DeviceKind.PV_INVERTER: {"energy_total_kwh": ("ac_power_kw", 1, "kWh")},
    DeviceKind.BESS: {"energy_charged_kwh": ("active_power_kw", -1, "kWh"),
                      "energy_discharged_kwh": ("active_power_kw", 1, "kWh")},
    DeviceKind.EV_CHARGER: {"energy_total_kwh": ("charging_power_kw", 1, "kWh")},
    DeviceKind.HVAC: {"energy_kwh": ("electric_power_kw", 1, "kWh")},
    DeviceKind.GAS_METER: {"volume_total_nm3": ("flow_nm3_per_h", 1, "Nm3")},
    DeviceKind.THERMAL_STORAGE: {"heat_charged_kwh_th": ("thermal_power_kw_th", -1, "kWh_th"),
                                 "heat_discharged_kwh_th": ("thermal_power_kw_th", 1, "kWh_th")},
}
# A counter may rise at most this much faster than the device's rating (metering tolerance,
# short overloads) before a step is implausible.
RATE_HEADROOM = 1.5


def _asset_rating(park: ParkConfig, asset_id: str | None) -> float | None:
    """An asset's largest power (kW, or kW_th for heat), from its own parameters."""
    assets = park.assets
    ratings = {a.id: a.inverter_kw for a in assets.pv}
    ratings |= {a.id: a.power_kw for a in assets.batteries}
    ratings |= {a.id: a.max_kw for a in assets.ev_chargers}
    ratings |= {a.id: a.largest_electric_kw for a in assets.hvac_zones}
    ratings |= {a.id: max(a.max_charge_kw_th, a.max_discharge_kw_th)
                for a in assets.thermal_storage}
    return ratings.get(asset_id) if asset_id else None


def _max_rate_per_h(park: ParkConfig, device: Device) -> float | None:
    """The fastest a device's counters can plausibly rise, in counter units per hour."""
    rating = device.rated_kw or _asset_rating(park, device.asset)
    if device.kind == DeviceKind.GAS_METER and rating is None:
        rating = 10_000.0  # Nm3/h: the flow computer's range
    if device.kind == DeviceKind.WATER_METER and rating is None:
        rating = 5_000.0  # m3/h: the water meter map's flow range (guiding indicators)
    return None if rating is None else rating * RATE_HEADROOM


def _pv_kwp_per_inverter(park: ParkConfig) -> dict[str, float]:
    """Each PV inverter's share of its array's kWp (an array's inverters share it equally)."""
    arrays = {system.id: system for system in park.assets.pv}
    array_of = {d.id: d.asset for d in park.devices
                if d.kind == DeviceKind.PV_INVERTER and d.asset is not None and d.asset in arrays}
    shares = Counter(array_of.values())
    return {device: arrays[array].kwp / shares[array] for device, array in array_of.items()}


def _counter_wrap(point: Point) -> float | None:
    """Where an integer counter wraps to zero; unknown when a device-set scale factor applies."""
    if point.type.is_float or point.scale_factor_point is not None:
        return None
    return (point.type.raw_max + 1) * multiplier(point, None)


def _power_derived_points(park: ParkConfig, device: Device,
                          register_map: RegisterMap) -> list[dict]:
    """Virtual energy points, named like the counter they stand in for, for every flow the
    device's map has no counter for but has a power point for."""
    names = {point.name for point in register_map.points}
    derived = []
    for counter, (power_point, sign, unit) in POWER_FLOWS.get(device.kind, {}).items():
        if counter in names or power_point not in names:
            continue
        derived.append({
            "device_id": device.id, "point": counter, "unit": unit, "is_cumulative": False,
            "energy_flow": COUNTER_FLOWS[device.kind][counter], "counter_wrap": None,
            "max_rate_per_h": _max_rate_per_h(park, device), "valid_min": None,
            "valid_max": None, "power_point": power_point, "power_sign": sign})
    return derived


def reference_tables(settings: Settings) -> dict[str, pa.Table]:
    park = settings.park
    enterprises = pa.Table.from_pylist(
        [{"enterprise_id": e.id, "name_zh": e.name_zh, "name_en": e.name_en,
          "industry": e.industry} for e in park.enterprises],
        schema=pa.schema([("enterprise_id", pa.string()), ("name_zh", pa.string()),
                          ("name_en", pa.string()), ("industry", pa.string())]))
    pv_kwp = _pv_kwp_per_inverter(park)
    devices = pa.Table.from_pylist(
        [{"device_id": d.id, "device_kind": d.kind.value, "register_map": d.register_map,
          "enterprise_id": d.enterprise, "asset_id": d.asset, "poll_interval_s": d.poll_interval_s,
          "poll_group": d.poll_group, "rated_kw": d.rated_kw, "controllable": d.controllable,
          "pv_kwp": pv_kwp.get(d.id), "source_plant": d.source_plant}
         for d in park.devices],
        schema=pa.schema([("device_id", pa.string()), ("device_kind", pa.string()),
                          ("register_map", pa.string()), ("enterprise_id", pa.string()),
                          ("asset_id", pa.string()), ("poll_interval_s", pa.int32()),
                          ("poll_group", pa.string()), ("rated_kw", pa.float64()),
                          ("controllable", pa.bool_()), ("pv_kwp", pa.float64()),
                          ("source_plant", pa.string())]))
    points = []
    for device in park.devices:
        register_map = settings.register_maps[device.register_map]
        flows = COUNTER_FLOWS.get(device.kind, {})
        for point in register_map.points:
            if point.role == PointRole.SCALE_FACTOR:
                continue
            points.append({
                "device_id": device.id, "point": point.name, "unit": point.unit,
                "is_cumulative": point.cumulative, "energy_flow": flows.get(point.name),
                "counter_wrap": _counter_wrap(point) if point.cumulative else None,
                "max_rate_per_h": _max_rate_per_h(park, device) if point.cumulative else None,
                "valid_min": point.valid_min, "valid_max": point.valid_max,
                "power_point": None, "power_sign": None})
        points += _power_derived_points(park, device, register_map)
    device_points = pa.Table.from_pylist(points, schema=pa.schema([
        ("device_id", pa.string()), ("point", pa.string()), ("unit", pa.string()),
        ("is_cumulative", pa.bool_()), ("energy_flow", pa.string()),
        ("counter_wrap", pa.float64()), ("max_rate_per_h", pa.float64()),
        ("valid_min", pa.float64()), ("valid_max", pa.float64()),
        ("power_point", pa.string()), ("power_sign", pa.int8())]))
    park_table = pa.Table.from_pylist([{
        "park_id": park.park.id, "name_zh": park.park.name_zh, "name_en": park.park.name_en,
        "timezone": park.park.timezone, "province": park.park.province,
        "grid_region": park.park.grid_region,
        "import_limit_kw": park.park.grid_connection.import_limit_kw,
        "export_limit_kw": park.park.grid_connection.export_limit_kw,
        "contract_demand_kw": park.park.grid_connection.contract_demand_kw,
        "core_indicator_limit_tco2_per_tce": park.targets.core_indicator_limit_tco2_per_tce,
        "peak_year": park.targets.peak_year, "neutrality_year": park.targets.neutrality_year,
        "allowance_factor_kgco2_per_kwh": park.targets.allowance_factor_kgco2_per_kwh,
        **_national_limit(park)}])
    return {"enterprises": enterprises, "devices": devices, "device_points": device_points,
            "park": park_table,
            # the site's modelled PV yield, to size the PV that would close a gap
            "pv_site_yield": pv_yield_table(park),
            **guiding_reference_tables(park), **coupling_reference_tables(park)}


def _national_limit(park: ParkConfig) -> dict[str, object]:
    """The limit the national assessment uses below the national size bands, and its source."""
    targets = park.targets
    if targets.national_limit_below_band_tco2_per_tce is None:
        limit = targets.core_indicator_limit_tco2_per_tce
        default_source = "the park's own target (targets.core_indicator_limit_tco2_per_tce)"
    else:
        limit = targets.national_limit_below_band_tco2_per_tce
        default_source = "park config (targets.national_limit_below_band_tco2_per_tce)"
    return {"national_limit_below_band_tco2_per_tce": limit,
            "national_limit_source": targets.national_limit_source or default_source}


def export_reference(settings: Settings) -> list[str]:
    """Write every reference table; returns the paths."""
    paths = []
    for name, table in reference_tables(settings).items():
        path = f"{settings.landing_root}/reference/{name}.parquet"
        payload = landing.serialise_parquet(table)
        # an unchanged file keeps its modification time: the build then knows that the
        # nodes reading it need not run (jobs/warehouse/build_inputs.py)
        if _current_bytes(path) != payload:
            landing.write_atomically(path, payload)
        paths.append(path)
    return paths


def _current_bytes(path: str) -> bytes | None:
    fs, fs_path = fsspec.core.url_to_fs(path)
    try:
        with fs.open(fs_path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
