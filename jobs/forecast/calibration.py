"""Calibration of each PV system's forecast against its own measured history.

The forecast (`jobs.forecast.pv`) knows a system only from its configuration; soiling,
shading, a wrong kWp or a tired inverter show up only in what it measures. The factor is found
by the clear-sky envelope: on the clearest intervals of the history, measured output divided
by the modelled cloudless output is the system's derate. Clouds only ever lower measured
output, so the ratio's high quantile, not its mean, is the clear-sky one.

The factor is a derate of the array: it is fitted against the model not held at the inverter
rating. `calibrated_systems` applies it exactly, as a smaller (or larger) kWp to forecast with;
`calibrated` applies it to a finished forecast and holds the result at the inverter's rating.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.park_config import Park, PvSystem
from jobs.forecast.pv import pv_potential_kw
from jobs.forecast.weather import ClearSkyClimatology
from jobs.warehouse.published import connect_published

# The quantile must land on clear intervals. In the twin, the day-level cloud loss is
# Beta-distributed around simulation.cloudiness (0.35 by default) and within a day clouds lift
# at most 90 % of that day's loss, so only days drawn nearly clear (roughly one in five) come
# near the clear sky. The 95th percentile needs 5 % of the usable intervals to be clear: one
# nearly clear day in about three weeks of history; the 90th needs one in ten days, and the
# median never sees a clear sky. A higher quantile would follow the few intervals where a real
# sky lifts the array above clear sky (light off cloud edges) or a meter's noise. On the twin,
# a correctly configured system gets 0.93 from 7 days (one nearly clear day) and 0.97 from 28:
# the shorter the history, the more of its clearest day's residual cloud stays in the factor.
RATIO_QUANTILE = 0.95
MIN_CLEAR_SKY_SHARE_OF_KWP = 0.30  # below it, angle-of-incidence and model errors dominate
AC_LIMITED_SHARE = 0.97  # measured at the inverter's rating: says nothing about the array
MIN_DAYS = 3
MIN_INTERVALS = 60  # so the 95th percentile rests on at least three intervals
FACTOR_LIMITS = (0.5, 1.2)  # outside: more likely a broken meter or model than a derate

FACTOR_COLUMNS = ("factor", "raw_factor", "intervals_used", "days_used", "status")

MEASURED_SQL = """
with readings as (
    select * from fct_pv_interval_generation
    where interval_start_utc >= ? and interval_start_utc < ?
),

inverters as (
    select asset_id, count(*) as inverter_count
    from dim_devices
    where device_kind = 'pv_inverter'
    group by asset_id
),

per_system as (
    select
        interval_start_utc,
        asset_id,
        sum(potential_kwh) as potential_kwh,
        sum(generation_kwh) as generation_kwh,
        count(potential_kwh) as inverters_known,
        bool_and(interval_quality = 'measured') as all_measured
    from readings
    group by all
),

final as (
    select
        per_system.interval_start_utc,
        per_system.asset_id,
        per_system.potential_kwh,
        per_system.generation_kwh
    from per_system
    inner join inverters on per_system.asset_id = inverters.asset_id
    where per_system.all_measured and per_system.inverters_known = inverters.inverter_count
)

select * from final
"""


def measured_potential_kw(warehouse_path: str, since_utc: dt.datetime, until_utc: dt.datetime,
                          interval_minutes: int = 15, quantity: str = "potential_kwh"
                          ) -> pd.DataFrame:
    """Average AC kW per interval and PV system (columns), what the arrays offered: metered
    generation, or the mart's peer estimate where an inverter was curtailed (quantity
    "generation_kwh": what they fed, metered, on the same intervals). Only intervals
    where every inverter of the system has a measured (not bridged) value and a known
    potential are present; any other is left out, not guessed."""
    with connect_published(warehouse_path) as connection:
        frame = to_frame(connection.execute(MEASURED_SQL, [since_utc, until_utc]))
    wide = frame.pivot_table(index="interval_start_utc", columns="asset_id",
                             values=quantity, aggfunc="sum")
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    return wide.sort_index() * (60.0 / interval_minutes)


def clear_sky_array_kw(park: Park, systems: list[PvSystem], intervals_utc: pd.DatetimeIndex,
                       interval_minutes: int) -> pd.DataFrame:
    """Each array's modelled output under a cloudless sky, not held at the inverter rating
    (intervals where the real inverter limits are dropped from the fit instead)."""
    unlimited = [system.model_copy(update={"inverter_kw": math.inf}) for system in systems]
    weather = ClearSkyClimatology(cloud_loss=0.0).forecast(park, intervals_utc)
    return pv_potential_kw(park, unlimited, weather, intervals_utc, interval_minutes)


def _envelope_factor(measured_kw: pd.Series, clear_sky_kw: pd.Series, system: PvSystem,
                     timezone: str) -> dict[str, float | int | str]:
    """One system's factor from aligned measured and clear-sky kW (NaN = not measured)."""
    usable = (measured_kw.notna() & (clear_sky_kw > MIN_CLEAR_SKY_SHARE_OF_KWP * system.kwp)
              & (measured_kw < AC_LIMITED_SHARE * system.inverter_kw))
    ratios = measured_kw[usable] / clear_sky_kw[usable]
    days = int(pd.Series(ratios.index.tz_convert(timezone).date).nunique())
    if len(ratios) < MIN_INTERVALS or days < MIN_DAYS:
        return {"factor": 1.0, "raw_factor": np.nan, "intervals_used": len(ratios),
                "days_used": days, "status": "insufficient_history"}
    raw = float(ratios.quantile(RATIO_QUANTILE))
    factor = float(np.clip(raw, *FACTOR_LIMITS))
    return {"factor": factor, "raw_factor": raw, "intervals_used": len(ratios),
            "days_used": days, "status": "calibrated" if factor == raw else "clipped"}


def pv_calibration_factors(warehouse_path: str, park: Park, systems: list[PvSystem],
                           since_utc: dt.datetime, until_utc: dt.datetime,
                           interval_minutes: int = 15) -> pd.DataFrame:
    """One row per PV system (index: system id): factor (1.0 unless calibrated), raw_factor
    (the quantile before clipping), intervals_used, days_used and status ('calibrated',
    'clipped' or 'insufficient_history'), from the history in [since_utc, until_utc)."""
    measured = measured_potential_kw(warehouse_path, since_utc, until_utc, interval_minutes)
    measured = measured.reindex(columns=[system.id for system in systems])
    clear_sky = pd.DataFrame(0.0, index=measured.index, columns=measured.columns)
    if not measured.empty:
        # the model on every interval, so its sub-interval samples never span a gap
        every = pd.date_range(measured.index[0], measured.index[-1],
                              freq=f"{interval_minutes}min")
        clear_sky = clear_sky_array_kw(park, systems, every, interval_minutes).reindex(
            measured.index)
    rows = {system.id: _envelope_factor(measured[system.id], clear_sky[system.id], system,
                                        park.timezone) for system in systems}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(FACTOR_COLUMNS))
    table.index.name = "system_id"
    return table


def calibrated(pv_kw: pd.DataFrame, factors: pd.DataFrame,
               systems: list[PvSystem]) -> pd.DataFrame:
    """The forecast scaled per column by its system's factor (1.0 where it has none) and held
    at the inverter's AC rating. A forecast already held at the rating stays scaled below it
    where the factor is < 1: a slight understatement on clear noons of a high DC/AC system."""
    rating_kw = {system.id: system.inverter_kw for system in systems}
    unknown = [column for column in pv_kw.columns if column not in rating_kw]
    if unknown:
        raise ValueError(f"no PV system configured for forecast columns {unknown}")
    factor = factors["factor"].reindex(pv_kw.columns).fillna(1.0)
    cap = pd.Series(rating_kw).reindex(pv_kw.columns)
    return pv_kw.mul(factor, axis="columns").clip(upper=cap, axis="columns")


def calibrated_systems(systems: list[PvSystem], factors: pd.DataFrame) -> list[PvSystem]:
    """The systems with their kWp scaled by their factor (1.0 where they have none), for
    `pv_potential_kw`: the derate then acts before the inverter's rating, as it does on the
    roof."""
    factor = factors["factor"]
    return [system.model_copy(update={"kwp": system.kwp * float(factor.get(system.id, 1.0))})
            for system in systems]
