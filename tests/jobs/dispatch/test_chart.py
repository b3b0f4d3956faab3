"""The plan's chart: a PNG of the right size from hand-made plan rows, with or without a
battery, with kinds it does not know, and inline in the run's Markdown artifact."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib import image

from jobs.dispatch.chart import DPI, PRICE_QUANTITIES, SIZE_IN, plan_chart_png
from jobs.dispatch.day_ahead import DayAheadResult
from jobs.dispatch.extract import PlanSummary
from jobs.dispatch.report import (
    PlanChart,
    summary_markdown,
    with_tou_prices,
    write_plan_chart,
)
from jobs.dispatch.solve import SolveResult
from tests.conftest import settings_for

ZONE = "Asia/Shanghai"
PLAN_DAY = dt.date(2026, 6, 4)


def hand_plan(batteries: int = 1, extra_kinds: bool = False, prices: bool = False
              ) -> pd.DataFrame:
    """A sunny day for one PV array, batteries (valley charge, peak discharge) and the grid
    that balances them against a day-shaped load, 15-minute intervals."""
    start = pd.Timestamp(PLAN_DAY, tz=ZONE).tz_convert("UTC")
    starts = pd.date_range(start, periods=96, freq="15min")
    hour = np.arange(96) / 4.0
    load = 800.0 + 500.0 * ((hour >= 8) & (hour < 18))
    potential = np.clip(1600.0 * np.sin(np.pi * (hour - 6) / 12), 0, None)
    setpoint = np.where(hour < 6, -300.0, np.where((hour >= 18) & (hour < 22), 400.0, 0.0))
    if not batteries:
        setpoint = np.zeros(96)
    net = load - potential - setpoint
    export = np.clip(-net, 0, 200.0)
    pv = potential - np.clip(-net - 200.0, 0, None)  # curtail what the export limit refuses
    grid_import = np.clip(net, 0, None)
    soc = 600.0 + np.cumsum(-setpoint * 0.25)
    series = [("grid", "grid", "import_kw", "kW", grid_import),
              ("grid", "grid", "export_kw", "kW", export),
              ("pv", "pv_roof", "output_kw", "kW", pv),
              ("pv", "pv_roof", "curtailed_kw", "kW", potential - pv)]
    for number in range(1, batteries + 1):
        series += [("battery", f"bess_{number}", "setpoint_kw", "kW", setpoint / batteries),
                   ("battery", f"bess_{number}", "soc_kwh", "kWh", soc / batteries)]
    if extra_kinds:
        series += [("thermal_storage", "tank_1", "heat_kwh", "kWh", np.full(96, 50.0)),
                   ("dr_event", "dr_1", "shed_kw", "kW", np.full(96, 10.0))]
    if prices:
        price = np.where(hour < 8, 0.3, np.where((hour >= 17) & (hour < 21), 1.2, 0.7))
        series.append(("grid", "grid", "import_price_cny_per_kwh", "CNY/kWh", price))
    return pd.concat([pd.DataFrame({"interval_start_utc": starts, "asset_kind": kind,
                                    "asset_id": asset, "quantity": quantity,
                                    "value": np.asarray(values, dtype=float), "unit": unit,
                                    "run_id": "test-run"})
                      for kind, asset, quantity, unit, values in series], ignore_index=True)


def decoded(png: bytes) -> np.ndarray:
    return image.imread(io.BytesIO(png), format="png")


@pytest.mark.parametrize("plan", [
    hand_plan(),
    hand_plan(prices=True),
    hand_plan(batteries=12, prices=True),
    hand_plan(batteries=0),
    hand_plan(batteries=0, extra_kinds=True),
    hand_plan().iloc[0:0],
], ids=["battery", "with-prices", "a-fleet", "no-battery", "unknown-kinds", "empty"])
def test_the_chart_is_a_png_of_the_expected_size(plan):
    png = plan_chart_png(plan, ZONE, f"Day-ahead plan {PLAN_DAY}")
    pixels = decoded(png)
    assert pixels.shape[:2] == (round(SIZE_IN[1] * DPI), round(SIZE_IN[0] * DPI))
    assert pixels.std() > 0  # something was drawn
    assert len(png) < 150_000


def test_the_artifact_carries_the_chart_inline_and_its_path():
    result = _result()
    png = plan_chart_png(result.plan_rows, ZONE, "plan")
    markdown = summary_markdown(result, PlanChart(png=png, path="/data/reports/x.png"))
    assert "Saving against the baseline" in markdown  # the figures stay
    match = re.search(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert match is not None and base64.b64decode(match.group(1)) == png
    assert "`/data/reports/x.png`" in markdown
    assert "data:image" not in summary_markdown(result)  # no chart, no image


def test_the_chart_is_saved_whole_under_the_data_root_with_the_tou_price(demo_park_dict,
                                                                         tmp_path):
    settings = settings_for(demo_park_dict, tmp_path / "data")
    chart = write_plan_chart(settings, _result())
    folder = tmp_path / "data" / "reports" / "dispatch" / PLAN_DAY.isoformat()
    assert chart.path == str(folder / "test-run.png")
    assert [p.name for p in folder.iterdir()] == ["test-run.png"]  # no temp file left
    assert (folder / "test-run.png").read_bytes() == chart.png
    priced = with_tou_prices(settings, hand_plan())
    prices = priced[priced["quantity"] == PRICE_QUANTITIES[0]]
    assert len(prices) == 96 and prices["value"].gt(0).all()
    assert len(with_tou_prices(settings, priced)) == len(priced)  # published prices win


def _result() -> DayAheadResult:
    # costs and energies 0; only the fields the result has now (they grow with the model)
    summary = PlanSummary(**{f.name: 0.0 for f in dataclasses.fields(PlanSummary)})
    given = {"run_id": "test-run", "plan_date": PLAN_DAY, "intervals": 96,
             "solve": SolveResult(status="optimal", has_solution=True, objective_cny=0.0,
                                  bound_cny=None, solve_s=0.5, message="ok"),
             "status": "optimal", "is_fallback": False, "plan": summary, "baseline": summary,
             "weather_provider": "clear_sky", "plan_rows": hand_plan(), "plan_paths": [],
             "forecast_paths": []}
    return DayAheadResult(**{f.name: given[f.name] for f in dataclasses.fields(DayAheadResult)
                             if f.name in given})
