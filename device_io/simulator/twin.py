"""The park's digital twin: one physically consistent, deterministic time model of every device.

No Modbus here: the simulator serves `point_values` through the register maps, the history
generator samples `readings_frame`, and setpoint writes come back through `write_point`.

Time runs on a fixed grid of `step_s` (multiples of step_s since the Unix epoch). At each grid
point, and at every write, the fleets decide their powers from the exogenous world and their
states; the powers are then held until the next grid point, and states and counters are
integrated from exactly those powers (E += P dt / 3600). So a counter always equals the integral
of the power the twin reports, and advancing in different chunks gives the same result.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from device_io.simulator.assets import ParkLayout, resolve_layout
from device_io.simulator.battery import BatteryFleet
from device_io.simulator.ev import EvFleet
from device_io.simulator.ev_sessions import Session, SessionPlan
from device_io.simulator.exogenous import Exogenous
from device_io.simulator.fleet import DecidingFleet, Fleet
from device_io.simulator.gas import GasFleet
from device_io.simulator.grid_protection import GridProtection, GridTally
from device_io.simulator.hvac import HvacFleet
from device_io.simulator.meters import MeterFleet
from device_io.simulator.pv import PvFleet
from device_io.simulator.readout import Quantities, Readout
from device_io.simulator.streams import stream_rng
from device_io.simulator.thermal_storage import ThermalFleet
from device_io.simulator.timebase import US_PER_S, from_us, to_us
from device_io.simulator.water import WaterFleet
from device_io.simulator.wind import available_kw
from jobs.common.park_config import DeviceKind, ParkConfig
from jobs.common.register_map import RegisterMap

METER_KINDS = (DeviceKind.GRID_METER, DeviceKind.SUB_METER, DeviceKind.COMMON_METER,
               DeviceKind.DIRECT_GREEN_METER)


class ParkTwin:
    """Advance it, read it, write setpoints into it."""

    def __init__(self, park: ParkConfig, register_maps: dict[str, RegisterMap],
                 start_utc: dt.datetime, *, seed: int | None = None, step_s: float = 10.0):
        if not step_s > 0:
            raise ValueError(f"step_s must be positive, got {step_s}")
        missing = sorted({d.register_map for d in park.devices} - set(register_maps))
        if missing:
            raise ValueError(f"no register map for model(s) {missing}")
        self.park = park
        self.seed = park.simulation.seed if seed is None else seed
        self.step_s = step_s
        self._step_us = max(1, round(step_s * US_PER_S))
        self._maps = {d.id: register_maps[d.register_map] for d in park.devices}
        self._now_us = to_us(start_utc)
        layout = resolve_layout(park, self.seed)
        self._exogenous = Exogenous(park, layout, self.seed)
        self._fleets, self._placement = self._build_fleets(layout)
        self._readout = Readout(list(park.devices), register_maps, self._placement)
        self._extra_setpoints: dict[tuple[str, str], float] = {}
        self._quantities: Quantities | None = None
        connection = park.park.grid_connection
        self._protection = GridProtection(connection.import_limit_kw, connection.export_limit_kw)
        self._decide_all()

    # -- building -------------------------------------------------------------------------
    def _build_fleets(self, layout: ParkLayout
                      ) -> tuple[dict[str, Fleet], dict[str, tuple[str, int]]]:
        park, seed, start = self.park, self.seed, self._now_us
        meters = [d for d in park.devices if d.kind in METER_KINDS]
        hvac = [d for d in park.devices if d.kind == DeviceKind.HVAC]
        gas = [d for d in park.devices if d.kind == DeviceKind.GAS_METER]
        gas_entity = [layout.entity_of_device[d.id] for d in gas]
        plan = SessionPlan(seed, layout.chargers, park.simulation.ev_sessions_per_charger_day,
                           park.park.timezone)
        self._meters = MeterFleet(meters, layout, park, seed)
        self._pv = PvFleet(layout.pv, seed, start)
        self._bess = BatteryFleet(layout.batteries, seed, start)
        self._ev = EvFleet(layout.chargers, plan, seed, start)
        self._hvac = HvacFleet(layout.zones, [d.id for d in hvac],
                               [layout.zone_of_hvac_device[d.id] for d in hvac], seed,
                               park.assets.hvac_heating_season, park.park.timezone)
        self._thermal = ThermalFleet(layout.thermal, seed)
        self._gas = GasFleet([d.id for d in gas], gas_entity,
                             [layout.entities[e].profile.gas_nm3_per_h for e in gas_entity], seed)
        water = [d for d in park.devices if d.kind == DeviceKind.WATER_METER]
        entity_of_enterprise = {entity.key: index for index, entity in enumerate(layout.entities)}
        self._water = WaterFleet([d.id for d in water],
                                 [entity_of_enterprise.get(d.enterprise or "", -1) for d in water],
                                 seed)
        self._deciding: dict[str, DecidingFleet] = {
            "pv": self._pv, "bess": self._bess, "ev": self._ev, "hvac": self._hvac,
            "thermal": self._thermal, "gas": self._gas, "water": self._water}
        fleets: dict[str, Fleet] = {"meters": self._meters, **self._deciding}
        placement = {device_id: (name, row) for name, fleet in fleets.items()
                     for row, device_id in enumerate(fleet.device_ids)}
        return fleets, placement

    # -- time -----------------------------------------------------------------------------
    @property
    def now_utc(self) -> dt.datetime:
        return from_us(self._now_us)

    @property
    def next_step_utc(self) -> dt.datetime:
        """Until this instant every power the twin reports now stays constant (absent writes)."""
        return from_us(self._step_end_us)

    def set_step(self, step_s: float) -> None:
        """Use another step from the end of the current one on (a backfill catches up with
        coarse steps, live serving then moves in fine ones so readings change every second)."""
        if not step_s > 0:
            raise ValueError(f"step_s must be positive, got {step_s}")
        self.step_s = step_s
        self._step_us = max(1, round(step_s * US_PER_S))

    def advance_to(self, t_utc: dt.datetime) -> None:
        """Integrate forward to t in steps of at most step_s; earlier than now is an error."""
        target_us = to_us(t_utc)
        if target_us < self._now_us:
            raise ValueError(f"cannot go back in time: {t_utc} is before {self.now_utc}")
        while self._now_us < target_us:
            segment_end_us = min(target_us, self._step_end_us)
            self._integrate((segment_end_us - self._now_us) / US_PER_S)
            self._now_us = segment_end_us
            if segment_end_us == self._step_end_us:
                self._decide_all()
        self._quantities = None

    def _decide_all(self) -> None:
        """Start a new step at now: sample the world, let every fleet choose its powers."""
        self._step_end_us = (self._now_us // self._step_us + 1) * self._step_us
        self._exo = self._exogenous.sample(self._now_us)
        dt_s = (self._step_end_us - self._now_us) / US_PER_S
        for fleet in self._deciding.values():
            fleet.decide(self._now_us, dt_s, self._exo)
        self._route_power()
        self._quantities = None

    def _route_power(self) -> None:
        """Add the flows up at the meters; where the park would export above its limit, the
        export protection holds the inverters down first (the same step, as a real one acts
        within a second)."""
        self._pv.apply_protection(1.0)  # the protection acts on what the inverters offer now
        self._aggregate_meters()
        scale = self._protection.pv_scale(self._meters.grid_kw, float(self._pv.ac_kw.sum()))
        if scale < 1.0:
            self._pv.apply_protection(scale)
            self._aggregate_meters()
        self._protection.hold(self._meters.grid_kw, float(self._pv.potential_kw.sum()),
                              float(self._pv.limited_kw.sum()), float(self._pv.ac_kw.sum()))

    def _aggregate_meters(self) -> None:
        self._meters.aggregate(self._exo, self._hvac.electric_kw, self._ev.power_kw,
                               self._ev.reactive_kvar(), self._bess.power_kw, self._pv.ac_kw)

    def _integrate(self, dt_s: float) -> None:
        for fleet in self._fleets.values():
            fleet.integrate(dt_s)
        self._protection.integrate(dt_s)

    # -- the grid connection ----------------------------------------------------------------
    @property
    def grid_tally(self) -> GridTally:
        """Energy, curtailment and limit breaches at the grid connection since the last
        reset_grid_tally (ground truth, not readings)."""
        return self._protection.tally

    def reset_grid_tally(self) -> None:
        self._protection.reset()

    def ev_unserved_kwh(self) -> float:
        """Energy the cars that have left since the twin started wanted and did not get
        (kWh, ground truth: a controller that holds chargers back saves on the bill only
        what the drivers go without)."""
        return self._ev.unserved_kwh

    def backup_heat_kwh_th(self) -> float:
        """Heat the gas boiler gave the tanks' users since the twin started (kWh th, ground
        truth): their demand less the waste heat and the tanks' discharge."""
        return float(self._thermal.backup_heat_kwh_th.sum())

    def comfort_violation_kh(self) -> float:
        """Kelvin-hours the zones spent outside their comfort bands while occupied since the
        twin started, summed over the zones (ground truth)."""
        return float(self._hvac.comfort_violation_kh.sum())

    def pv_potential_kwh(self) -> dict[str, float]:
        """Each inverter's offered energy integrated since the twin started (kWh)."""
        return dict(zip(self._pv.device_ids, self._pv.potential_kwh.tolist(), strict=True))

    def direct_green_offered_kw(self, intervals_utc: pd.DatetimeIndex,
                                interval_minutes: int) -> pd.Series:
        """What the direct green lines offer (kW, summed over the lines, ground truth before
        the park's demand caps it), each interval's mean over its minutes. The wind is a pure
        function of the seed and the time, so this reads ahead without stepping the twin."""
        rated = self._meters.direct_rated_kw
        means = []
        for start in intervals_utc:
            minutes = [to_us(start.to_pydatetime()) + m * 60 * US_PER_S
                       for m in range(interval_minutes)]
            means.append(sum(float(available_kw(self._exogenous.sample(t).wind_speed_m_s,
                                                rated).sum()) for t in minutes)
                         / interval_minutes)
        return pd.Series(means, index=intervals_utc, dtype=float)

    def inject_cloud(self, start_utc: dt.datetime, end_utc: dt.datetime,
                     retained: float) -> None:
        """Shade every PV plane to `retained` of its sun between the instants (a what-if: a
        cloud the forecasts did not see); from the next step on."""
        self._exogenous.shade(to_us(start_utc), to_us(end_utc), retained)

    # -- control --------------------------------------------------------------------------
    def write_point(self, device_id: str, point: str, value: float) -> None:
        """Apply a setpoint write now; the device reacts from now on (not at the next step)."""
        register_map = self._register_map(device_id)
        try:
            spec = register_map.point(point)
        except KeyError as exc:
            raise ValueError(f"{device_id}: map {register_map.model} has no point {point!r}"
                             ) from exc
        if not spec.writable:
            raise ValueError(f"{device_id}: point {point!r} is not writable")
        low, high = spec.write_min, spec.write_max  # both set: the map validates writable points
        if not (math.isfinite(value) and low <= value <= high):  # type: ignore[operator]
            raise ValueError(f"{device_id}: {point} = {value} outside [{low}, {high}]")
        fleet_name, row = self._placement[device_id]
        rows = self._fleets[fleet_name].write(row, point, float(value), self._now_us)
        if rows is None:
            self._extra_setpoints[(device_id, point)] = float(value)  # held, not modelled
        else:
            rest_of_step_s = (self._step_end_us - self._now_us) / US_PER_S
            self._deciding[fleet_name].decide(self._now_us, rest_of_step_s, self._exo, rows)
            self._route_power()
        self._quantities = None

    # -- reading --------------------------------------------------------------------------
    def point_values(self, device_id: str) -> dict[str, float | None]:
        """Every landed point of the device's map at now, in map units; None = not available."""
        self._register_map(device_id)
        return self._readout.values(device_id, self._current_quantities(), self._shared(),
                                    self._extra_setpoints)

    def readings_frame(self) -> pd.DataFrame:
        """Every device's every landed point at now: columns device_id, point, value (NaN = n/a)."""
        return self._readout.frame(self._current_quantities(), self._shared(),
                                   self._extra_setpoints)

    def true_power_kw(self) -> dict[str, float]:
        """Ground truth of each device's main flow at now (kW; gas meters: LHV chemical power,
        thermal storage: kW_th, positive = discharge)."""
        truth: dict[str, float] = {}
        for fleet in self._fleets.values():
            truth.update(zip(fleet.device_ids, fleet.true_power_kw().tolist(), strict=True))
        return truth

    def active_ev_session(self, device_id: str) -> Session | None:
        """The car plugged into a charger now (its demand is what the session aims for)."""
        fleet_name, row = self._placement[device_id]
        if fleet_name != "ev":
            raise ValueError(f"{device_id} is not an EV charger")
        return self._ev.active_session(row)

    @property
    def unmetered_kw(self) -> float:
        """HVAC power that reaches the grid meter without passing a sub- or common meter."""
        return self._meters.unmetered_kw

    def _current_quantities(self) -> Quantities:
        if self._quantities is None:
            # Measurement noise is drawn per step, so re-reading within a step gives the same.
            step = self._now_us // self._step_us
            self._quantities = {
                name: fleet.quantities(self._exo, stream_rng(self.seed, "reading:" + name, "",
                                                             step))
                for name, fleet in self._fleets.items()
            }
        return self._quantities

    def _shared(self) -> dict[str, float]:
        return {"device_time_unix_s": self._now_us / US_PER_S}

    def _register_map(self, device_id: str) -> RegisterMap:
        try:
            return self._maps[device_id]
        except KeyError:
            raise KeyError(f"unknown device {device_id!r}") from None


__all__ = ["ParkTwin"]
