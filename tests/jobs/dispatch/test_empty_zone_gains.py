"""An empty zone keeps only part of its internal gains, in the plan as in the twin (issue 16:
the winter nights). One heated 1R1C zone (R 2 K/kW, C 10 kWh/K, COP 3, 0 C outside, gains
3 kW, 30 % of them while empty, band 18-22 C, at 18 C now), hourly intervals at a flat price,
empty for two hours and then occupied for two. By hand, with the model's recursion
T' = T + h ((T_out - T)/R + gain + COP P) / C:

- hours 0 and 1, empty, the heat pump off (heating later loses less): T1 = 18 + (-9 + 0.9)/10
  = 17.19 C, T2 = 17.19 + (-8.595 + 0.9)/10 = 16.4205 C;
- hour 2 brings it back to 18 C: 3 P = 10 (18 - 16.4205) + 16.4205/2 - 3 = 21.00525,
  P = 7.00175 kW;
- hour 3 holds 18 C: 3 P = 9 - 3, P = 2 kW.

With all the gains while empty (the plan before) it would have planned 5.705 kW for hour 2,
1.3 kWh less than the twin's zone needs, which the zone's own controller then draws on top of
the plan: at night, with the valley charge, on top of a planned import at the month's peak.
"""

from __future__ import annotations

import pandas as pd
import pytest

from jobs.dispatch.extract import extract
from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.model import build_model
from jobs.dispatch.solve import SolveOptions, solve
from tests.jobs.dispatch.test_hvac import one_zone_inputs

START = pd.Timestamp("2026-01-12 16:00", tz="UTC")
OCCUPIED = [False, False, True, True]


def _inputs(share: float | None) -> DispatchInputs:
    zone = {"rated_electric_kw": 10.0, "cop": 3.0, "thermal_resistance_k_per_kw": 2.0,
            "thermal_capacitance_kwh_per_k": 10.0, "comfort_min_c": 18.0,
            "comfort_max_c": 22.0, "initial_temp_c": 18.0, "internal_gain_kw": 3.0,
            "mode": "heat"}
    if share is not None:
        zone["unoccupied_gain_share"] = share
    return one_zone_inputs(START, [1.0] * len(OCCUPIED), zone, 0.0, OCCUPIED)


def _planned(inputs: DispatchInputs) -> tuple[list[float], list[float]]:
    model = build_model(inputs)
    result = solve(model, SolveOptions(rel_gap=1e-9))
    assert result.status == "optimal", result.message
    plan, _ = extract(model, inputs)
    return (plan[plan.quantity == "electric_kw"].value.to_list(),
            plan[plan.quantity == "zone_temp_c"].value.to_list())


def test_an_empty_zone_is_planned_with_the_gains_it_keeps():
    power, temps = _planned(_inputs(0.3))
    assert power == pytest.approx([0.0, 0.0, 7.00175, 2.0], abs=1e-4)
    assert temps == pytest.approx([17.19, 16.4205, 18.0, 18.0], abs=1e-4)


def test_a_table_without_the_share_keeps_all_the_gains():
    """Tables made before the column (hand-made inputs, older callers): as before."""
    power, temps = _planned(_inputs(None))
    assert power == pytest.approx([0.0, 0.0, 5.705, 2.0], abs=1e-4)
    assert temps == pytest.approx([17.4, 16.83, 18.0, 18.0], abs=1e-4)
