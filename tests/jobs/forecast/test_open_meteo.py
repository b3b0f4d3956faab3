"""The Open-Meteo provider against a local HTTP server that answers in Open-Meteo's format
(no network here): hourly radiation as the mean of the preceding hour, made from the
clear-sky model, so the provider's re-centring and interpolation can be checked; an error
reply and a silent server fall back to the offline provider, and the forecast says so."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest

from jobs.common.park_config import ParkConfig
from jobs.dispatch.calendar import local_day_intervals
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import (
    ClearSkyClimatology,
    OpenMeteo,
    WeatherProviderError,
    WithFallback,
)

DAY = dt.date(2026, 7, 15)
CLOUD_LOSS = 0.2


def _open_meteo_payload(park, start: dt.date, end: dt.date) -> dict:
    """What Open-Meteo returns for hourly=...&timezone=GMT: radiation averaged over the
    preceding hour (here from 5-minute clear-sky samples), temperature and cloud instantly."""
    hours = pd.date_range(pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")
                          + pd.Timedelta(hours=23), freq="1h")
    fine = pd.date_range(hours[0] - pd.Timedelta(hours=1), hours[-1], freq="5min")
    sky = ClearSkyClimatology(cloud_loss=CLOUD_LOSS).forecast(park, fine).frame
    hourly_mean = sky.rolling("60min").mean().reindex(hours)  # the mean over (h - 1 h, h]
    return {
        "latitude": park.latitude_deg, "longitude": park.longitude_deg,
        "generationtime_ms": 0.5, "utc_offset_seconds": 0, "timezone": "GMT",
        "timezone_abbreviation": "GMT", "elevation": 5.0,
        "hourly_units": {"time": "iso8601", "shortwave_radiation": "W/m²",
                         "direct_normal_irradiance": "W/m²", "diffuse_radiation": "W/m²",
                         "temperature_2m": "°C", "cloud_cover": "%"},
        "hourly": {
            "time": [t.strftime("%Y-%m-%dT%H:%M") for t in hours],
            "shortwave_radiation": np.round(hourly_mean["ghi_w_m2"].to_numpy(), 1).tolist(),
            "direct_normal_irradiance": np.round(hourly_mean["dni_w_m2"].to_numpy(), 1).tolist(),
            "diffuse_radiation": np.round(hourly_mean["dhi_w_m2"].to_numpy(), 1).tolist(),
            "temperature_2m": [18.0] * len(hours),
            "cloud_cover": [100.0 * CLOUD_LOSS] * len(hours),
        },
    }


class _OpenMeteoStub(BaseHTTPRequestHandler):
    mode = "ok"
    queries: list[dict] = []
    park = None

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        type(self).queries.append({"path": url.path, **query})
        if self.mode == "silent":
            time.sleep(2.0)
        if self.mode == "error":
            body, status = {"error": True, "reason": "Parameter 'hourly' is invalid"}, 400
        else:
            body, status = _open_meteo_payload(
                self.park, dt.date.fromisoformat(query["start_date"]),
                dt.date.fromisoformat(query["end_date"])), 200
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout case)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(demo_park_dict):
    park = ParkConfig.model_validate(demo_park_dict)
    _OpenMeteoStub.park = park.park
    _OpenMeteoStub.queries = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _OpenMeteoStub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield park, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_open_meteo_hourly_means_give_the_same_pv_energy_as_the_fine_weather(server):
    park, url = server
    _OpenMeteoStub.mode = "ok"
    index = local_day_intervals(DAY, park.park.timezone)
    forecast = OpenMeteo(base_url=url).forecast(park.park, index)
    query = _OpenMeteoStub.queries[-1]
    assert query["path"] == "/v1/forecast" and query["timezone"] == "GMT"
    assert set(query["hourly"].split(",")) == {"shortwave_radiation", "direct_normal_irradiance",
                                               "diffuse_radiation", "temperature_2m",
                                               "cloud_cover"}
    assert forecast.provider == "open_meteo" and forecast.frame.index.equals(index)
    truth = ClearSkyClimatology(cloud_loss=CLOUD_LOSS).forecast(park.park, index)
    from_api = pv_potential_kw(park.park, park.assets.pv, forecast, index, 15).to_numpy().sum()
    from_truth = pv_potential_kw(park.park, park.assets.pv, truth, index, 15).to_numpy().sum()
    assert from_api == pytest.approx(from_truth, rel=0.03)


@pytest.mark.parametrize(("mode", "reason"), [("error", "HTTP 400: Parameter 'hourly'"),
                                              ("silent", "ReadTimeout")])
def test_a_failing_provider_falls_back_and_the_forecast_says_so(server, mode, reason):
    park, url = server
    _OpenMeteoStub.mode = mode
    index = local_day_intervals(DAY, park.park.timezone)
    with pytest.raises(WeatherProviderError, match=reason):
        OpenMeteo(base_url=url, timeout_s=0.5).forecast(park.park, index)
    provider = WithFallback(OpenMeteo(base_url=url, timeout_s=0.5), ClearSkyClimatology())
    forecast = provider.forecast(park.park, index)
    assert forecast.provider.startswith("clear_sky_climatology (fallback: open_meteo")
    assert reason in forecast.provider
    assert forecast.frame["ghi_w_m2"].max() > 500


def test_a_cloudless_forecast_through_hourly_means_passes_the_clear_sky_bound(server,
                                                                              monkeypatch):
    """The sanity bound (forecast.sanity) must not flag an honest forecast: hourly means of a
    cloudless sky, re-centred and interpolated, spread a little light into dawn and dusk."""
    from jobs.forecast.sanity import clear_sky_pv_kw, pv_problems

    park, url = server
    _OpenMeteoStub.mode = "ok"
    monkeypatch.setattr(f"{__name__}.CLOUD_LOSS", 0.0)
    for day in (DAY, dt.date(2026, 12, 21), dt.date(2026, 3, 20)):
        index = local_day_intervals(day, park.park.timezone)
        forecast = OpenMeteo(base_url=url).forecast(park.park, index)
        pv_kw = pv_potential_kw(park.park, park.assets.pv, forecast, index, 15)
        assert pv_problems(pv_kw, clear_sky_pv_kw(park.park, park.assets.pv, index, 15)) == []
        assert pv_kw.to_numpy().max() > 0.5 * clear_sky_pv_kw(
            park.park, park.assets.pv, index, 15).to_numpy().max()
