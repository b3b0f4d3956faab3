"""The twin's wind power forecasts: their error against the configured accuracy on a long
seeded series (the configured figures are the independent truth), its growth with the lead
time, its autocorrelation, and its independence of anything but (seed, product, issue)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from device_io.simulator.wind_forecast import (
    SHORT_TERM,
    ULTRA_SHORT,
    ForecastAccuracy,
    LineForecaster,
    error_kw,
)

CAPACITY_KW = 5000.0
ISSUES = pd.date_range("2026-01-01T00:00Z", periods=1500, freq="15min")


def _errors(product: str, lead_h: np.ndarray) -> np.ndarray:
    return np.stack([error_kw(11, product, t, lead_h, CAPACITY_KW, ForecastAccuracy())
                     for t in ISSUES])


def test_ultra_short_error_meets_the_configured_accuracy_at_each_lead():
    """Knots 3 % at 15 min and 15 % at 4 h of 5,000 kW: RMSE 150 and 750 kW, and at 2 h
    (linear between) 3 + 12 x 1.75/3.75 = 8.6 %: 430 kW. A Gaussian's MAE is RMSE x
    sqrt(2/pi)."""
    lead_h = np.arange(1, 17) * 0.25
    errors = _errors(ULTRA_SHORT, lead_h)
    rmse = np.sqrt((errors**2).mean(axis=0))
    assert rmse[0] == pytest.approx(150.0, rel=0.06)
    assert rmse[7] == pytest.approx(430.0, rel=0.06)
    assert rmse[15] == pytest.approx(750.0, rel=0.06)
    assert np.abs(errors[:, 15]).mean() == pytest.approx(750.0 * np.sqrt(2 / np.pi), rel=0.06)
    assert abs(errors.mean()) < 30.0  # unbiased
    assert np.all(np.diff(rmse) > -25.0) and rmse[15] > 4 * rmse[0]  # grows with the lead


def test_short_term_error_is_autocorrelated_along_the_lead():
    """AR(1) with 0.95 per interval: neighbouring intervals' errors (normalised) correlate
    at 0.95, four apart at 0.95^4 = 0.815; day-ahead (lead 16–40 h) RMSE 20 % = 1,000 kW."""
    lead_h = np.arange(1, 289) * 0.25
    errors = _errors(SHORT_TERM, lead_h)[:400]
    z = errors / ForecastAccuracy().nrmse(SHORT_TERM, lead_h) / CAPACITY_KW
    lag1 = np.mean(z[:, 1:] * z[:, :-1])
    lag4 = np.mean(z[:, 4:] * z[:, :-4])
    assert lag1 == pytest.approx(0.95, abs=0.02)
    assert lag4 == pytest.approx(0.95**4, abs=0.04)
    day_ahead = (lead_h > 16) & (lead_h <= 40)
    assert np.sqrt((errors[:, day_ahead] ** 2).mean()) == pytest.approx(1000.0, rel=0.08)


def test_forecast_is_truth_plus_error_clipped_and_reproducible():
    calls = []

    def truth(index):
        calls.append(len(index))
        return pd.Series(4400.0, index=index)

    one = LineForecaster(truth, 3, CAPACITY_KW, 4500.0, 15)
    issued = pd.Timestamp("2026-07-06T00:07Z")
    forecast = one.issue(ULTRA_SHORT, issued)
    assert forecast.index[0] == pd.Timestamp("2026-07-06T00:15Z") and len(forecast) == 16
    assert forecast.max() <= 4500.0 and forecast.min() >= 0.0
    again = LineForecaster(lambda i: pd.Series(4400.0, index=i), 3, CAPACITY_KW, 4500.0, 15)
    pd.testing.assert_series_equal(forecast, again.issue(ULTRA_SHORT, issued))
    one.issue(ULTRA_SHORT, issued)
    assert calls == [16]  # the truth is read once per interval
    other = one.issue(ULTRA_SHORT, issued + pd.Timedelta(minutes=15))
    assert not np.allclose(other.iloc[:-1].to_numpy(), forecast.iloc[1:].to_numpy())


def test_accuracy_knots_are_checked():
    with pytest.raises(ValueError, match="short_term_knots"):
        ForecastAccuracy(short_term_knots=((4.0, 0.1), (1.0, 0.2)))
    with pytest.raises(ValueError, match="ar1"):
        ForecastAccuracy(ar1_per_interval=1.0)
