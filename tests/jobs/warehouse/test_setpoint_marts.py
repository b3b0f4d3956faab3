"""The setpoint audit in the warehouse: a hand-made audit whose written setpoints are also
written to the twin while it makes the history, and a hand-made plan (an older run and the run
in force). Truth: commanded is what the audit says the devices hold, planned is the run in
force's rows, measured battery power is what the twin's PCS do with their setpoints (follow
them within their rating, the SOC window staying far away), a limited inverter's output sits
at its limit, and the other measurements are the landed readings averaged here by hand."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
import yaml

from device_io.setpoints.schema import AUDIT_SCHEMA, OUTCOMES, SOURCES
from device_io.simulator.history import ScheduledWrite, generate_history
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.common.dispatch_schemas import PLANS_SCHEMA
from jobs.warehouse.build import DBT_PROJECT_DIR, build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
T0 = dt.datetime(2026, 7, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Suzhou, a clear July morning
QUARTERS = 8
PCS = ("bess-01-pcs", "bess-01-pcs2")  # one 1000 kW / 2000 kWh battery, two 500 kW PCS
PCS_RATED_KW = 500.0
INVERTERS = ("pv-carport-01-inv01", "pv-carport-01-inv02")  # 60 kW each
HVAC, ZONE = "hvac-jinji-equipment-01", "zone-jinji-equipment-01"
CHARGER, CHARGER_ASSET = "ev-001", "evse-001"
LIMIT_PCT = 40.0
RUN_OLD, RUN_IN_FORCE = "plan-old", "plan-in-force"


def quarter(index: int, minutes: float = 0.0) -> dt.datetime:
    return T0 + dt.timedelta(minutes=15 * index + minutes)


def attempt(at: dt.datetime, device_id: str, point: str, value: float, *,
            outcome: str = "written", source: str = "plan", reason: str | None = None,
            run_id: str | None = RUN_IN_FORCE) -> dict:
    """One audit row as the writer lands it: `value` was asked for and, unless refused, passed
    the clamps; it was sent when the outcome says so and is held when written or unchanged."""
    sent = outcome in ("written", "verify_failed", "write_error")
    return {"attempt_ts_utc": at, "cycle_id": f"cycle-{at:%H%M%S}", "plan_run_id": run_id,
            "plan_solver_status": "optimal" if run_id else None,
            "interval_start_utc": None if source == "heartbeat" else at.replace(
                minute=at.minute // 15 * 15, second=0),
            "device_id": device_id, "asset_id": None, "point": point, "unit": None,
            "source": source, "requested": value,
            "clamped": None if outcome == "refused" else value,
            "written": value if sent else None,
            "read_back": value if outcome in ("written", "unchanged") else None,
            "outcome": outcome, "reason": reason, "dry_run": outcome == "dry_run"}


def audit_rows() -> list[dict]:
    pcs1, pcs2 = PCS
    rows = []
    for device in PCS:  # remote mode from the second quarter, the watchdog fed every 5 min
        rows += [attempt(quarter(1), device, "control_mode", 1),
                 attempt(quarter(1), device, "watchdog_timeout_s", 900)]
        rows += [attempt(quarter(1, 5 * k), device, "watchdog_counter", k + 1,
                         source="heartbeat", run_id=None) for k in range(15)]
        rows.append(attempt(quarter(6), device, "control_mode", 0, source="safe_default"))
    rows += [
        attempt(quarter(1), pcs1, "power_setpoint_kw", 300),
        attempt(quarter(1), pcs2, "power_setpoint_kw", 200),
        attempt(quarter(2), pcs1, "power_setpoint_kw", 300, outcome="unchanged"),
        attempt(quarter(2), pcs2, "power_setpoint_kw", 200, outcome="unchanged"),
        attempt(quarter(3), pcs1, "power_setpoint_kw", 700),  # above its 500 kW rating
        attempt(quarter(3), pcs2, "power_setpoint_kw", 100),
        attempt(quarter(3, 5), pcs2, "power_setpoint_kw", 400, outcome="refused",
                reason="ramp limit", source="live_correction"),
        attempt(quarter(4), pcs1, "power_setpoint_kw", -250),
        attempt(quarter(4), pcs2, "power_setpoint_kw", -250),
        attempt(quarter(4, 5), pcs1, "power_setpoint_kw", -400, outcome="dry_run",
                source="live_correction"),
        attempt(quarter(5), pcs1, "power_setpoint_kw", -300, outcome="write_error",
                reason="Modbus exception 4"),
        attempt(quarter(5), pcs2, "power_setpoint_kw", -300),
        attempt(quarter(1), HVAC, "setpoint_c", 23.0),
        attempt(quarter(1), CHARGER, "current_limit_a", 10.0),
    ]
    for inverter in INVERTERS:
        rows += [attempt(quarter(1), inverter, "power_limit_enabled", 1),
                 attempt(quarter(1), inverter, "power_limit_pct", LIMIT_PCT),
                 attempt(quarter(5), inverter, "power_limit_pct", 100.0)]
    return rows


# What the twin's PCS do: their setpoint (clipped to their rating) while in remote mode; the
# write_error in quarter 5 leaves pcs1 at its previous -250 kW.
BATTERY_COMMANDED_KW = {1: 500.0, 2: 500.0, 3: 800.0, 4: -500.0, 5: -300.0}
BATTERY_MEASURED_KW = {0: 0.0, 1: 500.0, 2: 500.0, 3: 600.0, 4: -500.0, 5: -550.0, 6: 0.0,
                       7: 0.0}


def plan_rows(run_id: str, created: dt.datetime, scale: float) -> list[dict]:
    """The plan's controlled quantities for the 8 quarters (the old run planned other values)."""
    battery = [0.0, 500, 500, 900, -500, -500, 0, 0]
    limit = [100.0] + [LIMIT_PCT] * 4 + [100.0] * 3
    rows = []

    def add(kind, asset, quantity, unit, values):
        rows.extend({"run_id": run_id, "created_at_utc": created, "plan_date": dt.date(2026, 7, 2),
                     "interval_start_utc": quarter(q), "asset_kind": kind, "asset_id": asset,
                     "quantity": quantity, "value": scale * value, "unit": unit,
                     "solver_status": "optimal", "is_fallback": False, "objective_cny": 1.0,
                     "baseline_cost_cny": 2.0, "weather_provider": "test",
                     "breached_bounds": None} for q, value in enumerate(values))

    add("battery", "bess-01", "setpoint_kw", "kW", battery)
    add("battery", "bess-01", "soc_kwh", "kWh", [1000.0] * QUARTERS)
    add("pv", "pv-carport-01", "power_limit_pct", "%", limit)
    add("pv", "pv-carport-01", "output_kw", "kW", [1.2 * pct for pct in limit])
    add("hvac_zone", ZONE, "setpoint_c", "degC", [23.0] * QUARTERS)
    add("ev_group", "ac-08-17", "power_kw", "kW", [5.0] * QUARTERS)
    add("ev_group", "dc-09-12", "power_kw", "kW", [20.0] * QUARTERS)
    return rows


def park_with_two_pcs() -> dict:
    park = generate_park(30, seed=5)
    park["simulation"]["cloudiness"] = 0.0
    [pcs] = [d for d in park["devices"] if d["kind"] == "bess"]
    assert pcs["id"] == PCS[0] and pcs["asset"] == "bess-01"
    pcs["rated_kw"] = PCS_RATED_KW
    park["devices"].append({**pcs, "id": PCS[1], "port": pcs["port"] + 1000})
    return relocate_endpoints(park)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    settings = settings_for(park_with_two_pcs(), tmp_path_factory.mktemp("setpoints") / "data")
    audit = audit_rows()
    writes = [ScheduledWrite(row["attempt_ts_utc"], row["device_id"], row["point"],
                             row["written"]) for row in audit if row["outcome"] == "written"]
    generate_history(settings, T0, quarter(QUARTERS), sample_s=60, writes=writes)
    landing.write_partitioned(settings.landing_root, "setpoint_audit",
                              pa.Table.from_pylist(audit, schema=AUDIT_SCHEMA), "cycle-test",
                              ts_column="attempt_ts_utc")
    for run_id, created, scale in ((RUN_OLD, T0 - dt.timedelta(days=1), 0.5),
                                   (RUN_IN_FORCE, T0 - dt.timedelta(hours=14), 1.0)):
        landing.write_partitioned(settings.landing_root, "plans", pa.Table.from_pylist(
            plan_rows(run_id, created, scale), schema=PLANS_SCHEMA), run_id,
            ts_column="interval_start_utc")
    report = build_warehouse(settings)  # with the unit tests: fct_asset_control has one
    assert report.success, report.summary_markdown()
    return settings, audit


def control_rows(settings, asset_kind: str, asset_id: str, quantity: str) -> dict[int, dict]:
    """quarter index -> the fct_asset_control row."""
    rows = fetch(settings, "select * from fct_asset_control where asset_kind = ? "
                 "and asset_id = ? and quantity = ?", [asset_kind, asset_id, quantity])
    return {int((row["interval_start_utc"] - T0).total_seconds() // 900): row for row in rows}


def fetch(settings, query: str, parameters: list | None = None) -> list[dict]:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        cursor = connection.execute(query, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def landed_means(settings, devices, point: str) -> dict[int, float]:
    """quarter index -> the sum over devices of each one's mean good reading, by hand."""
    readings = landing.read_dataset(settings.landing_root, "readings").to_pylist()
    values = defaultdict(list)
    for reading in readings:
        if (reading["device_id"] in devices and reading["point"] == point
                and reading["quality"] == "good"):
            index = int((reading["ts_utc"] - T0).total_seconds() // 900)
            values[(index, reading["device_id"])].append(reading["value"])
    sums = defaultdict(float)
    for (index, _), device_values in values.items():
        sums[index] += sum(device_values) / len(device_values)
    return dict(sums)


def test_the_audit_is_modelled_attempt_by_attempt(warehouse):
    settings, audit = warehouse
    rows = pd.DataFrame(fetch(settings, "select * from fct_setpoint_audit"))
    assert len(rows) == len(audit)
    assert set(rows["asset_id"][rows["device_id"].isin(PCS)]) == {"bess-01"}
    assert set(rows["device_kind"][rows["device_id"] == HVAC]) == {"hvac"}
    first = rows.sort_values("attempt_ts_utc").iloc[0]  # Asia/Shanghai: UTC+8
    assert first["attempt_local"] == quarter(1).replace(tzinfo=None) + dt.timedelta(hours=8)
    assert first["local_date"] == dt.date(2026, 7, 2)
    setpoints = (rows[rows["point"] == "power_setpoint_kw"].set_index(["device_id", "outcome"])
                 .sort_index())
    refused = setpoints.loc[(PCS[1], "refused")]
    assert refused["was_refused"] and not refused["was_clamped"]
    assert refused["reason"] == "ramp limit" and pd.isna(refused["commanded_value"])
    unchanged = setpoints.loc[(PCS[0], "unchanged")]
    assert unchanged["is_in_effect"] and not unchanged["was_written"]
    assert unchanged["commanded_value"] == 300.0
    failed = setpoints.loc[(PCS[0], "write_error")]
    assert failed["has_failed"] and pd.isna(failed["commanded_value"])
    assert setpoints.loc[(PCS[0], "dry_run")]["is_dry_run"]
    written = rows[rows["outcome"] == "written"]
    assert (written["commanded_value"] == written["written_value"]).all()


def test_battery_plan_command_and_what_the_pcs_did(warehouse):
    settings, _ = warehouse
    rows = control_rows(settings, "battery", "bess-01", "setpoint_kw")
    assert sorted(rows) == list(range(QUARTERS))
    planned = [0.0, 500, 500, 900, -500, -500, 0, 0]  # the run in force, not the old one
    assert [rows[q]["planned_value"] for q in range(QUARTERS)] == planned
    assert {row["plan_run_id"] for row in rows.values()} == {RUN_IN_FORCE}
    for q, row in rows.items():
        assert row["measured_value"] == pytest.approx(BATTERY_MEASURED_KW[q], abs=0.05), q
        assert row["measured_devices"] == 2 and row["asset_devices"] == 2, q
        if q in BATTERY_COMMANDED_KW:
            assert row["commanded_value"] == pytest.approx(BATTERY_COMMANDED_KW[q]), q
            assert row["command_plan_run_id"] == RUN_IN_FORCE
        else:
            assert pd.isna(row["commanded_value"]) and row["attempts"] == 0, q
    assert [rows[q]["commanded_devices"] for q in range(1, 6)] == [2, 2, 2, 2, 1]
    assert (rows[3]["last_outcome"], rows[3]["attempts"], rows[3]["refused_attempts"]) == (
        "refused", 3, 1)
    assert (rows[4]["last_outcome"], rows[4]["attempts"]) == ("dry_run", 3)
    assert rows[2]["last_outcome"] == "unchanged"


def test_pv_limit_hvac_and_ev_rows(warehouse):
    settings, _ = warehouse
    limit = control_rows(settings, "pv", "pv-carport-01", "power_limit_pct")
    output = control_rows(settings, "pv", "pv-carport-01", "output_kw")
    # commanded in quarter 1 only (no attempt after it until quarter 5), held until then
    assert limit[1]["commanded_value"] == LIMIT_PCT and limit[1]["commanded_devices"] == 2
    for q in range(1, 5):
        assert limit[q]["measured_value"] == pytest.approx(LIMIT_PCT, abs=0.1), q
        assert output[q]["measured_value"] == pytest.approx(0.4 * 120.0, abs=0.05), q
        assert output[q]["planned_value"] == pytest.approx(1.2 * LIMIT_PCT)
    assert limit[0]["measured_value"] > LIMIT_PCT + 10  # before the limit: the sun decides
    assert limit[5]["commanded_value"] == 100.0 and limit[5]["commanded_devices"] == 2
    assert all(pd.isna(row["commanded_value"]) for row in output.values())

    zone = control_rows(settings, "hvac_zone", ZONE, "setpoint_c")
    temperatures = landed_means(settings, {HVAC}, "zone_temp_c")
    assert zone[1]["commanded_value"] == 23.0 and zone[1]["planned_value"] == 23.0
    for q, row in zone.items():
        assert row["measured_value"] == pytest.approx(temperatures[q]), q

    charger = control_rows(settings, "ev_charger", CHARGER_ASSET, "current_limit_a")
    assert list(charger) == [1] and charger[1]["commanded_value"] == 10.0
    assert pd.isna(charger[1]["planned_value"])
    assert charger[1]["measured_value"] == pytest.approx(
        landed_means(settings, {CHARGER}, "current_l1_a")[1])
    fleet = control_rows(settings, "ev_fleet", "ev_fleet", "power_kw")
    chargers = {d.id for d in settings.park.devices if d.kind.value == "ev_charger"}
    drawn = landed_means(settings, chargers, "charging_power_kw")
    for q, row in fleet.items():
        assert row["planned_value"] == 25.0 and row["asset_devices"] == len(chargers)
        assert row["measured_value"] == pytest.approx(drawn.get(q, 0.0)), q

    quantities = fetch(settings, "select distinct asset_kind, quantity from fct_asset_control "
                       "order by all")
    assert [tuple(row.values()) for row in quantities] == [
        ("battery", "setpoint_kw"), ("ev_charger", "current_limit_a"), ("ev_fleet", "power_kw"),
        ("hvac_zone", "setpoint_c"), ("pv", "output_kw"), ("pv", "power_limit_pct")]


def test_the_accepted_values_are_the_contracts():
    models = yaml.safe_load(
        (Path(DBT_PROJECT_DIR) / "models/marts/control/_control__models.yml").read_text())
    accepted = {}
    for model in models["models"]:
        for column in model.get("columns", []):
            for test in column.get("tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    accepted[(model["name"], column["name"])] = tuple(
                        test["accepted_values"]["arguments"]["values"])
    assert accepted[("fct_setpoint_audit", "outcome")] == OUTCOMES
    assert accepted[("fct_setpoint_audit", "source")] == SOURCES
    assert accepted[("fct_asset_control", "last_outcome")] == OUTCOMES
