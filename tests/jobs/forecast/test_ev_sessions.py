"""EV sessions: fct_ev_sessions against the twin's own sessions (also after an incremental build
that starts while cars are plugged in), hand-made readings for the edge cases, and the expected
groups for the dispatch model from sessions computed by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.common.frames import to_frame
from jobs.common.park_config import DeviceKind
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.inputs import EV_GROUP_COLUMNS
from jobs.forecast.ev import charger_ratings, ev_session_history, expected_ev_groups
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

ZONE = "Asia/Shanghai"
FIRST_DAY = dt.date(2026, 6, 1)  # a Monday
SAMPLE_S = 60  # the twin's step too: every state change is read at the step it happens
HISTORY = dt.timedelta(days=4, hours=12)  # ends Friday at noon, with cars still plugged in
# Only what the sessions need (dim_devices for the relationship test): a fast build.
SELECT = "+fct_ev_sessions +dim_devices"
STEP = pd.Timedelta(seconds=SAMPLE_S)


def _sessions_table(settings) -> pd.DataFrame:
    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        frame = to_frame(connection.execute(
            "select * from fct_ev_sessions order by device_id, arrival_utc"))
    for column in ("arrival_utc", "departure_utc"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _twin_sessions(settings, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Every session the twin served, from its own state at each step: the plan's arrival,
    departure and demand, and the energy the car took (its session energy at the last step it
    was plugged in, plus that step's charging). open: still plugged in at the last sample."""
    twin = ParkTwin(settings.park, settings.register_maps, start, step_s=SAMPLE_S)
    chargers = [d.id for d in settings.park.devices if d.kind == DeviceKind.EV_CHARGER]
    plugged: dict[str, tuple] = {}  # device -> (session, energy so far, power now)
    rows = []
    for now in pd.date_range(start, end, freq=STEP, inclusive="left"):
        twin.advance_to(now.to_pydatetime())
        power_kw = twin.true_power_kw()
        for device in chargers:
            session = twin.active_ev_session(device)
            if device in plugged and plugged[device][0] != session:
                left, energy_kwh, last_kw = plugged.pop(device)
                rows.append(_truth_row(device, left, energy_kwh + last_kw * SAMPLE_S / 3600,
                                       is_open=False))
            if session is not None:
                plugged[device] = (session, twin.point_values(device)["session_energy_kwh"],
                                   power_kw[device])
    rows += [_truth_row(device, session, energy_kwh, is_open=True)
             for device, (session, energy_kwh, _) in plugged.items()]
    return pd.DataFrame(rows).sort_values(["device_id", "arrival_utc"], ignore_index=True)


def _truth_row(device: str, session, energy_kwh: float, is_open: bool) -> dict:
    return {"device_id": device,
            "arrival_utc": pd.Timestamp(session.arrival_us, unit="us", tz="UTC"),
            "departure_utc": pd.Timestamp(session.departure_us, unit="us", tz="UTC"),
            "demand_kwh": session.demand_kwh, "energy_kwh": energy_kwh, "is_open": is_open}


@pytest.fixture(scope="module", autouse=True)
def cautious_test_selection():
    """Run only the tests of the selected models: by default dbt also runs every test that
    touches one of them (fct_interval_energy's relationship to dim_devices), and fails it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_INDIRECT_SELECTION", "cautious")
        yield


@pytest.fixture(scope="module")
def twin_history(tmp_path_factory, cautious_test_selection):
    """Four and a half days of twin history, built into the warehouse in two steps: up to
    Thursday 13:00 local (morning cars still plugged in, a midday car just come), then
    incrementally the rest."""
    root = tmp_path_factory.mktemp("ev")
    settings = settings_for(relocate_endpoints(generate_park(20, seed=4)), root / "data")
    start = local_day_intervals(FIRST_DAY, ZONE)[0].to_pydatetime()
    end = start + HISTORY
    generate_history(settings, start, end, sample_s=SAMPLE_S)
    later = _hold_back(settings.landing_root, _local(FIRST_DAY + dt.timedelta(days=3), 13))
    assert build_warehouse(settings, unit_tests=False, select=SELECT, quiet=True).success
    first_build = _sessions_table(settings)
    for path, table in later:
        pq.write_table(table, path)
    assert build_warehouse(settings, unit_tests=False, select=SELECT, quiet=True).success
    return settings, start, end, first_build, _sessions_table(settings)


def _hold_back(landing_root: str, cut: pd.Timestamp) -> list[tuple[Path, pa.Table]]:
    """Leave only the readings before `cut` landed; returns the rest, as files to land later."""
    later = []
    for path in sorted(Path(landing_root, "readings").glob("date=*/*.parquet")):
        table = pq.read_table(path)
        early = pc.less(table["ts_utc"], pa.scalar(cut.to_pydatetime(), table["ts_utc"].type))
        if pc.all(early).as_py():
            continue
        later.append((path.with_name(f"later-{path.name}"), table.filter(pc.invert(early))))
        if pc.any(early).as_py():
            pq.write_table(table.filter(early), path)
        else:
            path.unlink()
    return later


@pytest.mark.integration
def test_sessions_match_the_twin(twin_history):
    settings, start, end, first_build, sessions = twin_history
    truth = _twin_sessions(settings, start, end)
    # cars plugged in at the first build for longer than its lookback: their sessions must be
    # derived again, though they arrived before the usual incremental window
    lookback = first_build["arrival_utc"].max() - pd.Timedelta(hours=3)
    assert (first_build["is_open"] & (first_build["arrival_utc"] < lookback)).any()
    assert len(sessions) == len(truth) > 20
    assert not sessions["started_before_data"].any()
    assert (sessions["is_open"] == truth["is_open"]).all()
    assert (sessions["device_id"] == truth["device_id"]).all()
    arrival_lag = sessions["arrival_utc"] - truth["arrival_utc"]
    assert ((arrival_lag >= pd.Timedelta(0)) & (arrival_lag < STEP)).all(), arrival_lag
    closed = ~truth["is_open"]
    departure_lag = sessions.loc[closed, "departure_utc"] - truth.loc[closed, "departure_utc"]
    assert ((departure_lag >= pd.Timedelta(0)) & (departure_lag < STEP)).all(), departure_lag
    assert sessions.loc[~closed, "departure_utc"].isna().all()
    # the register's resolution is 1 Wh (an open session: what it has taken so far)
    error_kwh = (sessions["energy_kwh"] - truth["energy_kwh"]).abs()
    assert (error_kwh <= 0.002).all(), error_kwh.max()
    assert (sessions["energy_kwh"] <= truth["demand_kwh"] + 0.002).all()
    ac = sessions["charger_kind"] == "ac"
    assert ac.any() and (~ac).any()


@pytest.mark.integration
def test_an_incremental_build_matches_a_full_refresh(twin_history):
    settings, _, _, _, incremental = twin_history
    assert build_warehouse(settings, unit_tests=False, select=SELECT, quiet=True,
                           full_refresh=True).success
    pd.testing.assert_frame_equal(_sessions_table(settings), incremental)


@pytest.mark.integration
def test_groups_from_the_twin_history_can_be_served(twin_history):
    settings, start, end, _, _ = twin_history
    friday = FIRST_DAY + dt.timedelta(days=4)
    index = local_day_intervals(friday, ZONE)
    history = ev_session_history(settings.warehouse_path, start)
    assert not history["departure_utc"].isna().any()
    chargers = charger_ratings(settings.park)
    groups = expected_ev_groups(history, index, ZONE, chargers,
                                complete_before_utc=pd.Timestamp(end))
    assert list(groups.columns) == list(EV_GROUP_COLUMNS) and len(groups) > 3
    assert (groups["arrival_utc"] >= index[0]).all()
    assert (groups["departure_utc"] <= index[-1] + pd.Timedelta(minutes=15)).all()
    assert (groups["departure_utc"] > groups["arrival_utc"]).all()
    plugged_h = (groups["departure_utc"] - groups["arrival_utc"]) / pd.Timedelta(hours=1)
    assert (groups["energy_kwh"] <= groups["max_kw"] * plugged_h + 1e-9).all()
    # Monday to Thursday are the four like days; the caps cut little
    daily_kwh = history.loc[history["arrival_utc"] < index[0], "energy_kwh"].sum() / 4
    assert 0.8 * daily_kwh <= groups["energy_kwh"].sum() <= daily_kwh + 1e-9


@pytest.mark.integration
def test_edge_cases_in_hand_made_readings(tmp_path):
    """ev-001: a car already there at the first poll; a state-0 reading of bad quality that
    must not end a session; a duplicated poll; a second car plugged in between two polls (the
    session energy register restarts while the first car was charging); a charger that clears
    the register when the car leaves. ev-002: a car still plugged in at the last poll."""
    settings = settings_for(relocate_endpoints(generate_park(20, seed=4)), tmp_path / "data")
    t0 = pd.Timestamp("2026-06-01 01:00", tz="UTC")
    polls = {  # device: [(minute, state, session energy kWh)]
        "ev-001": [(0, 2, 1.0), (1, 2, 1.1), (2, 0, 1.2), (3, 0, 1.2), (5, 1, 0.0), (6, 2, 0.0),
                   (7, 2, 0.1), (8, 3, 0.2), (9, 2, 0.05), (10, 2, 0.15), (11, 0, 0.0),
                   (12, 0, 0.0)],
        "ev-002": [(0, 0, 7.0), (1, 1, 0.0), (2, 2, 0.1)],
    }
    rows = []
    for device, device_polls in polls.items():
        for minute, state, energy_kwh in device_polls:
            ts = t0 + pd.Timedelta(minutes=minute)
            rows += [(ts, device, "charger_state", float(state), "good"),
                     (ts, device, "session_energy_kwh", energy_kwh, "good")]
    rows += [(t0 + pd.Timedelta(minutes=6, seconds=30), "ev-001", "charger_state", 0.0,
              "invalid"),
             (t0 + pd.Timedelta(minutes=7), "ev-001", "charger_state", 2.0, "good")]
    table = pa.Table.from_pylist(
        [{"ts_utc": ts.to_pydatetime(), "device_id": device, "point": point, "value": value,
          "quality": quality, "cycle_id": "hand", "detail": None}
         for ts, device, point, value, quality in rows], schema=landing.READINGS_SCHEMA)
    landing.write_partitioned(settings.landing_root, "readings", table, "hand")
    assert build_warehouse(settings, unit_tests=False, select=SELECT, quiet=True).success
    sessions = _sessions_table(settings).set_index("session_id")

    def at(minute: int) -> pd.Timestamp:
        return t0 + pd.Timedelta(minutes=minute)

    expected = pd.DataFrame.from_records([
        ("ev-001/2026-06-01T01:00:00Z", at(0), at(2), 1.2, True, False),
        ("ev-001/2026-06-01T01:05:00Z", at(5), at(9), 0.2, False, False),
        ("ev-001/2026-06-01T01:09:00Z", at(9), at(11), 0.15, False, False),
        ("ev-002/2026-06-01T01:01:00Z", at(1), pd.NaT, 0.1, False, True),
    ], columns=["session_id", "arrival_utc", "departure_utc", "energy_kwh",
                "started_before_data", "is_open"]).set_index("session_id")
    pd.testing.assert_frame_equal(sessions[expected.columns], expected, check_dtype=False)
    assert sessions.loc["ev-001/2026-06-01T01:05:00Z", "plugged_h"] == pytest.approx(4 / 60)
    assert (sessions["local_date"].astype(str) == "2026-06-01").all()
    assert not sessions["is_weekend"].any()
    assert sessions.loc["ev-001/2026-06-01T01:05:00Z", "arrival_local"] == \
        pd.Timestamp("2026-06-01 09:05")

    closed = ev_session_history(settings.warehouse_path, t0.to_pydatetime())
    assert list(closed["session_id"]) == ["ev-001/2026-06-01T01:05:00Z",
                                          "ev-001/2026-06-01T01:09:00Z"]


# -- expected groups, by hand --------------------------------------------------------------

CHARGERS = pd.DataFrame({"kind": ["ac", "ac", "dc"], "max_kw": [7.0, 11.0, 60.0]},
                        index=["ev-1", "ev-2", "ev-3"])


def _session(device: str, day: dt.date, arrive: str, leave: str, energy_kwh: float,
             leave_day: dt.date | None = None) -> dict:
    def utc(on: dt.date, clock: str) -> pd.Timestamp:
        return pd.Timestamp(f"{on} {clock}").tz_localize(ZONE).tz_convert("UTC")

    return {"device_id": device, "arrival_utc": utc(day, arrive),
            "departure_utc": utc(leave_day or day, leave), "energy_kwh": energy_kwh}


def _local(day: dt.date, hour: int) -> pd.Timestamp:
    return (pd.Timestamp(day) + pd.Timedelta(hours=hour)).tz_localize(ZONE).tz_convert("UTC")


def test_groups_from_four_like_days_by_hand():
    """Tuesday to Friday alike: ev-1 (AC 7 kW) 08:10-17:40 taking 20 kWh, ev-3 (DC 60 kW)
    12:20-12:50 taking 15 kWh. The weekend's sessions would change every number if counted.
    Monday's plan: ac-08-17 (one car, 7 kW, 20 kWh) and dc-12-13 (leaves in its arrival hour,
    so at its end: one car, 60 kW, 15 kWh)."""
    weekdays = [dt.date(2026, 6, 2) + dt.timedelta(days=k) for k in range(4)]
    sessions = [_session("ev-1", d, "08:10", "17:40", 20.0) for d in weekdays]
    sessions += [_session("ev-3", d, "12:20", "12:50", 15.0) for d in weekdays]
    sessions += [_session("ev-2", d, "10:00", "12:00", 20.0)
                 for d in (dt.date(2026, 6, 6), dt.date(2026, 6, 7))]
    sessions += [_session("ev-1", dt.date(2026, 6, 6), "08:10", "17:40", 50.0)]
    monday = dt.date(2026, 6, 8)
    groups = expected_ev_groups(pd.DataFrame(sessions), local_day_intervals(monday, ZONE), ZONE,
                                CHARGERS)
    expected = pd.DataFrame({
        "arrival_utc": [_local(monday, 8), _local(monday, 12)],
        "departure_utc": [_local(monday, 17), _local(monday, 13)],
        "energy_kwh": [20.0, 15.0], "max_kw": [7.0, 60.0]},
        index=pd.Index(["ac-08-17", "dc-12-13"], name="group_id"))
    pd.testing.assert_frame_equal(groups, expected, check_dtype=False)

    saturday = expected_ev_groups(pd.DataFrame(sessions),
                                  local_day_intervals(dt.date(2026, 6, 13), ZONE), ZONE, CHARGERS)
    # two weekend days: ev-2 both (20 kWh, 11 kW a day), ev-1 once (50 kWh over two days)
    assert saturday.loc["ac-10-12", ["energy_kwh", "max_kw"]].tolist() == [20.0, 11.0]
    assert saturday.loc["ac-08-17", ["energy_kwh", "max_kw"]].tolist() == [25.0, 3.5]


def test_groups_are_capped_to_what_can_be_served():
    """Three short AC stays in the same hour every day: 25 kW of chargers, but the park's AC
    chargers give 18 kW, and 36 kWh do not fit in 18 kW x 1 h. An overnight stay leaves at the
    end of the day. A day not yet over is left out; a like day without cars counts."""
    days = [dt.date(2026, 6, 1) + dt.timedelta(days=k) for k in range(4)]  # Monday-Thursday
    sessions = []
    for day in days:
        sessions += [_session("ev-1", day, "09:05", "09:20", 12.0),
                     _session("ev-2", day, "09:25", "09:35", 12.0),
                     _session("ev-1", day, "09:40", "09:55", 12.0),
                     _session("ev-1", day, "20:00", "07:00", 8.0, day + dt.timedelta(days=1))]
    friday = dt.date(2026, 6, 5)
    index = local_day_intervals(friday, ZONE)
    groups = expected_ev_groups(pd.DataFrame(sessions), index, ZONE, CHARGERS)
    assert list(groups.index) == ["ac-09-10", "ac-20-24"]
    assert groups.loc["ac-09-10", ["energy_kwh", "max_kw"]].tolist() == [18.0, 18.0]
    assert groups.loc["ac-20-24", "departure_utc"] == _local(dt.date(2026, 6, 6), 0)
    assert groups.loc["ac-20-24", ["energy_kwh", "max_kw"]].tolist() == [8.0, 7.0]

    # planned on Thursday at 18:00: Thursday is not over, Monday-Wednesday are the like days
    late = sessions + [_session("ev-2", dt.date(2026, 6, 4), "17:00", "17:30", 99.0)]
    groups = expected_ev_groups(pd.DataFrame(late), index, ZONE, CHARGERS,
                                complete_before_utc=_local(dt.date(2026, 6, 4), 18))
    assert list(groups.index) == ["ac-09-10", "ac-20-24"]
    assert groups.loc["ac-20-24", "energy_kwh"] == 8.0

    # overnight stays on Monday and Wednesday only: Tuesday and Thursday had none
    overnight = [sessions[3], sessions[11]]
    groups = expected_ev_groups(pd.DataFrame(overnight), index, ZONE, CHARGERS)
    assert groups.loc["ac-20-24", ["energy_kwh", "max_kw"]].tolist() == [8.0 / 2, 7.0 / 2]
    # with the last two like days only, Monday's stay is not among them
    groups = expected_ev_groups(pd.DataFrame(overnight[:1]), index, ZONE, CHARGERS, days=2)
    assert groups.empty


def test_no_history_gives_no_groups():
    index = local_day_intervals(dt.date(2026, 6, 8), ZONE)
    empty = pd.DataFrame(columns=["device_id", "arrival_utc", "departure_utc", "energy_kwh"])
    groups = expected_ev_groups(empty, index, ZONE, CHARGERS)
    assert groups.empty and list(groups.columns) == list(EV_GROUP_COLUMNS)
    unknown = pd.DataFrame([_session("ev-9", dt.date(2026, 6, 5), "08:00", "17:00", 10.0)])
    assert expected_ev_groups(unknown, index, ZONE, CHARGERS).empty
