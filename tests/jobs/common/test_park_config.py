"""The park description: the shipped demo park, generated parks, every way a file is rejected."""

from __future__ import annotations

import collections
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from device_io.simulator.park_generator import device_mix, generate_park
from device_io.simulator.park_generator_cli import main
from jobs.common.config_errors import ConfigError
from jobs.common.park_config import DeviceKind, ParkConfig, check_devices_against_maps
from jobs.common.park_yaml import write_park_yaml
from jobs.common.register_map import load_register_maps
from jobs.common.settings import DEFAULT_CONFIG_DIR, load_settings

MAPS_DIR = DEFAULT_CONFIG_DIR / "register_maps"
CONTROLLABLE = {"bess", "pv_inverter", "ev_charger", "hvac", "thermal_storage"}
POLL_GROUPS = {"grid_meter": "meters", "direct_green_meter": "meters", "sub_meter": "meters",
               "common_meter": "meters",
               "gas_meter": "meters", "pv_inverter": "pv", "bess": "storage",
               "thermal_storage": "storage", "ev_charger": "ev", "hvac": "hvac"}
ASSET_GROUP = {"pv_inverter": "pv", "bess": "batteries", "ev_charger": "ev_chargers",
               "hvac": "hvac_zones", "thermal_storage": "thermal_storage"}


@pytest.fixture(scope="module")
def demo() -> ParkConfig:
    return load_settings().park


def kinds(park: ParkConfig) -> collections.Counter[str]:
    return collections.Counter(d.kind.value for d in park.devices)


def check_structure(park: ParkConfig) -> None:
    """Rules every park this project ships or generates keeps (beyond what the model checks)."""
    assets = {group: {a.id: a for a in getattr(park.assets, group)}
              for group in set(ASSET_GROUP.values())}
    used: dict[str, list[str]] = collections.defaultdict(list)
    for device in park.devices:
        kind = device.kind.value
        assert device.poll_group == POLL_GROUPS[kind], device.id
        assert device.controllable == (kind in CONTROLLABLE), device.id
        if kind in ASSET_GROUP:
            asset = device.asset
            assert asset is not None and asset in assets[ASSET_GROUP[kind]], device.id
            used[asset].append(device.id)
        else:
            assert device.asset is None, device.id
        if kind in {"sub_meter", "gas_meter"}:
            assert device.enterprise is not None, device.id
        if kind in {"grid_meter", "sub_meter", "common_meter"}:
            assert device.rated_kw, device.id
    for group in ("batteries", "ev_chargers", "hvac_zones", "thermal_storage"):
        for asset_id in assets[group]:
            assert len(used[asset_id]) == 1, asset_id
    for system in park.assets.pv:
        inverters = [park.device(i) for i in used[system.id]]
        assert inverters, system.id
        assert sum(i.rated_kw or 0 for i in inverters) == system.inverter_kw
        # what one SunSpec inverter map can report (ac_power_kw valid_max 300)
        assert all(50 <= (i.rated_kw or 0) <= 300 for i in inverters)
    # Endpoints: batteries alone on their port; one enterprise per gateway; EV gateways <= 8.
    by_port: dict[int, list] = collections.defaultdict(list)
    for device in park.devices:
        by_port[device.port].append(device)
    for devices in by_port.values():
        units = sorted(d.unit_id for d in devices)
        assert units == list(range(1, len(devices) + 1))
        if any(d.kind == DeviceKind.BESS for d in devices):
            assert len(devices) == 1
        assert len({d.enterprise for d in devices}) == 1
        if devices[0].kind == DeviceKind.EV_CHARGER:
            assert len(devices) <= 8 and all(d.kind == DeviceKind.EV_CHARGER for d in devices)
    ports = sorted(by_port)
    assert ports == list(range(ports[0], ports[0] + len(ports)))
    assert set(park.simulation.load_profiles) == {e.id for e in park.enterprises}
    for enterprise in park.enterprises:
        feeders = [d for d in park.devices
                   if d.kind == DeviceKind.SUB_METER and d.enterprise == enterprise.id]
        profile = park.simulation.load_profiles[enterprise.id]
        assert feeders, enterprise.id
        assert sum(d.rated_kw or 0 for d in feeders) >= profile.base_kw + profile.shift_kw
        assert 10 <= profile.base_kw <= 800 and 10 <= profile.shift_kw <= 2500
        has_gas = any(d.kind == DeviceKind.GAS_METER and d.enterprise == enterprise.id
                      for d in park.devices)
        assert has_gas == (profile.gas_nm3_per_h > 0), enterprise.id
    grid = park.park.grid_connection
    assert park.device(grid.meter_device_id).kind == DeviceKind.GRID_METER
    assert grid.contract_demand_kw < grid.import_limit_kw
    assert grid.export_limit_kw <= sum(p.inverter_kw for p in park.assets.pv)


# --- the shipped demo park ---------------------------------------------------------------------


def test_demo_park_is_a_suzhou_park_of_about_120_devices(demo: ParkConfig) -> None:
    assert 8 <= len(demo.enterprises) <= 12
    assert 100 <= len(demo.devices) <= 140
    assert demo.park.timezone == "Asia/Shanghai"
    assert demo.park.grid_region == "华东"
    assert (round(demo.park.latitude_deg, 1), round(demo.park.longitude_deg, 1)) == (31.3, 120.7)
    assert "苏州" in demo.park.name_zh and "Suzhou" in demo.park.name_en
    assert all(e.name_zh and e.name_en for e in demo.enterprises)
    check_structure(demo)


def test_demo_park_asset_mix(demo: ParkConfig) -> None:
    counts = kinds(demo)
    assert counts["grid_meter"] == 1
    assert counts["direct_green_meter"] == 1  # the off-site wind line (绿电直连)
    assert counts["sub_meter"] >= len(demo.enterprises)
    assert counts["common_meter"] >= 1
    assert 1 <= counts["gas_meter"] <= 2
    assert counts["thermal_storage"] == len(demo.assets.thermal_storage) == 1
    assert counts["hvac"] == len(demo.assets.hvac_zones) >= 10

    pv = demo.assets.pv
    assert 6000 <= sum(p.kwp for p in pv) <= 10000  # enough to export on sunny middays
    assert {p.mounting for p in pv} == {"rooftop", "carport"}
    assert all(1.0 <= p.kwp / p.inverter_kw <= 1.4 for p in pv)

    batteries = sorted((b.capacity_kwh, b.power_kw) for b in demo.assets.batteries)
    assert batteries == [(1000, 500), (2000, 1000)]

    chargers = collections.Counter(c.kind for c in demo.assets.ev_chargers)
    assert 35 <= chargers["ac"] + chargers["dc"] <= 50
    assert 1 <= chargers["dc"] <= 0.2 * (chargers["ac"] + chargers["dc"])
    assert {c.max_kw for c in demo.assets.ev_chargers if c.kind == "ac"} <= {7, 11, 22}
    assert {c.max_kw for c in demo.assets.ev_chargers if c.kind == "dc"} <= {60, 120}


def test_demo_park_grid_connection_fits_its_loads(demo: ParkConfig) -> None:
    grid = demo.park.grid_connection
    profiles = demo.simulation.load_profiles.values()
    base_kw = sum(p.base_kw for p in profiles) + demo.simulation.common_load_kw
    peak_kw = sum(p.base_kw + p.shift_kw for p in profiles)
    assert base_kw < grid.contract_demand_kw <= peak_kw * 1.2
    assert peak_kw <= grid.import_limit_kw
    assert demo.device(grid.meter_device_id).rated_kw == grid.import_limit_kw


def test_demo_tariff_prices_every_quarter_hour_of_every_month_once(demo: ParkConfig) -> None:
    (tariff,) = demo.tariffs
    assert tariff.source and tariff.valid_from <= dt.date(2025, 1, 1)
    prices = tariff.energy_price_cny_per_kwh
    assert prices["critical_peak"] > prices["peak"] > prices["flat"] > prices["valley"] > 0
    assert 35 <= tariff.demand_charge_cny_per_kw_month <= 45

    def minutes(hhmm: str) -> int:
        hours, mins = hhmm.split(":")
        return int(hours) * 60 + int(mins)

    for month in range(1, 13):
        slots = [0] * 96
        periods = set()
        for window in tariff.windows:
            if window.months is not None and month not in window.months:
                continue
            periods.add(window.period)
            for slot in range(minutes(window.start) // 15, minutes(window.end) // 15):
                slots[slot] += 1
        assert slots == [1] * 96, month
        assert ("critical_peak" in periods) == (month in (7, 8))


def test_demo_targets_and_recipients(demo: ParkConfig) -> None:
    assert (demo.targets.peak_year, demo.targets.neutrality_year) == (2030, 2045)
    assert demo.targets.core_indicator_limit_tco2_per_tce == 0.2
    contacts = [c for group in (demo.recipients.park_management, demo.recipients.finance,
                                demo.recipients.platform_team) for c in group]
    contacts += [c for e in demo.enterprises for c in e.contacts]
    assert contacts and all(c.email.endswith("example.com") for c in contacts)
    # English readers: one enterprise's parent group, the park office's English copy, the
    # lender and the platform team; everyone else reads Chinese
    assert {c.email for c in contacts if c.language == "en"} == {
        "sustainability@gusu-data.example.com", "office-en@park.example.com",
        "credit@bank.example.com", "platform-oncall@example.com"}


def test_demo_park_file_keeps_secrets_out_and_explains_itself() -> None:
    text = (DEFAULT_CONFIG_DIR / "park.yaml").read_text(encoding="utf-8")
    header = text[: text.index("\npark:")]
    assert all(line.startswith("#") or not line for line in header.splitlines())
    assert "SECRETS NEVER LIVE HERE" in header
    for section in ("park", "harvest", "enterprises", "devices", "assets", "tariffs",
                    "targets", "recipients", "simulation"):
        assert f"#   {section} " in header
    assert "password" not in text.replace("SMTP passwords", "").lower()


# --- generated parks -----------------------------------------------------------------------------


@pytest.mark.parametrize("n_devices", [50, 120, 1000])
def test_generated_park_validates_with_exactly_n_devices(n_devices: int) -> None:
    raw = generate_park(n_devices)
    park = ParkConfig.model_validate(raw)
    check_devices_against_maps(park, load_register_maps(MAPS_DIR), Path("<generated>"))
    assert len(park.devices) == n_devices
    assert len(park.enterprises) == -(-n_devices // 12)
    check_structure(park)


@pytest.mark.parametrize("n_devices", [50, 120, 1000])
def test_generated_mix_follows_the_asset_shares(n_devices: int) -> None:
    counts = kinds(ParkConfig.model_validate(generate_park(n_devices)))
    assert counts == collections.Counter(device_mix(n_devices))
    assert counts["grid_meter"] == 1
    assert 0.30 <= counts["ev_charger"] / n_devices <= 0.40
    assert 0.10 <= counts["pv_inverter"] / n_devices <= 0.20
    assert 0.15 <= counts["hvac"] / n_devices <= 0.30
    assert counts["bess"] == max(n_devices // 60, 1)
    assert counts["thermal_storage"] == n_devices // 120
    assert counts["gas_meter"] == -(-n_devices // 12) // 4


def test_generated_park_is_deterministic_under_its_seed() -> None:
    assert generate_park(120, seed=11) == generate_park(120, seed=11)
    assert generate_park(120, seed=11) != generate_park(120, seed=12)


def test_generated_endpoints_follow_the_arguments() -> None:
    park = ParkConfig.model_validate(
        generate_park(200, host="10.0.0.5", base_port=30000, devices_per_gateway=4))
    assert {d.host for d in park.devices} == {"10.0.0.5"}
    assert min(d.port for d in park.devices) == 30000
    ev_ports = collections.Counter(d.port for d in park.devices if d.kind == "ev_charger")
    assert max(ev_ports.values()) == 4


def test_generator_rejects_impossible_requests() -> None:
    with pytest.raises(ValueError, match="at least 10 devices"):
        generate_park(5)
    with pytest.raises(ValueError, match="sum to 119"):
        generate_park(120, mix={**device_mix(120), "hvac": device_mix(120)["hvac"] - 1})
    with pytest.raises(ValueError, match="devices_per_gateway"):
        generate_park(50, devices_per_gateway=0)


def test_written_park_loads_through_settings(tmp_path: Path) -> None:
    shutil.copytree(MAPS_DIR, tmp_path / "register_maps")
    config = generate_park(75, seed=5)
    write_park_yaml(config, tmp_path / "park.yaml")
    settings = load_settings(tmp_path, data_root=str(tmp_path / "data"))
    assert settings.park == ParkConfig.model_validate(config)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["park.yaml", "register_maps"]
    assert (tmp_path / "park.yaml").stat().st_mode & 0o777 == 0o644
    text = (tmp_path / "park.yaml").read_text(encoding="utf-8")
    assert text.startswith("#") and "苏州" in text  # unicode kept readable, not escaped
    assert "- {id: grid-main, kind: grid_meter" in text  # one device per line


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "park.yaml"
    path.write_text("old: true\n", encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_park_yaml(generate_park(20), path)
    assert path.read_text(encoding="utf-8") == "old: true\n"
    assert [p.name for p in tmp_path.iterdir()] == ["park.yaml"]


def test_command_line_writes_a_bigger_park(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "parks" / "park_300.yaml"
    main(["--devices", "300", "--out", str(out), "--seed", "3"])
    assert "300 devices" in capsys.readouterr().out
    shutil.copytree(MAPS_DIR, tmp_path / "parks" / "register_maps")
    assert len(load_settings(tmp_path / "parks", park_file="park_300.yaml").park.devices) == 300


# --- rejected files ------------------------------------------------------------------------------


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    shutil.copytree(MAPS_DIR, tmp_path / "register_maps")
    write_park_yaml(generate_park(30, seed=1), tmp_path / "park.yaml")
    return tmp_path


def rejection(config_dir: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_settings(config_dir)
    return str(info.value)


def find(park: dict, kind: str, nth: int = 0) -> tuple[int, dict]:
    matches = [(i, d) for i, d in enumerate(park["devices"]) if d["kind"] == kind]
    return matches[nth]


def unknown_register_map(park: dict) -> list[str]:
    i, device = find(park, "sub_meter")
    device["register_map"] = "meter_dtsu666"
    return [f"devices[{i}]({device['id']}).register_map", "unknown register map 'meter_dtsu666'"]


def duplicate_device_id(park: dict) -> list[str]:
    _, first = find(park, "ev_charger", 0)
    i, second = find(park, "ev_charger", 1)
    second["id"] = first["id"]
    return [f"devices[{i}]({first['id']}).id: duplicate device id '{first['id']}'"]


def duplicate_endpoint(park: dict) -> list[str]:
    # The later device in the file is the one reported.
    _, first = find(park, "pv_inverter", 0)
    i, second = find(park, "ev_charger", 0)
    second.update(host=first["host"], port=first["port"], unit_id=first["unit_id"])
    return [f"devices[{i}]({second['id']}).unit_id",
            f"{first['host']}:{first['port']} unit {first['unit_id']} is already used by "
            f"'{first['id']}'"]


def unit_id_zero(park: dict) -> list[str]:
    i, device = find(park, "hvac")
    device["unit_id"] = 0
    return [f"devices[{i}]({device['id']}).unit_id", "greater than or equal to 1"]


def unit_id_248(park: dict) -> list[str]:
    i, device = find(park, "hvac")
    device["unit_id"] = 248
    return [f"devices[{i}]({device['id']}).unit_id", "less than or equal to 247"]


def port_zero(park: dict) -> list[str]:
    i, device = find(park, "bess")
    device["port"] = 0
    return [f"devices[{i}]({device['id']}).port", "greater than or equal to 1"]


def port_65536(park: dict) -> list[str]:
    i, device = find(park, "bess")
    device["port"] = 65536
    return [f"devices[{i}]({device['id']}).port", "less than or equal to 65535"]


def unknown_enterprise(park: dict) -> list[str]:
    i, device = find(park, "sub_meter")
    device["enterprise"] = "no-such-company"
    return [f"devices[{i}]({device['id']}).enterprise: unknown enterprise 'no-such-company'"]


def unknown_asset(park: dict) -> list[str]:
    i, device = find(park, "bess")
    device["asset"] = "bess-99"
    return [f"devices[{i}]({device['id']}).asset: unknown asset 'bess-99'"]


def unknown_time_zone(park: dict) -> list[str]:
    park["park"]["timezone"] = "Asia/Suzhou"
    return ["park.timezone", "unknown time zone 'Asia/Suzhou'"]


def kind_not_served_by_map(park: dict) -> list[str]:
    i, device = find(park, "sub_meter")
    device["register_map"] = "gas_meter"
    return [f"devices[{i}]({device['id']}).register_map",
            "map 'gas_meter' is for gas_meter devices, not 'sub_meter'"]


def controllable_meter(park: dict) -> list[str]:
    i, device = find(park, "grid_meter")
    device["controllable"] = True
    return [f"devices[{i}]({device['id']}).controllable",
            "map 'meter_3ph_u32' has no writable point"]


def unpriced_tariff_period(park: dict) -> list[str]:
    tariff = park["tariffs"][0]
    del tariff["energy_price_cny_per_kwh"]["critical_peak"]
    return [f"tariffs[0]({tariff['id']})", "windows use periods without a price: ['critical_peak']"]


PARK_CASES: list[Callable[[dict], list[str]]] = [
    unknown_register_map, duplicate_device_id, duplicate_endpoint, unit_id_zero, unit_id_248,
    port_zero, port_65536, unknown_enterprise, unknown_asset, unknown_time_zone,
    kind_not_served_by_map, controllable_meter, unpriced_tariff_period,
]


@pytest.mark.parametrize("mutate", PARK_CASES, ids=lambda f: f.__name__)
def test_bad_park_file_is_rejected_naming_file_path_and_reason(
        config_dir: Path, mutate: Callable[[dict], list[str]]) -> None:
    path = config_dir / "park.yaml"
    park = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected = mutate(park)
    path.write_text(yaml.safe_dump(park, allow_unicode=True, sort_keys=False), encoding="utf-8")
    message = rejection(config_dir)
    assert message.startswith(f"{path}: ")
    for fragment in expected:
        assert fragment in message


def test_invalid_yaml_is_rejected(config_dir: Path) -> None:
    path = config_dir / "park.yaml"
    path.write_text("park:\n  id: broken\n  devices: [unclosed\n", encoding="utf-8")
    message = rejection(config_dir)
    assert message.startswith(f"{path}: not valid YAML")
    assert "line 4" in message or "line 3" in message  # the parser's position is kept


def edit_map(config_dir: Path, model: str, change: Callable[[dict], Any],
             file_name: str | None = None) -> Path:
    source = config_dir / "register_maps" / f"{model}.yaml"
    document = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(document)
    target = config_dir / "register_maps" / f"{file_name or model}.yaml"
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def point(document: dict, name: str) -> tuple[int, dict]:
    for index, item in enumerate(document["points"]):
        if item["name"] == name:
            return index, item
    raise KeyError(name)


def test_writable_point_without_write_bounds(config_dir: Path) -> None:
    index, _ = point(yaml.safe_load((MAPS_DIR / "bess_pcs.yaml").read_text()),
                     "power_setpoint_kw")
    path = edit_map(config_dir, "bess_pcs",
                    lambda doc: point(doc, "power_setpoint_kw")[1].pop("write_min"))
    message = rejection(config_dir)
    assert message.startswith(f"{path}: ")
    assert f"points[{index}](power_setpoint_kw)" in message
    assert "is writable but has no write bounds" in message


def test_overlapping_registers(config_dir: Path) -> None:
    # A classic slip: a 32-bit current at 3 occupies 3..4, and a voltage is put at 4.
    path = edit_map(config_dir, "meter_3ph_u32",
                    lambda doc: point(doc, "voltage_l3_v")[1].update(address=4))
    message = rejection(config_dir)
    assert message.startswith(f"{path}: ")
    assert ("registers overlap in holding table: 'current_l1_a' (3..4) and 'voltage_l3_v' "
            "(4..4)") in message


def test_unknown_scale_factor_point(config_dir: Path) -> None:
    path = edit_map(config_dir, "sunspec_inverter_103",
                    lambda doc: point(doc, "ac_current_a")[1].update(scale_factor_point="amps_sf"))
    message = rejection(config_dir)
    assert message.startswith(f"{path}: ")
    assert ("point 'ac_current_a': scale_factor_point 'amps_sf' is not a point of this map"
            in message)


def test_model_name_must_equal_file_name(config_dir: Path) -> None:
    path = edit_map(config_dir, "meter_3ph_u32", lambda doc: None, file_name="meter_copy")
    message = rejection(config_dir)
    assert message == (f"{path}: model 'meter_3ph_u32' must equal the file name 'meter_copy'")


def test_point_names_must_be_snake_case(config_dir: Path) -> None:
    path = edit_map(config_dir, "gas_meter",
                    lambda doc: point(doc, "flow_nm3_per_h")[1].update(name="FlowNm3PerH"))
    message = rejection(config_dir)
    assert message.startswith(f"{path}: ")
    assert "points[0](FlowNm3PerH).name" in message
    assert "point name 'FlowNm3PerH' must be snake_case" in message
