"""Intraday re-optimisation (`mpc`): the optimiser's inputs for the rest of today and, once it
is planned, tomorrow, re-made every interval from what is measured now.

The day-ahead inputs stay the forecasts' source (the day-ahead plan is the day's commitment);
intraday replaces what has become known since:
- the starting state: battery SOC, zone temperatures, heat in the tanks (measured now);
- the EV groups in progress: what they still need, less what the chargers delivered since the
  group arrived, and only while cars are plugged in (no car: nothing left to serve now);
- the month's metered peak so far, the demand charge's floor, lowered by a margin so the plan
  keeps room for forecast error below it (a new monthly peak costs the whole month's charge;
  the day-ahead plan's floor, from the warehouse, has the same margin);
- PV: a nowcast, the measured against forecast ratio of the last NOWCAST_H hours on intervals
  the inverters were not held down, fading back to the forecast with FADE_H; intervals they
  were held down (the export protection) bound it from below, since the arrays gave at least
  what was measured (else a park always at its export cap never corrects a forecast too low);
- base load: the mean error of the last LOAD_ERROR_H hours, fading likewise;
- the direct green lines: their level of the last hour where they gave all they offered
  (jobs/dispatch/green_line.py), fading likewise;
- outdoor temperature: the zone controllers' outdoor sensors now against the forecast for
  the interval starting now, fading likewise (the day-ahead's temperature is a forecast, or
  offline the last days' profile: a summer evening 2-3 K above it warmed every zone the
  model planned at its band's top past the band).
No I/O here: the caller measures (the twin's loop or the setpoints flow).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from jobs.dispatch import green_line
from jobs.dispatch.inputs import EV_GROUP_COLUMNS, DispatchInputs, GridTerms

NOWCAST_H = 2.0  # the PV ratio's window: long enough to smooth a passing cloud
LOAD_ERROR_H = 1.0  # the load error's window
FADE_H = 3.0  # a correction's weight falls to 1/e after this many hours
PV_FACTOR_RANGE = (0.0, 1.5)
MIN_PV_SHARE = 0.05  # intervals forecast below this share of the system's rating say little


@dataclass(frozen=True)
class Measured:
    """The park now and over the last hours (UTC), as metered.

    recent: one row per past interval (index: interval start, UTC), columns
      `pv_kw:<system>` (NaN where the system was held down: a setpoint or the export
      protection), optionally `pv_held_kw:<system>` (its output where it was held down, NaN
      elsewhere), `base_load_kw` (consumption less HVAC and EV charging), `ev_kw`,
      optionally `green_kw` (delivered by the direct green lines) with `import_kw`.
    ev_plugged_kw: the ratings of the chargers with a car plugged in now (0: none).
    ev_delivered_kwh: what the cars plugged in now have received in their sessions so far
      (the chargers' session energy); None where not read: then the metered EV energy since
      the earliest of the groups in progress arrived stands in for it, which also counts
      cars that have left since and so under-serves the ones still there.
    green_forecast_kw: the line operator's freshest forecast as of now per future interval
      (NaN where no issue covers it: the day-ahead inputs' forecast stays there), and
      green_as_issued_kw what the freshest issue said for each recent interval when it began
      (green_line.nowcast_kw corrects against it); None: no operator forecast."""

    now_utc: pd.Timestamp
    soc_pct: Mapping[str, float]
    zone_temp_c: Mapping[str, float]
    stored_heat_kwh_th: Mapping[str, float]
    month_peak_kw: float
    ev_plugged_kw: float
    recent: pd.DataFrame = field(default_factory=pd.DataFrame)
    ev_delivered_kwh: float | None = None
    green_forecast_kw: pd.Series | None = None
    green_as_issued_kw: pd.Series | None = None
    outdoor_temp_c: float | None = None  # the zones' outdoor sensors now (mean); None: unread

    def __post_init__(self) -> None:
        if self.outdoor_temp_c is not None and not math.isfinite(self.outdoor_temp_c):
            raise ValueError(f"measured outdoor_temp_c is not finite ({self.outdoor_temp_c})")
        for name in ("soc_pct", "zone_temp_c", "stored_heat_kwh_th"):
            for asset, value in getattr(self, name).items():
                if not math.isfinite(value):
                    raise ValueError(f"measured {name} of {asset} is not finite ({value})")
        for name in ("month_peak_kw", "ev_plugged_kw", "ev_delivered_kwh"):
            value = getattr(self, name)
            if value is None and name == "ev_delivered_kwh":
                continue
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"measured {name} must be finite and >= 0, got {value}")


@dataclass(frozen=True)
class Corrections:
    pv_factor: dict[str, float]  # per system, at now (1: no correction)
    load_error_kw: float  # measured less forecast base load, at now
    peak_floor_kw: float  # the demand charge's floor used
    notes: tuple[str, ...] = ()
    outdoor_error_k: float = 0.0  # measured less forecast outdoor temperature, at now


def pv_nowcast_factors(recent: pd.DataFrame, forecast_kw: pd.DataFrame,
                       rated_kw: Mapping[str, float], now: pd.Timestamp
                       ) -> tuple[dict[str, float], list[str]]:
    """Per system: measured over forecast energy on the last NOWCAST_H hours' intervals that
    were forecast to produce and not held down (1 where none were), at least the same ratio
    on the intervals it was held down (what it gave then is a lower bound on the sun)."""
    since = now - pd.Timedelta(hours=NOWCAST_H)
    factors, notes = {}, []

    def ratio(column: str, system: str) -> float | None:
        if column not in recent:
            return None
        measured = recent[column][(recent.index >= since) & (recent.index < now)]
        forecast = forecast_kw[system].reindex(measured.index)
        usable = measured.notna() & forecast.notna() \
            & (forecast > MIN_PV_SHARE * float(rated_kw.get(system, 0.0)))
        if not usable.any() or forecast[usable].sum() <= 0:
            return None
        return float(measured[usable].sum() / forecast[usable].sum())

    for system in forecast_kw.columns:
        free = ratio(f"pv_kw:{system}", system)
        floor = ratio(f"pv_held_kw:{system}", system)
        factor = max(1.0 if free is None else free, floor or 0.0)
        factors[system] = min(max(factor, PV_FACTOR_RANGE[0]), PV_FACTOR_RANGE[1])
        if abs(factors[system] - 1.0) > 0.1:
            notes.append(f"PV {system}: nowcast {factors[system]:.2f} x forecast")
    return factors, notes


def load_error_kw(recent: pd.DataFrame, forecast_kw: pd.Series, now: pd.Timestamp) -> float:
    """The mean of measured less forecast base load over the last LOAD_ERROR_H hours."""
    if "base_load_kw" not in recent:
        return 0.0
    since = now - pd.Timedelta(hours=LOAD_ERROR_H)
    measured = recent["base_load_kw"][(recent.index >= since) & (recent.index < now)]
    error = (measured - forecast_kw.reindex(measured.index)).dropna()
    return float(error.mean()) if len(error) else 0.0


def _fade(index: pd.DatetimeIndex, now: pd.Timestamp) -> np.ndarray:
    hours = (index - now).total_seconds().to_numpy() / 3600.0
    return np.exp(-np.maximum(hours, 0.0) / FADE_H)


def _join(days: Sequence[DispatchInputs]) -> DispatchInputs:
    """Consecutive days' inputs as one horizon (the first day's scalars and assets)."""
    first = days[0]
    if len(days) == 1:
        return first

    def series(name: str) -> pd.Series:
        return pd.concat([getattr(d, name) for d in days])

    def frame(name: str) -> pd.DataFrame:
        return pd.concat([getattr(d, name) for d in days]).fillna(0.0)

    def grid_series(name: str) -> pd.Series:
        return pd.concat([getattr(d.grid, name) for d in days])

    occupied = None if any(d.hvac_occupied is None for d in days) else \
        pd.concat([d.hvac_occupied for d in days]).fillna(True)
    events = [d.dr_events for d in days if len(d.dr_events)]
    groups = pd.concat([d.ev_groups.rename(index=lambda g, i=i: f"d{i}-{g}")
                        for i, d in enumerate(days)])
    return dataclasses.replace(
        first, interval_start_utc=pd.DatetimeIndex(np.concatenate(
            [d.interval_start_utc for d in days])),
        base_load_kw=series("base_load_kw"), pv_potential_kw=frame("pv_potential_kw"),
        ev_groups=groups, outdoor_temp_c=None if first.outdoor_temp_c is None
        else series("outdoor_temp_c"), hvac_occupied=occupied,
        waste_heat_kw_th=frame("waste_heat_kw_th") if len(first.thermal_stores)
        else first.waste_heat_kw_th,
        heat_demand_kw_th=frame("heat_demand_kw_th") if len(first.thermal_stores)
        else first.heat_demand_kw_th,
        dr_events=pd.concat(events) if events else first.dr_events,
        direct_green_kw=None if any(d.direct_green_kw is None for d in days)
        else series("direct_green_kw"),
        consumer_base_load_kw=frame("consumer_base_load_kw")
        if len(first.consumer_base_load_kw.columns) else first.consumer_base_load_kw,
        grid=dataclasses.replace(
            first.grid, import_price_cny_per_kwh=grid_series("import_price_cny_per_kwh"),
            export_price_cny_per_kwh=grid_series("export_price_cny_per_kwh"),
            tou_period=grid_series("tou_period")))


def _shared_kwh(delivered_kwh: float, wanted_kwh: pd.Series, rated_kw: pd.Series
                ) -> pd.Series:
    """The energy delivered to the groups in progress, shared as the setpoint writer shares
    the fleet's power: in proportion to their chargers' rating, none beyond what it wanted
    (the rest to the others, likewise). Taking it from the earliest to leave first, as before,
    told the model those cars were served while the writer had given them only their share,
    and they left short (6 July: 17 cars that came at 08:00, 204 kWh)."""
    taken = pd.Series(0.0, index=wanted_kwh.index)
    left = max(delivered_kwh, 0.0)
    while left > 1e-9:
        open_ = taken < wanted_kwh - 1e-9
        if not open_.any():
            break
        weights = rated_kw[open_].clip(lower=1e-9)
        share = left * weights / weights.sum()
        given = np.minimum(share, (wanted_kwh - taken)[open_])
        taken[open_] += given
        left -= float(given.sum())
    return taken


def _ev_groups_now(groups: pd.DataFrame, recent: pd.DataFrame, now: pd.Timestamp,
                   plugged_kw: float, delivered_kwh: float | None = None) -> pd.DataFrame:
    """Groups still to arrive as forecast; groups in progress start now with what they still
    need (the measured charging shared among them as the writer shares it, _shared_kwh), at
    most what the plugged-in chargers can take."""
    future = groups[groups["arrival_utc"] >= now]
    in_progress = groups[(groups["arrival_utc"] < now) & (groups["departure_utc"] > now)]
    if in_progress.empty:
        return future[list(EV_GROUP_COLUMNS)]
    delivered = 0.0
    if delivered_kwh is not None:
        delivered = delivered_kwh
    elif "ev_kw" in recent:
        since = in_progress["arrival_utc"].min()
        charged = recent["ev_kw"][(recent.index >= since) & (recent.index < now)]
        hours = (recent.index[1] - recent.index[0]).total_seconds() / 3600.0 \
            if len(recent) > 1 else 0.25
        delivered = float(charged.fillna(0.0).sum()) * hours
    taken = _shared_kwh(delivered, in_progress["energy_kwh"].astype(float),
                        in_progress["max_kw"].astype(float))
    rows = {}
    for group, row in in_progress.sort_values("departure_utc").iterrows():
        still = float(row["energy_kwh"]) - taken[group] if plugged_kw > 0 else 0.0
        rows[f"now-{group}"] = {"arrival_utc": now, "departure_utc": row["departure_utc"],
                                "energy_kwh": still,
                                "max_kw": max(min(float(row["max_kw"]), plugged_kw), 1e-3)}
    now_groups = pd.DataFrame.from_dict(rows, orient="index")
    return pd.concat([now_groups, future[list(EV_GROUP_COLUMNS)]])[list(EV_GROUP_COLUMNS)]


def intraday_inputs(days: Sequence[DispatchInputs], measured: Measured,
                    peak_margin_pct: float = 0.0, correct_forecasts: bool = True,
                    until_utc: pd.Timestamp | None = None
                    ) -> tuple[DispatchInputs, Corrections]:
    """The day-ahead inputs of today (and tomorrow, if planned) from the current interval on,
    with the measured state and the corrected forecasts (correct_forecasts False: inputs that
    are the truth already, the closed loop's perfect foresight). until_utc: no interval from
    then on (a comparison's end, so that no controller trades its last day against a day
    that is not counted)."""
    now = measured.now_utc
    whole = _join(days)
    keep = whole.interval_start_utc >= now
    if until_utc is not None:
        keep &= whole.interval_start_utc < until_utc
    if not keep.any():
        raise ValueError(f"no planned interval at or after {now.isoformat()}")
    index = whole.interval_start_utc[keep]

    def cut(values):
        return values[keep] if values is not None else None

    forecast_pv = whole.pv_potential_kw
    factors, notes = pv_nowcast_factors(measured.recent, forecast_pv,
                                        whole.pv_rated_kw.to_dict(), now) \
        if correct_forecasts else ({}, [])
    fade = _fade(index, now)
    pv = cut(forecast_pv).copy()
    for system, factor in factors.items():
        pv[system] = pv[system].to_numpy() * (1.0 + (factor - 1.0) * fade)
    error_kw = load_error_kw(measured.recent, whole.base_load_kw, now) \
        if correct_forecasts else 0.0
    base = (cut(whole.base_load_kw) + error_kw * fade).clip(lower=0.0)
    if abs(error_kw) > 1.0:
        notes.append(f"base load: {error_kw:+.0f} kW measured against forecast, fading")
    outdoor, outdoor_error_k = cut(whole.outdoor_temp_c), 0.0
    if outdoor is not None and correct_forecasts and measured.outdoor_temp_c is not None:
        outdoor_error_k = measured.outdoor_temp_c - float(outdoor.iloc[0])
        outdoor = outdoor + outdoor_error_k * fade
        if abs(outdoor_error_k) > 0.5:
            notes.append(f"outdoor temperature: {outdoor_error_k:+.1f} K measured against "
                         "forecast, fading")
    green = cut(whole.direct_green_kw)
    as_issued = None
    if green is not None and correct_forecasts and measured.green_forecast_kw is not None:
        fresher = measured.green_forecast_kw.reindex(index)
        if fresher.notna().any():
            green = fresher.fillna(green)
            as_issued = measured.green_as_issued_kw
            notes.append(f"direct green lines: the operator's latest forecast for "
                         f"{int(fresher.notna().sum())} of {len(index)} intervals, the "
                         "day-ahead's for the rest")
    if green is not None and correct_forecasts:
        green, green_error_kw = green_line.nowcast_kw(measured.recent, green, now, fade,
                                                      as_issued)
        if abs(green_error_kw) > 1.0:
            notes.append(f"direct green lines: {green_error_kw:+.0f} kW measured against "
                         "forecast, fading")
    batteries = whole.batteries.copy()
    for battery, row in batteries.iterrows():
        if battery in measured.soc_pct:
            kwh = row["capacity_kwh"] * measured.soc_pct[battery] / 100.0
            batteries.loc[battery, "soc_initial_kwh"] = min(max(kwh, row["soc_min_kwh"]),
                                                            row["soc_max_kwh"])
    zones = whole.hvac_zones.copy() if whole.hvac_zones is not None else None
    if zones is not None:
        for zone, temp_c in measured.zone_temp_c.items():
            if zone in zones.index:
                zones.loc[zone, "initial_temp_c"] = temp_c
    stores = whole.thermal_stores.copy()
    for tank, kwh in measured.stored_heat_kwh_th.items():
        if tank in stores.index:
            stores.loc[tank, "stored_initial_kwh_th"] = min(
                max(kwh, 0.0), stores.loc[tank, "capacity_kwh_th"])
    # the day-ahead's floor has its margin already (day_ahead.prepare_inputs)
    floor_kw = max(whole.grid.month_peak_so_far_kw,
                   measured.month_peak_kw * (1.0 - peak_margin_pct / 100.0))
    grid: GridTerms = dataclasses.replace(
        whole.grid, month_peak_so_far_kw=floor_kw,
        import_price_cny_per_kwh=cut(whole.grid.import_price_cny_per_kwh),
        export_price_cny_per_kwh=cut(whole.grid.export_price_cny_per_kwh),
        tou_period=cut(whole.grid.tou_period))
    events = whole.dr_events
    if len(events):
        events = events[events["end_utc"] > now]
    inputs = dataclasses.replace(
        whole, interval_start_utc=index, base_load_kw=base, pv_potential_kw=pv,
        direct_green_kw=green, batteries=batteries, hvac_zones=zones, thermal_stores=stores,
        grid=grid,
        ev_groups=_ev_groups_now(whole.ev_groups, measured.recent, now,
                                 measured.ev_plugged_kw, measured.ev_delivered_kwh),
        outdoor_temp_c=outdoor, hvac_occupied=cut(whole.hvac_occupied),
        waste_heat_kw_th=cut(whole.waste_heat_kw_th) if len(stores) else whole.waste_heat_kw_th,
        heat_demand_kw_th=cut(whole.heat_demand_kw_th) if len(stores)
        else whole.heat_demand_kw_th,
        consumer_base_load_kw=cut(whole.consumer_base_load_kw)
        if len(whole.consumer_base_load_kw.columns) else whole.consumer_base_load_kw,
        dr_events=events)
    return inputs, Corrections(factors, error_kw, floor_kw, tuple(notes), outdoor_error_k)
