"""Battery energy to the grid only where the tariff pays for it (issue 16): a hand case where
the valley import price is below the export price, solved for real by HiGHS."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from tests.jobs.dispatch.test_small_cases import START, _battery, _inputs, _series, _solve

VALLEY_CNY, PEAK_CNY, EXPORT_CNY = 0.2, 1.0, 0.5


def _valley_then_peak(stored_energy_export_paid: bool):
    """Two hours, 100 kW of load each, no PV; a lossless 400 kWh / 400 kW battery, empty."""
    index = pd.date_range(START, periods=2, freq="1h")
    inputs = _inputs([VALLEY_CNY, PEAK_CNY], [100.0, 100.0],
                     batteries={"b": _battery(400, 400, 1.0)}, export_limit_kw=1000.0)
    grid = dataclasses.replace(inputs.grid,
                               export_price_cny_per_kwh=pd.Series(EXPORT_CNY, index=index),
                               stored_energy_export_paid=stored_energy_export_paid)
    return dataclasses.replace(inputs, grid=grid)


def test_the_battery_does_not_discharge_to_export_when_stored_export_is_not_paid():
    """Charging 400 kWh at 0.2 and selling 300 at 0.5 would earn 90 CNY; the tariff does not
    pay for stored energy, so the battery charges only the 100 kWh the peak hour's load needs:
    0.2 x (100 + 100) = 40 CNY, nothing exported."""
    result, plan, _ = _solve(_valley_then_peak(stored_energy_export_paid=False))
    assert _series(plan, "grid", "export_kw") == pytest.approx([0.0, 0.0], abs=1e-6)
    assert _series(plan, "grid", "import_kw") == pytest.approx([200.0, 0.0], abs=1e-6)
    assert result.objective_cny == pytest.approx(40.0, abs=1e-6)


def test_where_the_tariff_pays_for_stored_export_the_battery_may_sell():
    """The same day under a tariff that pays: 0.2 x 500 - 0.5 x 300 = -50 CNY."""
    result, plan, _ = _solve(_valley_then_peak(stored_energy_export_paid=True))
    assert _series(plan, "grid", "export_kw") == pytest.approx([0.0, 300.0], abs=1e-6)
    assert result.objective_cny == pytest.approx(-50.0, abs=1e-6)
