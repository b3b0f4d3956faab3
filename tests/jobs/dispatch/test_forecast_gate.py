"""A plan never rests on a poisoned forecast (issue 16). The demo's Sunday 6 December: the
morning's run on Saturday saw a Saturday still in progress as its only weekend day. On a real
warehouse built from the twin's history, the Sunday's landed load forecast is whole and within
each consumer's measured range (or the plan is flagged), never zeros; a forecast that fails
its bounds publishes a plan the setpoint writer refuses."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest

from device_io.setpoints.plan_source import plan_for_interval
from device_io.simulator.history import generate_history
from device_io.simulator.park_generator import generate_park
from jobs.common import landing
from jobs.dispatch.calendar import local_day_intervals
from jobs.dispatch.day_ahead import UNTRUSTED_FORECAST, run_day_ahead
from jobs.dispatch.report import summary_markdown
from jobs.forecast.load import consumption_history_kw
from jobs.forecast.weather import ClearSkyClimatology, WeatherForecast
from jobs.warehouse.build import build_warehouse
from tests.conftest import relocate_endpoints, settings_for

pytestmark = pytest.mark.integration
MONDAY = dt.date(2026, 11, 30)
SATURDAY, SUNDAY = dt.date(2026, 12, 5), dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def saturday_morning(tmp_path_factory):
    """History Monday .. Saturday 08:30 local, the warehouse built then; planning now."""
    settings = settings_for(relocate_endpoints(generate_park(20, seed=4)),
                            tmp_path_factory.mktemp("gate") / "data")
    zone = settings.park.park.timezone
    start = local_day_intervals(MONDAY, zone)[0].to_pydatetime()
    now = local_day_intervals(SATURDAY, zone)[34].to_pydatetime()  # 08:30 local
    generate_history(settings, start, now, sample_s=300)
    assert build_warehouse(settings, unit_tests=False).success
    return settings, now


def _landed(settings, run_id, dataset):
    table = landing.read_dataset(settings.landing_root, dataset)
    return table.filter(pc.equal(table["run_id"], run_id)).to_pandas()


def test_the_sunday_after_a_saturday_in_progress_is_forecast_whole(saturday_morning):
    settings, now = saturday_morning
    result = run_day_ahead(settings, SUNDAY, ClearSkyClimatology(), now_utc=now,
                           run_id="sunday")
    loads = _landed(settings, "sunday", "forecasts")
    loads = loads[loads["quantity"] == "load_kw"]
    history = consumption_history_kw(settings.warehouse_path, now - dt.timedelta(days=7))
    assert set(loads["asset_id"]) == set(history.columns)
    for consumer, forecast in loads.groupby("asset_id"):
        values = forecast["value"].to_numpy()
        measured = history[consumer].dropna()
        assert len(values) == 96 and np.isfinite(values).all(), consumer
        if result.is_trusted:  # else it must say why, below
            # a weekend with no complete weekend day is bounded by every day's range moved by
            # the weekend's measured share: Saturday morning's load against the working
            # days' load at the same local quarter-hours
            ratio = _saturday_share(measured, settings.park.park.timezone)
            assert 0.3 < ratio <= 1.5, consumer
            assert values.min() >= 0.9 * measured.min() * min(ratio, 1.0) - 1e-9, consumer
            assert values.max() <= 1.1 * measured.max() * max(ratio, 1.0) + 1e-9, consumer
        # never the original's zeros: the consumer's night base load is always there
        assert (values > 0).sum() >= 90, consumer
        assert "fallback: no complete weekend day" in forecast["provider"].iloc[0]
    assert any("no complete weekend day" in note for note in result.notes)
    if not result.is_trusted:
        assert result.status == UNTRUSTED_FORECAST and result.forecast_problems


def _saturday_share(measured: pd.Series, timezone: str) -> float:
    """Saturday's measured kWh over the last four working days' mean kWh on the same local
    quarter-hours (the history's only weekend intervals are Saturday morning's)."""
    local = measured.index.tz_convert(timezone)
    frame = pd.DataFrame({"kw": measured.to_numpy(), "date": local.date,
                          "slot": local.hour * 4 + local.minute // 15})
    saturday = frame[frame["date"] == SATURDAY]
    working = frame[(frame["date"] < SATURDAY) & frame["slot"].isin(saturday["slot"])]
    last_four = sorted(set(working["date"]))[-4:]
    working = working[working["date"].isin(last_four)]
    return float(saturday["kw"].sum() / working.groupby("slot")["kw"].mean()
                 .reindex(saturday["slot"]).sum())


@dataclasses.dataclass(frozen=True)
class ThreeSuns:
    """A broken weather feed: three times the clear sky's irradiance."""

    name: str = "three_suns"

    def forecast(self, park, times_utc: pd.DatetimeIndex) -> WeatherForecast:
        clear = ClearSkyClimatology(cloud_loss=0.0).forecast(park, times_utc).frame
        for column in ("ghi_w_m2", "dni_w_m2", "dhi_w_m2"):
            clear[column] = clear[column] * 3.0
        return WeatherForecast(self.name, clear, forecasts_temperature=False)


def test_a_plan_on_a_forecast_beyond_the_clear_sky_is_published_untrusted(saturday_morning):
    settings, now = saturday_morning
    now += dt.timedelta(minutes=1)  # the newest run for the day
    result = run_day_ahead(settings, SUNDAY, ThreeSuns(), now_utc=now, run_id="three-suns")
    assert result.status == UNTRUSTED_FORECAST and not result.is_trusted
    assert any(p.startswith("PV forecast") and "above 1.1 x clear sky" in p
               for p in result.forecast_problems)
    plans = _landed(settings, "three-suns", "plans")
    assert set(plans["solver_status"]) == {UNTRUSTED_FORECAST}
    assert plans["breached_bounds"].iloc[0].startswith("forecast: ")
    assert "UNTRUSTED FORECAST" in summary_markdown(result)
    # the setpoint writer's plan source refuses it: the devices keep their safe defaults
    noon = local_day_intervals(SUNDAY, settings.park.park.timezone)[48].to_pydatetime()
    choice = plan_for_interval(settings.landing_root, noon, noon, max_age_h=42)
    assert choice.plan is None
    assert choice.why_no_plan == "plan three-suns has untrusted status 'untrusted_forecast'"
