"""The twin's line operator: what it sends when (a short-term issue at 08:00 local, an
ultra-short-term one every 15 minutes for the mpc only), through the production file's
validation, and the same forecasts whatever the twin's (the controller's) state."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from device_io.simulator.twin import ParkTwin
from jobs.common import landing
from jobs.dispatch.line_forecast_file import DATASET
from jobs.twin.line_operator import TwinLineOperator

SHANGHAI_0800 = pd.Timestamp("2026-07-06 08:00", tz="Asia/Shanghai")


def _operator(settings, ultra_short: bool, advance_h: float = 0.0) -> TwinLineOperator:
    start = (SHANGHAI_0800 - pd.Timedelta(hours=8)).tz_convert("UTC").to_pydatetime()
    twin = ParkTwin(settings.park, settings.register_maps, start, step_s=60.0)
    if advance_h:
        twin.advance_to(start + dt.timedelta(hours=advance_h))
    return TwinLineOperator(settings, twin, ultra_short)


def test_the_operator_sends_short_term_at_eight_and_ultra_short_every_interval(
        demo_settings):
    operator = _operator(demo_settings, ultra_short=True)
    operator.step(SHANGHAI_0800.to_pydatetime())
    operator.step((SHANGHAI_0800 + pd.Timedelta(minutes=15)).to_pydatetime())
    assert operator.sent == ["short_term-20260706T0000.csv", "ultra_short-20260706T0000.csv",
                             "ultra_short-20260706T0015.csv"]
    rows = landing.read_dataset(demo_settings.landing_root, DATASET).to_pandas()
    sizes = rows.groupby(["product", "issued_at_utc"]).size().to_dict()
    assert sorted(sizes.values()) == [16, 16, 288]  # 4 h and 72 h of 15-minute intervals
    assert rows["kw"].between(0.0, 4500.0).all()  # the 5 MW share less 10 % losses


def test_the_plan_gets_only_the_short_term_issue_before_its_first_plan(demo_settings):
    operator = _operator(demo_settings, ultra_short=False)
    operator.step((SHANGHAI_0800 + pd.Timedelta(minutes=15)).to_pydatetime())
    assert operator.sent == []
    operator.short_term_before((SHANGHAI_0800 + pd.Timedelta(minutes=30)).to_pydatetime())
    operator.short_term_before((SHANGHAI_0800 - pd.Timedelta(minutes=30)).to_pydatetime())
    assert operator.sent == ["short_term-20260706T0000.csv", "short_term-20260705T0000.csv"]


def test_the_forecast_does_not_depend_on_the_twins_state(demo_settings):
    one = _operator(demo_settings, ultra_short=True)
    other = _operator(demo_settings, ultra_short=True, advance_h=3.0)
    issued = SHANGHAI_0800.tz_convert("UTC")
    for product in ("short_term", "ultra_short"):
        pd.testing.assert_series_equal(one.forecaster.issue(product, issued),
                                       other.forecaster.issue(product, issued))
