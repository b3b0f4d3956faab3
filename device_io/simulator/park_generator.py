"""Synthetic parks for the digital twin and for benchmarks: `generate_park(n)` -> a park.yaml dict.

A generated park is shaped like a tenant-mixed industrial park in southern Jiangsu: one grid
connection, enterprise feeders, rooftop/carport PV, batteries, EV chargers, HVAC zones, gas and
waste-heat storage, a Jiangsu-style TOU tariff. Every asset class scales with the device count, so
a 1,000-device benchmark park looks like a bigger demo park, not 1,000 copies of one meter.
The result is a plain dict that validates as `ParkConfig`; the same seed gives the same park.

    python -m device_io.simulator.park_generator_cli --devices 1000 --out /tmp/park_1000.yaml
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Any

from device_io.simulator.park_catalogue import (
    BRANDS,
    CONTROLLABLE,
    F32_METER_MAX_KW,
    INDUSTRIES,
    MAX_UNIT_ID,
    OFFICE_ZONE_C,
    PEOPLE,
    POLL_GROUP,
    POLL_INTERVAL_S,
    TRANSFORMER_KVA,
    Industry,
    checked_mix,
    device_mix,
    enterprise_count,
)

__all__ = ["device_mix", "enterprise_count", "generate_park"]


class _Endpoints:
    """Hands out Modbus TCP endpoints: consecutive ports, unit ids 1.. behind each gateway."""

    def __init__(self, host: str, base_port: int):
        self.host = host
        self.next_port = base_port

    def gateway(self, devices: list[dict[str, Any]], per_gateway: int = MAX_UNIT_ID) -> None:
        for start in range(0, len(devices), per_gateway):
            port = self._take_port()
            for unit_id, device in enumerate(devices[start: start + per_gateway], start=1):
                device.update(host=self.host, port=port, unit_id=unit_id)

    def direct(self, device: dict[str, Any]) -> None:
        device.update(host=self.host, port=self._take_port(), unit_id=1)

    def _take_port(self) -> int:
        if self.next_port > 65535:
            raise ValueError("ran out of TCP ports: lower base_port or use more units per gateway")
        self.next_port += 1
        return self.next_port - 1


def _device(device_id: str, kind: str, register_map: str, *, enterprise: str | None = None,
            asset: str | None = None, rated_kw: float | None = None) -> dict[str, Any]:
    """A device dict; host/port/unit_id are filled in by _Endpoints, in key order for the YAML."""
    group = POLL_GROUP[kind]
    device: dict[str, Any] = {"id": device_id, "kind": kind, "register_map": register_map}
    if enterprise is not None:
        device["enterprise"] = enterprise
    if asset is not None:
        device["asset"] = asset
    device.update(host="", port=0, unit_id=0, poll_group=group)
    if group in POLL_INTERVAL_S:
        device["poll_interval_s"] = POLL_INTERVAL_S[group]
    if kind in CONTROLLABLE:
        device["controllable"] = True
    if rated_kw is not None:
        device["rated_kw"] = rated_kw
    return device


def _transformer_kw(peak_kw: float) -> int:
    """The smallest standard transformer size that carries `peak_kw` with 20 % headroom."""
    need = 1.2 * peak_kw
    for size in TRANSFORMER_KVA:
        if size >= need:
            return size
    return math.ceil(need / 1000) * 1000


def _sig(x: float, digits: int = 3) -> float:
    return float(f"{x:.{digits}g}")


@dataclass
class _Tenant:
    enterprise: dict[str, Any]
    industry: Industry
    profile: dict[str, Any]
    devices: list[dict[str, Any]]
    hvac_kw: float = 0.0

    @property
    def id(self) -> str:
        return str(self.enterprise["id"])

    @property
    def peak_kw(self) -> float:
        return float(self.profile["base_kw"] + self.profile["shift_kw"]) + self.hvac_kw


def _tenants(rng: random.Random, count: int) -> list[_Tenant]:
    brands = rng.sample(BRANDS, len(BRANDS))
    industries = [INDUSTRIES[i % len(INDUSTRIES)] for i in range(count)]
    rng.shuffle(industries)
    tenants: list[_Tenant] = []
    taken: set[str] = set()
    for index, industry in enumerate(industries):
        slug, brand_zh, brand_en = brands[index % len(brands)]
        enterprise_id, copy = f"{slug}-{industry.slug}", 1
        while enterprise_id in taken:
            copy += 1
            enterprise_id = f"{slug}-{industry.slug}-{copy}"
        taken.add(enterprise_id)
        suffix_zh, suffix_en = ("", "") if copy == 1 else (f"(第{copy}分公司)", f" (Branch {copy})")
        person = rng.choice(PEOPLE)
        enterprise = {
            "id": enterprise_id,
            "name_zh": f"苏州{brand_zh}{industry.zh}{suffix_zh}",
            "name_en": f"Suzhou {brand_en} {industry.en}{suffix_en}",
            "industry": industry.key,
            "contacts": [{"name": person, "email": f"energy@{enterprise_id}.example.com",
                          "role": "energy manager"}],
        }
        profile = {
            "base_kw": rng.randrange(industry.base_kw[0], industry.base_kw[1] + 1, 10),
            "shift_kw": rng.randrange(industry.shift_kw[0], industry.shift_kw[1] + 1, 10),
            "shifts": [list(s) for s in rng.choice(industry.shift_patterns)],
            "weekend_factor": industry.weekend_factor,
            "noise_pct": 5.0,
        }
        tenants.append(_Tenant(enterprise, industry, profile, []))
    return tenants


def _add_enterprise_meters(rng: random.Random, tenants: list[_Tenant], n_sub: int,
                           n_gas: int) -> None:
    """One feeder meter per enterprise, extra feeders for the biggest, gas for gas users.

    Extra sub-meters are further incoming feeders (a big plant takes two transformers), never
    meters nested under a feeder: an enterprise's load is the sum of its sub-meters.
    """
    by_size = sorted(tenants, key=lambda t: -t.peak_kw)
    feeders = {t.id: 1 for t in tenants}
    for i in range(n_sub - len(tenants)):
        feeders[by_size[i % len(by_size)].id] += 1
    for tenant in tenants:
        count = feeders[tenant.id]
        rated = _transformer_kw(tenant.peak_kw / count)
        for k in range(1, count + 1):
            use_f32 = rated <= F32_METER_MAX_KW and rng.random() < 0.4
            tenant.devices.append(_device(
                f"meter-{tenant.id}-{k:02d}", "sub_meter",
                "meter_f32_din" if use_f32 else "meter_3ph_u32",
                enterprise=tenant.id, rated_kw=rated))
    gas_users = sorted(tenants, key=lambda t: -t.industry.gas_nm3_per_h[1])  # stable
    for tenant in gas_users[:n_gas]:
        low, high = tenant.industry.gas_nm3_per_h
        tenant.profile["gas_nm3_per_h"] = rng.randrange(low, high + 1, 10) if high else 20
        tenant.devices.append(_device(f"gas-{tenant.id}", "gas_meter", "gas_meter",
                                      enterprise=tenant.id))


def _hvac_zone(rng: random.Random, zone_id: str, enterprise: str | None,
               comfort: tuple[float, float, float]) -> dict[str, Any]:
    """A 1R1C zone: ~10 K design difference at full cooling, a 6-16 h time constant."""
    rated_kw = rng.choice((20, 30, 45, 60, 80, 100, 120, 150))
    cop = round(rng.uniform(3.0, 4.2), 1)
    cooling_kw = rated_kw * cop
    resistance = 10.0 / cooling_kw * rng.uniform(0.8, 1.2)
    capacitance = rng.uniform(6.0, 16.0) / resistance
    zone: dict[str, Any] = {"id": zone_id}
    if enterprise is not None:
        zone["enterprise"] = enterprise
    zone.update(
        rated_electric_kw=rated_kw, cop=cop,
        thermal_resistance_k_per_kw=_sig(resistance),
        thermal_capacitance_kwh_per_k=_sig(capacitance),
        comfort_min_c=comfort[0], comfort_max_c=comfort[1], normal_setpoint_c=comfort[2],
        internal_gain_kw=_sig(cooling_kw * rng.uniform(0.15, 0.35)),
    )
    return zone


def _add_hvac(rng: random.Random, tenants: list[_Tenant], park_devices: list[dict[str, Any]],
              n_hvac: int, zones: list[dict[str, Any]]) -> None:
    """The park service centre gets one zone; the rest go round the enterprises by size."""
    if n_hvac >= 3:
        zone = _hvac_zone(rng, "zone-park-01", None, OFFICE_ZONE_C)
        park_devices.append(_device("hvac-park-01", "hvac", "hvac_controller",
                                    asset=zone["id"], rated_kw=zone["rated_electric_kw"]))
        zones.append(zone)
        n_hvac -= 1
    by_size = sorted(tenants, key=lambda t: -t.peak_kw)
    for i in range(n_hvac):
        tenant = by_size[i % len(by_size)]
        k = i // len(by_size) + 1
        # Each enterprise's first zone is its office; the others are production halls.
        comfort = OFFICE_ZONE_C if k == 1 else tenant.industry.process_zone_c
        zone = _hvac_zone(rng, f"zone-{tenant.id}-{k:02d}", tenant.id, comfort)
        tenant.hvac_kw += zone["rated_electric_kw"]
        tenant.devices.append(_device(f"hvac-{tenant.id}-{k:02d}", "hvac", "hvac_controller",
                                      enterprise=tenant.id, asset=zone["id"],
                                      rated_kw=zone["rated_electric_kw"]))
        zones.append(zone)


def _pv_sites(rng: random.Random, n_inverters: int, endpoints: _Endpoints,
              devices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rooftop and carport systems of 2-10 string inverters (50-110 kW), one logger each."""
    systems: list[dict[str, Any]] = []
    numbers = {"rooftop": 0, "carport": 0}
    remaining = n_inverters
    while remaining:
        mounting = "carport" if len(systems) % 4 == 1 else "rooftop"  # every 4th site, from the 2nd
        size = min(remaining, rng.randint(2, 10) if mounting == "rooftop" else rng.randint(2, 6))
        remaining -= size
        numbers[mounting] += 1
        site_id = f"pv-{'roof' if mounting == 'rooftop' else 'carport'}-{numbers[mounting]:02d}"
        inverter_kw = rng.choice((50, 60, 80, 100, 100, 110, 110))
        dc_ac_ratio = rng.uniform(1.1, 1.3)
        systems.append({
            "id": site_id, "kwp": round(size * inverter_kw * dc_ac_ratio, 1),
            "inverter_kw": size * inverter_kw,
            "tilt_deg": rng.choice((5, 10, 15, 20, 25)) if mounting == "rooftop" else 8,
            "azimuth_deg": 180 + rng.choice((-15, -10, 0, 0, 10, 15)),
            "losses_pct": 14.0, "mounting": mounting,
            "commissioned": dt.date(rng.randint(2021, 2024), rng.randint(1, 12), 1),
        })
        site = [_device(f"{site_id}-inv{k:02d}", "pv_inverter", "sunspec_inverter_103",
                        asset=site_id, rated_kw=inverter_kw) for k in range(1, size + 1)]
        endpoints.gateway(site)
        devices.extend(site)
    return systems


def _ev_chargers(rng: random.Random, count: int) -> tuple[list[dict], list[dict]]:
    """Mostly 7/11/22 kW AC wallboxes; about one in ten a 60/120 kW DC charger."""
    n_dc = max(1, round(0.1 * count)) if count >= 5 else 0
    assets, devices = [], []
    for i in range(1, count + 1):
        is_dc = i > count - n_dc
        charger: dict[str, Any] = {"id": f"evse-{i:03d}", "kind": "dc" if is_dc else "ac"}
        if is_dc:
            charger["max_kw"] = rng.choice((60, 120))
        else:
            charger["max_kw"] = rng.choices((7, 11, 22), weights=(6, 2, 2))[0]
            if charger["max_kw"] == 7:
                charger.update(phases=1, voltage_v=220)
        assets.append(charger)
        devices.append(_device(f"ev-{i:03d}", "ev_charger",
                               "ev_charger_dc" if is_dc else "ev_charger_ac",
                               asset=charger["id"], rated_kw=charger["max_kw"]))
    return assets, devices


def jiangsu_tou_tariff() -> dict[str, Any]:
    """Jiangsu-style 2025 大工业 1-10 kV TOU tariff with a summer critical peak.

    Periods: valley 00-08, peak 08-11 and 17-22, flat 11-17 and 22-24; in July and August
    10-11 and 14-15 are critical peak at peak x 1.2. Prices are illustrative (see `source`).
    """
    summer, other = [7, 8], [1, 2, 3, 4, 5, 6, 9, 10, 11, 12]
    peak = 1.0348
    windows = [
        ("00:00", "08:00", "valley", None),
        ("08:00", "11:00", "peak", other),
        ("08:00", "10:00", "peak", summer),
        ("10:00", "11:00", "critical_peak", summer),
        ("11:00", "17:00", "flat", other),
        ("11:00", "14:00", "flat", summer),
        ("14:00", "15:00", "critical_peak", summer),
        ("15:00", "17:00", "flat", summer),
        ("17:00", "22:00", "peak", None),
        ("22:00", "24:00", "flat", None),
    ]
    return {
        "id": "js-industrial-10kv-2025",
        "valid_from": dt.date(2025, 1, 1),
        "source": (
            "Illustrative, confidence low: shaped after State Grid Jiangsu's 2025 agency-purchase "
            "price lists for 大工业 1-10 kV (two-part tariff) and the Jiangsu DRC TOU notice "
            "(critical peak = peak x 1.2 in Jul/Aug). Replace with the month's published "
            "代理购电价格表. Spread check: national mean maximum peak-valley spread 0.618 CNY/kWh "
            "(reference/market_defaults.csv, tou_peak_valley_spread_national_2025). Export: "
            "Jiangsu coal-fired benchmark 0.391 CNY/kWh."
        ),
        "energy_price_cny_per_kwh": {
            "critical_peak": round(peak * 1.2, 4), "peak": peak, "flat": 0.6201, "valley": 0.2754,
        },
        "windows": [{"start": s, "end": e, "period": p, **({"months": m} if m else {})}
                    for s, e, p, m in windows],
        "demand_charge_cny_per_kw_month": 40.0,
        "export_price_cny_per_kwh": 0.391,
    }


def _recipients() -> dict[str, list[dict[str, str]]]:
    return {
        "park_management": [
            {"name": "园区管委会 能源办", "email": "energy-office@park.example.com",
             "role": "park energy office"},
            {"name": "李主任", "email": "director.li@park.example.com", "role": "deputy director"},
        ],
        "finance": [
            {"name": "财务部 陈敏", "email": "finance@park.example.com", "role": "finance"},
        ],
        "platform_team": [{"name": "Platform on-call", "email": "platform-oncall@example.com",
                           "role": "platform team", "language": "en"}],
    }


def generate_park(n_devices: int, *, seed: int = 7, host: str = "127.0.0.1",
                  base_port: int = 15020, devices_per_gateway: int = 8,
                  mix: dict[str, int] | None = None) -> dict[str, Any]:
    """A synthetic park of exactly `n_devices` devices, as a plain park.yaml dict.

    `mix` overrides `device_mix(n_devices)` (counts by device kind, summing to n_devices), for
    parks heavier in one asset class than the default proportions.
    """
    if not 1 <= devices_per_gateway <= MAX_UNIT_ID:
        raise ValueError(f"devices_per_gateway must be 1..{MAX_UNIT_ID}")
    mix = checked_mix(n_devices, mix)
    rng = random.Random(seed)
    endpoints = _Endpoints(host, base_port)
    tenants = _tenants(rng, enterprise_count(n_devices))
    hvac_zones: list[dict[str, Any]] = []

    park_devices = [_device("grid-main", "grid_meter", "meter_3ph_u32")]
    common_kw = 0
    for k in range(1, mix["common_meter"] + 1):
        common_kw += rng.randrange(40, 121, 10)
        park_devices.append(_device(f"common-{k:02d}", "common_meter",
                                    rng.choice(("meter_3ph_u32", "meter_f32_din")),
                                    rated_kw=rng.choice((250, 315, 400, 500))))
    _add_hvac(rng, tenants, park_devices, mix["hvac"], hvac_zones)
    _add_enterprise_meters(rng, tenants, mix["sub_meter"], mix["gas_meter"])

    endpoints.gateway(park_devices)
    devices = list(park_devices)
    for tenant in tenants:
        tenant.devices.sort(key=lambda d: ("sub_meter", "gas_meter", "hvac").index(d["kind"]))
        endpoints.gateway(tenant.devices)
        devices.extend(tenant.devices)

    pv_systems = _pv_sites(rng, mix["pv_inverter"], endpoints, devices)

    batteries = []
    for k in range(1, mix["bess"] + 1):
        capacity = rng.choice((1000, 1500, 2000, 2500))
        bess_id, power_kw = f"bess-{k:02d}", capacity // 2  # 0.5C, the usual C&I system
        batteries.append({
            "id": bess_id, "capacity_kwh": capacity, "power_kw": power_kw,
            "charge_efficiency": 0.95, "discharge_efficiency": 0.95,
            "soc_min_pct": 10.0, "soc_max_pct": 95.0, "initial_soc_pct": 50.0,
            "commissioned": dt.date(rng.randint(2023, 2025), rng.randint(1, 12), 1),
        })
        device = _device(f"{bess_id}-pcs", "bess", "bess_pcs", asset=bess_id, rated_kw=power_kw)
        endpoints.direct(device)
        devices.append(device)

    thermal = []
    # Furnaces and boilers (the gas users) give the most recoverable heat.
    heat_sources = sorted(tenants, key=lambda t: ("gas_nm3_per_h" not in t.profile, -t.peak_kw))
    for k in range(1, mix["thermal_storage"] + 1):
        capacity = rng.choice((2000, 3000, 4000, 6000))
        source = heat_sources[(k - 1) % len(heat_sources)]
        thermal.append({"id": f"ts-{k:02d}", "capacity_kwh_th": capacity,
                        "max_charge_kw_th": capacity // 4, "max_discharge_kw_th": capacity // 4,
                        "loss_pct_per_hour": round(rng.uniform(0.5, 1.0), 2),
                        "source": f"waste heat: flue gas and air compressors at {source.id}"})
        device = _device(f"ts-{k:02d}-ctl", "thermal_storage", "thermal_storage_controller",
                         asset=f"ts-{k:02d}")
        endpoints.direct(device)
        devices.append(device)

    ev_assets, ev_devices = _ev_chargers(rng, mix["ev_charger"])
    endpoints.gateway(ev_devices, devices_per_gateway)
    devices.extend(ev_devices)

    pv_ac_kw = sum(s["inverter_kw"] for s in pv_systems)
    park_hvac_kw = sum(z["rated_electric_kw"] for z in hvac_zones if "enterprise" not in z)
    park_load_kw = (sum(t.peak_kw for t in tenants) + common_kw + park_hvac_kw
                    + 0.3 * sum(c["max_kw"] for c in ev_assets))
    import_limit_kw = math.ceil(1.1 * park_load_kw / 500) * 500
    devices[0]["rated_kw"] = import_limit_kw
    assert len(devices) == n_devices, (len(devices), n_devices)

    return {
        "park": {
            "id": f"synthetic-{n_devices}",
            "name_zh": f"合成零碳园区({n_devices}台设备)",
            "name_en": f"Synthetic Zero-Carbon Park ({n_devices} devices)",
            "timezone": "Asia/Shanghai",
            "latitude_deg": 31.3, "longitude_deg": 120.7, "altitude_m": 5.0,
            "province": "江苏", "grid_region": "华东",
            "grid_connection": {
                "meter_device_id": "grid-main",
                "import_limit_kw": import_limit_kw,
                "export_limit_kw": round(0.5 * pv_ac_kw, -2),
                "contract_demand_kw": round(0.75 * park_load_kw, -2),
                "voltage_kv": 10.0 if import_limit_kw <= 20000 else 110.0,
            },
        },
        "enterprises": [t.enterprise for t in tenants],
        "devices": devices,
        "assets": {"pv": pv_systems, "batteries": batteries, "ev_chargers": ev_assets,
                   "hvac_zones": hvac_zones, "thermal_storage": thermal},
        "tariffs": [jiangsu_tou_tariff()],
        "targets": {"peak_year": 2030, "neutrality_year": 2045,
                    "core_indicator_limit_tco2_per_tce": 0.2},
        "recipients": _recipients(),
        "simulation": {
            "seed": seed, "cloudiness": 0.35,
            "load_profiles": {t.id: t.profile for t in tenants},
            "common_load_kw": float(common_kw), "ev_sessions_per_charger_day": 1.6,
            "outdoor_temp_mean_c": 17.0, "outdoor_temp_amplitude_c": 6.0,
        },
    }
