"""A held plan (jobs/twin/replan.py) is kept while the park is where it expected, and re-solved
when the measured state leaves it: hand-made plans, states and tolerances."""

from __future__ import annotations

import dataclasses

import pandas as pd

from jobs.twin.replan import HeldPlan, ReplanTolerance
from tests.jobs.dispatch.test_small_cases import START, _battery, _inputs

TOLERANCE = ReplanTolerance(soc_pct_points=2.0, peak_kw=5.0)  # 2 % of 200 kWh: 4 kWh


def _held() -> HeldPlan:
    """Three hours; a 200 kWh battery starting at 50 kWh, planned to end hour 0 at 80 kWh
    and hour 1 at 120 kWh."""
    inputs = _inputs([0.3, 0.3, 1.0], [100.0] * 3,
                     batteries={"bess-1": _battery(200, 100, 1.0, initial=50.0)})
    starts = inputs.interval_start_utc
    rows = pd.DataFrame({"interval_start_utc": starts, "asset_kind": "battery",
                         "asset_id": "bess-1", "quantity": "soc_kwh",
                         "value": [80.0, 120.0, 120.0], "unit": "kWh"})
    return HeldPlan(inputs, rows, floor_kw=1000.0)


def _measured(held: HeldPlan, soc_kwh: float):
    batteries = held.inputs.batteries.copy()
    batteries.loc["bess-1", "soc_initial_kwh"] = soc_kwh
    return dataclasses.replace(held.inputs, batteries=batteries)


def test_the_plan_holds_while_the_soc_is_within_tolerance_of_the_planned_one():
    held = _held()
    hour_1 = START + pd.Timedelta(hours=1)  # the plan expects the end of hour 0: 80 kWh
    assert held.drift(hour_1, _measured(held, 83.0), 1000.0, TOLERANCE) is None
    assert held.drift(hour_1, _measured(held, 76.5), 1000.0, TOLERANCE) is None
    assert held.rows_at(hour_1)["value"].to_list() == [120.0]


def test_a_soc_beyond_tolerance_a_higher_peak_or_an_uncovered_interval_replans():
    held = _held()
    hour_1, hour_2 = START + pd.Timedelta(hours=1), START + pd.Timedelta(hours=2)
    assert "bess-1" in held.drift(hour_1, _measured(held, 84.5), 1000.0, TOLERANCE)
    # at hour 2 the plan expects 120 kWh: 80 is far off
    assert "bess-1" in held.drift(hour_2, _measured(held, 80.0), 1000.0, TOLERANCE)
    # its first interval is checked against the state it was solved from (50 kWh)
    assert held.drift(START, _measured(held, 50.0), 1000.0, TOLERANCE) is None
    assert "peak" in held.drift(hour_1, _measured(held, 80.0), 1006.0, TOLERANCE)
    assert held.drift(hour_1, _measured(held, 80.0), 1004.0, TOLERANCE) is None
    assert "cover" in held.drift(START + pd.Timedelta(hours=3), _measured(held, 120.0),
                                 1000.0, TOLERANCE)
