"""Hostile variants of the real config (issue 14): each is config/park.yaml or one of its register
maps with exactly one change, and `park validate` must refuse it with the file, the path inside
it and the reason, exit code 2, never a traceback. The table below is the catalogue."""

from __future__ import annotations

import codecs
import copy
import math
import shutil
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, BeforeValidator
from typer.testing import CliRunner

from jobs.cli import app
from jobs.common.config_types import Strict, refuse_bool
from jobs.common.park_config import ParkConfig
from jobs.common.register_map import Point, RegisterMap

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONFIG_DIR = PROJECT_ROOT / "config"
PARK_TEXT = (CONFIG_DIR / "park.yaml").read_text(encoding="utf-8")
runner = CliRunner()


@dataclass(frozen=True)
class Variant:
    """One change to one file of the real config, and what the rejection must say."""

    name: str
    file: str  # relative to the config folder
    old: str | None  # text replaced once (None: `make` builds the file's bytes)
    new: str | None
    expected: list[str]  # fragments of the message: the path inside the file, the reason
    make: Callable[[bytes], bytes] | None = field(default=None, compare=False)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def dup_line() -> str:
    return f"(line {line_of(PARK_TEXT, '  timezone: Asia/Shanghai')} and line "


ALIAS_BOMB = "bomb0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"bomb{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 10)}]\n" for k in range(1, 10))

# zone-park-01's heating band and heat pump input (the first zone)
HEATING = ("heating_comfort_min_c: 18.0, heating_comfort_max_c: 22.0, heating_setpoint_c: 20.0, "
           "heating_rated_electric_kw: 40}")

PARK_VARIANTS = [
    # accepted wrongly before
    Variant("key given twice", "park.yaml", "  timezone: Asia/Shanghai\n",
            "  timezone: Asia/Shanghai\n  timezone: Asia/Tokyo\n",
            ["park.timezone: key 'timezone' is given twice in one mapping", dup_line()]),
    Variant("unit_id true", "park.yaml", "port: 15020, unit_id: 1,", "port: 15020, unit_id: true,",
            ["devices[0](grid-main).unit_id", "true is a yes/no value, not a number"]),
    Variant("rated_kw yes", "park.yaml", "unit_id: 1, poll_group: meters, rated_kw: 8000",
            "unit_id: 1, poll_group: meters, rated_kw: yes",
            ["devices[0](grid-main).rated_kw", "true is a yes/no value, not a number"]),
    Variant("localhost and 127.0.0.1 on one unit", "park.yaml",
            "host: 127.0.0.1, port: 15020, unit_id: 2,",
            "host: localhost, port: 15020, unit_id: 1,",
            ["devices[2](common-01).unit_id",
             "localhost:15020 unit 1 is already used by 'grid-main' (as 127.0.0.1)"]),
    Variant("127.1 is 127.0.0.1", "park.yaml",
            "host: 127.0.0.1, port: 15020, unit_id: 2,", "host: '127.1', port: 15020, unit_id: 1,",
            ["devices[2](common-01).unit_id", "127.1:15020 unit 1 is already used by 'grid-main'"]),
    Variant("import limit 1e308", "park.yaml", "import_limit_kw: 8000", "import_limit_kw: 1e308",
            ["park.grid_connection.import_limit_kw", "less than or equal to 1000000"]),
    Variant("import limit .inf", "park.yaml", "import_limit_kw: 8000", "import_limit_kw: .inf",
            ["park.grid_connection.import_limit_kw", "finite number"]),
    Variant("altitude NaN (a float without constraint)", "park.yaml", "altitude_m: 4.0",
            "altitude_m: .nan", ["park.altitude_m", "finite number"]),
    Variant("core indicator NaN", "park.yaml", "core_indicator_limit_tco2_per_tce: 0.2",
            "core_indicator_limit_tco2_per_tce: .nan",
            ["targets.core_indicator_limit_tco2_per_tce", "finite number"]),
    Variant("battery capacity 1e30", "park.yaml", "capacity_kwh: 2000,",
            "capacity_kwh: 1.0e+30,",
            ["assets.batteries[0](bess-01).capacity_kwh", "less than or equal to 10000000"]),
    Variant("back-off start above its cap", "park.yaml", "backoff_initial_s: 30.0",
            "backoff_initial_s: 600.0",
            ["at harvest: ", "backoff_initial_s (600 s) is above backoff_max_s (300 s)"]),
    Variant("intraday deadline beyond half the cycle", "park.yaml", "scorecards:\n",
            "dispatch:\n  intraday_deadline_s: 500\nscorecards:\n",
            ["at dispatch: ", "intraday_deadline_s (500 s) must be below half the 15-minute "
             "cycle (450 s)"]),
    Variant("intraday deadline NaN", "park.yaml", "scorecards:\n",
            "dispatch:\n  intraday_deadline_s: .nan\nscorecards:\n",
            ["dispatch.intraday_deadline_s", "finite number"]),
    Variant("deadline 99:99", "park.yaml", "scorecards:\n",
            "dispatch:\n  deadline_local: '99:99'\nscorecards:\n",
            ["dispatch.deadline_local", "'99:99' is not a time of day (00:00 to 23:59)"]),
    Variant("deadline unquoted (YAML reads 10:00 as 600)", "park.yaml", "scorecards:\n",
            "dispatch:\n  deadline_local: 10:00\nscorecards:\n",
            ["dispatch.deadline_local", "read an unquoted time as the number 600"]),
    Variant("window time 25:61", "park.yaml", "{start: '00:00', end: '08:00', period: valley}",
            "{start: '25:61', end: '08:00', period: valley}",
            ["tariffs[0](js-industrial-10kv-2025).windows[0].start",
             "'25:61' is not a time of day"]),
    Variant("tariff windows overlap", "park.yaml", "{start: '17:00', end: '22:00', period: peak}",
            "{start: '16:00', end: '22:00', period: peak}",
            ["tariffs[0](js-industrial-10kv-2025)",
             "months 1-12: 2 windows overlap at 16:00-17:00"]),
    Variant("tariff windows leave a gap", "park.yaml",
            "{start: '22:00', end: '24:00', period: flat}",
            "{start: '23:00', end: '24:00', period: flat}",
            ["tariffs[0](js-industrial-10kv-2025)", "months 1-12: no window prices 22:00-23:00"]),
    Variant("window backwards", "park.yaml", "{start: '22:00', end: '24:00', period: flat}",
            "{start: '22:00', end: '21:00', period: flat}",
            ["tariffs[0](js-industrial-10kv-2025).windows[9]", "ends before it starts"]),
    Variant("HVAC normal setpoint NaN", "park.yaml", "comfort_max_c: 26.0, normal_setpoint_c: 24.0",
            "comfort_max_c: 26.0, normal_setpoint_c: .nan",
            ["assets.hvac_zones[0](zone-park-01).normal_setpoint_c", "finite number"]),
    # the heating season's band (issue 16, GB 50736-2012 Table 3.0.2)
    Variant("HVAC heating band upside down", "park.yaml", HEATING,
            HEATING.replace("min_c: 18.0", "min_c: 23.0"),
            ["assets.hvac_zones[0]", "heating_comfort_min_c (23.0) must be below "
             "heating_comfort_max_c (22.0)"]),
    Variant("HVAC heating setpoint outside its band", "park.yaml", HEATING,
            HEATING.replace("setpoint_c: 20.0", "setpoint_c: 24.0"),
            ["assets.hvac_zones[0]", "heating_setpoint_c (24.0) must lie within the heating "
             "band 18.0-22.0 C"]),
    Variant("HVAC heating setpoint NaN", "park.yaml", HEATING,
            HEATING.replace("setpoint_c: 20.0", "setpoint_c: .nan"),
            ["assets.hvac_zones[0](zone-park-01).heating_setpoint_c", "finite number"]),
    Variant("HVAC heating band without its top", "park.yaml", HEATING,
            HEATING.replace(" heating_comfort_max_c: 22.0,", ""),
            ["assets.hvac_zones[0]", "go together: set all three or none"]),
    Variant("HVAC heating bands without a season", "park.yaml",
            '  hvac_heating_season: {first_day: "12-01", last_day: "02-28"}\n', "",
            ["assets", "have a heating band but hvac_heating_season"]),
    Variant("HVAC heating season on a day that does not exist", "park.yaml",
            'last_day: "02-28"', 'last_day: "02-30"',
            ["assets.hvac_heating_season.last_day", "'02-30' is not a day of the year"]),
    Variant("controllable battery PCS without a rating", "park.yaml",
            "asset: bess-02, host: 127.0.0.1, port: 15039, unit_id: 1, poll_group: storage, "
            "poll_interval_s: 15, controllable: true, rated_kw: 500}",
            "host: 127.0.0.1, port: 15039, unit_id: 1, poll_group: storage, "
            "poll_interval_s: 15, controllable: true}",
            ["devices[", "(bess-02-pcs).rated_kw",
             "'power_setpoint_kw' is a power in kW, but neither the device nor its asset has a "
             "rating to bound it"]),
    Variant("PCS rated below its battery's power", "park.yaml",
            "controllable: true, rated_kw: 500}", "controllable: true, rated_kw: 400}",
            ["(bess-02-pcs).rated_kw",
             "asset 'bess-02' is planned at up to 500 kW, above the device's rating 400 kW"]),
    Variant("two PCS rated below their battery's power together", "park.yaml",
            "port: 15038, unit_id: 1, poll_group: storage, poll_interval_s: 15, "
            "controllable: true, rated_kw: 1000}",
            "port: 15038, unit_id: 1, poll_group: storage, poll_interval_s: 15, "
            "controllable: true, rated_kw: 400}\n- {id: bess-01-pcs2, kind: bess, "
            "register_map: bess_pcs, asset: bess-01, host: 127.0.0.1, port: 15038, unit_id: 2, "
            "poll_group: storage, poll_interval_s: 15, controllable: true, rated_kw: 400}",
            ["(bess-01-pcs).rated_kw", "asset 'bess-01' is planned at up to 1000 kW, above "
             "the 2 devices' ratings together, 800 kW"]),
    Variant("host with a space", "park.yaml", "host: 127.0.0.1, port: 15020, unit_id: 2,",
            "host: 'gw 1', port: 15020, unit_id: 2,",
            ["devices[2](common-01).host", "'gw 1' is neither a host name nor an IP address"]),
    # messages eaten by terminal markup: rich read [a-z0-9] as a tag
    Variant("pattern message keeps its brackets", "park.yaml", "  id: sip-zero-carbon-demo",
            "  id: Sip Zero", ["park.id", r"String should match pattern '^[a-z0-9][a-z0-9_\-]*$'"]),
    # tracebacks before
    Variant("a Latin-1 byte", "park.yaml", None, None,
            ["not UTF-8 text: byte 0xe9 at line "
             f"{line_of(PARK_TEXT, 'name_en: Suzhou Zero-Carbon Demo Park')}, column 32"],
            make=lambda data: data.replace(b"name_en: Suzhou Zero-Carbon Demo",
                                           b"name_en: Suzhou Zero-Carbon D\xe9mo")),
    Variant("a UTF-16 file", "park.yaml", None, None,
            ["the file is UTF-16 text; config files must be UTF-8"],
            make=lambda data: codecs.BOM_UTF16_LE + data.decode("utf-8").encode("utf-16-le")),
    Variant("a GBK (non-UTF-8) comment", "park.yaml", None, None,
            # 园 is D4 B0 in GBK, which happens to be a valid UTF-8 pair; 区 (C7 F8) is not
            ["not UTF-8 text: byte 0xc7 at line 2, column 5"],
            make=lambda data: data.replace(b"#\n", "# 园区说明\n".encode("gbk"), 1)),
    Variant("alias bomb (a billion values from 1 KiB)", "park.yaml", None, None,
            ["more than 2,000,000 values once aliases are expanded"],
            make=lambda data: data + ALIAS_BOMB.encode()),
    Variant("nested 5,000 deep", "park.yaml", None, None, ["not valid YAML: nested too deeply"],
            make=lambda data: data + b"deep: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    Variant("larger than the 5 MiB cap", "park.yaml", None, None,
            ["bytes is larger than a park config may be (5,242,880 bytes)"],
            make=lambda data: data + b"# padding\n" * 600_000),
    # --- guiding indicators (issue 15, helper guiding): begin ---
    Variant("waste-heat tank that is not a heat store", "park.yaml",
            "waste_heat_tanks: {ts-01-ctl: dushu-textile}",
            "waste_heat_tanks: {bess-01-pcs: dushu-textile}",
            ["guiding_indicators.waste_heat_tanks.bess-01-pcs",
             "device 'bess-01-pcs' is a bess, not a thermal_storage"]),
    Variant("waste-heat tank of an unknown enterprise", "park.yaml",
            "waste_heat_tanks: {ts-01-ctl: dushu-textile}",
            "waste_heat_tanks: {ts-01-ctl: acme}",
            ["guiding_indicators.waste_heat_tanks.ts-01-ctl", "unknown enterprise 'acme'"]),
    Variant("not applicable to an unknown indicator", "park.yaml",
            "waste_heat_tanks: {ts-01-ctl: dushu-textile}",
            "waste_heat_tanks: {ts-01-ctl: dushu-textile}\n  not_applicable: {recycling: n/a!}",
            ["guiding_indicators.not_applicable.recycling"]),
    Variant("water meter that is not a water meter", "park.yaml",
            "waste_heat_tanks: {ts-01-ctl: dushu-textile}",
            "waste_heat_tanks: {ts-01-ctl: dushu-textile}\n  water_meters: {grid-main: reused}",
            ["guiding_indicators.water_meters.grid-main",
             "device 'grid-main' must be a water_meter of an enterprise"]),
    # --- guiding indicators: end ---
]


def _apply(config_dir: Path, variant: Variant) -> Path:
    path = config_dir / variant.file
    data = path.read_bytes()
    if variant.make is not None:
        data = variant.make(data)
    else:
        assert variant.old is not None and variant.new is not None
        text = data.decode("utf-8")
        assert text.count(variant.old) >= 1, f"{variant.name}: {variant.old!r} not in the file"
        data = text.replace(variant.old, variant.new, 1).encode("utf-8")
    path.write_bytes(data)
    return path


def copy_of_real_config(tmp_path: Path) -> Path:
    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    return config_dir


def validate_output(config_dir: Path) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(app, ["validate", "--config-dir", str(config_dir)],
                           env={"COLUMNS": "2000"})
    return result.exit_code, result.output, result.exception


def assert_rejected(config_dir: Path, path: Path, expected: list[str]) -> str:
    exit_code, output, exception = validate_output(config_dir)
    assert "Traceback" not in output
    assert isinstance(exception, SystemExit), exception  # a clean exit, not a crash
    assert exit_code == 2, output
    assert "Config rejected" in output
    assert f"{path}: " in output, output
    for fragment in expected:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    return output


def test_the_real_config_validates(tmp_path: Path) -> None:
    exit_code, output, _ = validate_output(copy_of_real_config(tmp_path))
    assert exit_code == 0, output
    assert "OK" in output


def assert_variant_rejected(tmp_path: Path, variant: Variant) -> None:
    config_dir = copy_of_real_config(tmp_path)
    path = _apply(config_dir, variant)
    assert_rejected(config_dir, path, variant.expected)


@pytest.mark.parametrize("variant", PARK_VARIANTS, ids=lambda v: v.name)
def test_hostile_variant_is_rejected(tmp_path: Path, variant: Variant) -> None:
    assert_variant_rejected(tmp_path, variant)


def test_a_directory_in_place_of_park_yaml(tmp_path: Path) -> None:
    config_dir = copy_of_real_config(tmp_path)
    path = config_dir / "park.yaml"
    path.unlink()
    path.mkdir()
    assert_rejected(config_dir, path, ["is a directory, not a park config file"])


# --- every number of the real file: no yes/no value, no NaN ---------------------------------------


def _numeric_leaves(node: Any, path: tuple = ()) -> dict[str, tuple]:
    """One path per distinct field (list positions folded), to each int or float leaf."""
    leaves: dict[str, tuple] = {}
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        if isinstance(node, int | float) and not isinstance(node, bool):
            leaves[".".join("[]" if isinstance(p, int) else str(p) for p in path)] = path
        return leaves
    for key, child in items:
        for name, leaf_path in _numeric_leaves(child, (*path, key)).items():
            leaves.setdefault(name, leaf_path)
    return leaves


REAL_PARK = yaml.safe_load(PARK_TEXT)
NUMERIC_FIELDS = _numeric_leaves(REAL_PARK)


def _with(path: tuple, value: Any) -> dict:
    park = copy.deepcopy(REAL_PARK)
    node = park
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return park


def test_the_real_file_has_many_numeric_fields() -> None:
    assert len(NUMERIC_FIELDS) > 80  # the sweep below covers them all


@pytest.mark.parametrize("value", [True, math.nan, math.inf], ids=["true", "nan", "inf"])
def test_no_numeric_field_of_the_real_file_takes_a_bool_nan_or_infinity(value: Any) -> None:
    accepted = []
    for name, path in NUMERIC_FIELDS.items():
        try:
            ParkConfig.model_validate(_with(path, value))
        except ValueError:
            continue
        accepted.append(name)
    assert accepted == []


# --- every numeric field of every model, present in the real file or not -------------------------


def _config_models() -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = [Point, RegisterMap]
    pending = list(Strict.__subclasses__())
    while pending:
        model = pending.pop()
        models.append(model)
        pending += model.__subclasses__()
    return models


def _unguarded_numbers(annotation: Any, metadata: list[Any]) -> list[str]:
    """int/float/int-Literal types reached without refuse_bool in front of them."""
    guarded = any(isinstance(m, BeforeValidator) and m.func is refuse_bool for m in metadata)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _unguarded_numbers(base, [*metadata, *extra] if guarded else extra)
    if annotation in (int, float) or origin is typing.Literal and any(
            isinstance(v, int) for v in typing.get_args(annotation)):
        return [] if guarded else [str(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return []  # checked as a model of its own
    # a validator in front of a union runs before any of its members; one in front of a
    # container sees the container, not its items
    through = metadata if origin in (typing.Union, types.UnionType) else []
    return [problem for arg in typing.get_args(annotation)
            for problem in _unguarded_numbers(arg, through)]


def test_every_numeric_field_of_every_config_model_refuses_true() -> None:
    unguarded = {f"{model.__name__}.{name}": problems
                 for model in _config_models()
                 for name, info in model.model_fields.items()
                 if (problems := _unguarded_numbers(info.annotation, info.metadata))}
    assert unguarded == {}
    assert len(_config_models()) >= 30
    # the walk does see a bare number, inside a union or a container
    assert _unguarded_numbers(int | None, []) == ["<class 'int'>"]
    assert _unguarded_numbers(dict[str, list[float]], []) == ["<class 'float'>"]


def test_every_config_model_refuses_nan_and_infinity_by_default() -> None:
    assert all(model.model_config.get("allow_inf_nan") is False for model in _config_models())
