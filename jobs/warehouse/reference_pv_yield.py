"""The park site's PV yield per installed kWp, month by month, for sizing "how much more PV
would close the gap" in the national assessment (fct_park_acceptance_readiness).

The figure comes from the platform's own PV model (jobs/forecast/pv.py: pvlib transposition,
Faiman cell temperature, PVWatts DC, the inverter) under the clear-sky climatology the planner
falls back on (Ineichen clear sky less the site's mean cloud loss). Extra PV is assumed to be
built like the park's existing arrays: their orientation and losses, weighted by kWp. A park
without PV gets a south-facing array at the latitude's usual tilt. One reference year, not a
forecast: a sizing figure, labelled as modelled.
"""

from __future__ import annotations

import functools

import pandas as pd
import pyarrow as pa

from jobs.common.park_config import Park, ParkConfig, PvSystem
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology

REFERENCE_YEAR = 2025  # a non-leap year; the figure is per calendar month, not per date
INTERVAL_MINUTES = 60
PV_YIELD_SCHEMA = pa.schema([
    ("month_of_year", pa.int32()), ("kwh_per_kwp", pa.float64()), ("model", pa.string())])


def reference_array(park: ParkConfig) -> PvSystem:
    """A 1 kWp array as the park builds them: the kWp-weighted mean of its arrays."""
    systems = park.assets.pv
    if not systems:
        tilt = min(abs(park.park.latitude_deg), 35.0)  # the usual fixed-tilt choice, capped
        return PvSystem(id="reference", kwp=1.0, inverter_kw=1.0, tilt_deg=tilt,
                        azimuth_deg=180.0 if park.park.latitude_deg >= 0 else 0.0)
    total_kwp = sum(s.kwp for s in systems)

    def weighted(attribute: str) -> float:
        return sum(getattr(s, attribute) * s.kwp for s in systems) / total_kwp

    # An array never clips at 1 kWp DC in this model unless its inverter is smaller: keep the
    # park's DC/AC ratio so clipping is counted as it would be on the roof.
    dc_ac_ratio = total_kwp / sum(s.inverter_kw for s in systems)
    return PvSystem(id="reference", kwp=1.0, inverter_kw=1.0 / dc_ac_ratio,
                    tilt_deg=weighted("tilt_deg"), azimuth_deg=weighted("azimuth_deg"),
                    losses_pct=weighted("losses_pct"))


def monthly_pv_yield_kwh_per_kwp(park: ParkConfig) -> pd.Series:
    """kWh AC per kWp DC installed, per month of the year (index 1..12)."""
    # about a second of pvlib per call, and every warehouse build asks: the answer depends only
    # on the site and the reference array, so it is kept per process
    return _monthly_yield(park.park.model_dump_json(), reference_array(park).model_dump_json())


@functools.lru_cache(maxsize=8)
def _monthly_yield(site_json: str, array_json: str) -> pd.Series:
    site = Park.model_validate_json(site_json)
    array = PvSystem.model_validate_json(array_json)
    hours = pd.date_range(f"{REFERENCE_YEAR}-01-01", f"{REFERENCE_YEAR + 1}-01-01",
                          freq=f"{INTERVAL_MINUTES}min", inclusive="left", tz="UTC")
    weather = ClearSkyClimatology().forecast(site, hours)
    power_kw = pv_potential_kw(site, [array], weather, hours, INTERVAL_MINUTES)[array.id]
    energy_kwh = power_kw.fillna(0.0) * INTERVAL_MINUTES / 60.0
    local_month = energy_kwh.index.tz_convert(site.timezone).month
    return energy_kwh.groupby(local_month).sum().rename_axis("month_of_year")


def pv_yield_table(park: ParkConfig) -> pa.Table:
    yields = monthly_pv_yield_kwh_per_kwp(park)
    model = (f"jobs/forecast/pv.py under the clear-sky climatology "
             f"(cloud loss {ClearSkyClimatology().cloud_loss:.0%}), reference year "
             f"{REFERENCE_YEAR}, arrays like the park's")
    return pa.Table.from_pylist(
        [{"month_of_year": int(month), "kwh_per_kwp": float(kwh), "model": model}
         for month, kwh in yields.items()], schema=PV_YIELD_SCHEMA)
