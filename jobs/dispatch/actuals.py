"""What a day turned out to be, in the optimiser's terms: a plan's inputs with every forecast
replaced by what the warehouse measured on the day (base load, PV potential, outdoor
temperature, occupancy, heat flows, the EV sessions that came). The benchmark's simulated
week and the closed loop's perfect-foresight plan are made from it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from jobs.common.park_config import DeviceKind
from jobs.common.settings import Settings
from jobs.dispatch import measured
from jobs.dispatch.inputs import EV_GROUP_COLUMNS, DispatchInputs
from jobs.dispatch.occupancy import hvac_mode_history
from jobs.forecast.calibration import measured_potential_kw
from jobs.forecast.ev import charger_ratings, ev_session_history
from jobs.forecast.load import consumption_history_kw


def _day_frame(frame: pd.DataFrame, index: pd.DatetimeIndex) -> pd.DataFrame:
    """The day's intervals of a history frame; a missing interval is interpolated (at most
    an hour), else 0."""
    return frame.reindex(index).interpolate(limit=4, limit_area="inside").fillna(0.0)


def _actual_ev_groups(settings: Settings, index: pd.DatetimeIndex) -> pd.DataFrame:
    """Every session that arrived on the day as its own group, leaving by the day's end."""
    chargers = charger_ratings(settings.park)
    sessions = ev_session_history(settings.warehouse_path, index[0].to_pydatetime())
    day_end = index[-1] + (index[1] - index[0])
    sessions = sessions[(sessions["arrival_utc"] < day_end)
                        & sessions["device_id"].isin(chargers.index)]
    groups = pd.DataFrame({
        "arrival_utc": sessions["arrival_utc"].to_numpy(),
        "departure_utc": sessions["departure_utc"].clip(upper=day_end).to_numpy(),
        "energy_kwh": sessions["energy_kwh"].to_numpy(),
        "max_kw": chargers.loc[sessions["device_id"], "max_kw"].to_numpy()},
        index=sessions["session_id"].astype(str).to_numpy())
    hours = (groups["departure_utc"] - groups["arrival_utc"]).dt.total_seconds() / 3600.0
    groups["energy_kwh"] = np.minimum(groups["energy_kwh"], groups["max_kw"] * hours)
    return groups[list(EV_GROUP_COLUMNS)]


def actual_inputs(settings: Settings, planned: DispatchInputs) -> DispatchInputs:
    """The plan's inputs with the forecasts replaced by what the day turned out to be."""
    index = planned.interval_start_utc
    path = settings.warehouse_path
    minutes = settings.park.dispatch.interval_minutes
    since, until = index[0].to_pydatetime(), (index[-1] + pd.Timedelta(minutes=minutes))
    base = _day_frame(consumption_history_kw(path, since, minutes, part="base"), index)
    pv = _day_frame(measured_potential_kw(path, since, until.to_pydatetime(), minutes),
                    index).reindex(columns=planned.pv_potential_kw.columns, fill_value=0.0)
    hvac = [d.id for d in settings.park.devices if d.kind == DeviceKind.HVAC]
    outdoor = measured.interval_means(path, "outdoor_temp_c", hvac, since, until, minutes)
    mode = hvac_mode_history(path, hvac, since, until, minutes)  # as the schedules set it
    zone_of = {d.id: d.asset for d in settings.park.devices if d.kind == DeviceKind.HVAC}
    occupied = (_day_frame(mode, index) > 0).T.groupby(zone_of).any().T
    heat = measured.heat_flow_history_kw_th(path, since, until, minutes)
    tanks = list(planned.thermal_stores.index)

    def heat_of(flow: str) -> pd.DataFrame:
        columns = {tank: heat[(tank, flow)] if (tank, flow) in heat.columns else 0.0
                   for tank in tanks}
        return _day_frame(pd.DataFrame(columns, index=heat.index), index).clip(lower=0.0)

    return dataclasses.replace(
        planned, base_load_kw=base.sum(axis=1),
        consumer_base_load_kw=base.reindex(columns=planned.consumer_base_load_kw.columns,
                                           fill_value=0.0),
        pv_potential_kw=pv, outdoor_temp_c=_day_frame(outdoor, index).mean(axis=1),
        hvac_occupied=occupied.reindex(columns=planned.hvac_zones.index
                                       if planned.hvac_zones is not None else [],
                                       fill_value=True),
        waste_heat_kw_th=heat_of("stored"), heat_demand_kw_th=heat_of("released"),
        ev_groups=_actual_ev_groups(settings, index))
