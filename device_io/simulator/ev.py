"""EV chargers: sessions from the seeded plan, charged at the charger's limit until done.

Charging power = min(charger rating, the written limit): AC chargers take a current limit
(P = phases x phase voltage x I; below 6 A, the IEC 61851 minimum, charging pauses), DC chargers
a power limit, and a DC car tapers above 80 % SOC. The last step of a session charges just what is
left, so session energy lands exactly on the demand. A car arriving at an occupied charger goes
elsewhere (its session is dropped).
"""

from __future__ import annotations

import numpy as np

from device_io.simulator.assets import ChargerUnit
from device_io.simulator.ev_sessions import NO_SESSION_US, Cursor, Session, SessionPlan
from device_io.simulator.exogenous import ExoSnapshot
from device_io.simulator.fleet import initial_counters, row_mask

IEC_MIN_CURRENT_A = 6.0
MAX_CURRENT_LIMIT_A = 32.0  # the map's write_max
DC_TAPER_START_PCT = 80.0
DC_TAPER_FLOOR = 0.05
DONE_TOLERANCE_KWH = 1e-9
EV_POWER_FACTOR = 0.99
ST_AVAILABLE, ST_CONNECTED, ST_CHARGING, ST_FINISHED = 0, 1, 2, 3


class EvFleet:
    def __init__(self, units: list[ChargerUnit], plan: SessionPlan, seed: int, start_us: int):
        n = len(units)
        self.device_ids = [u.device_id for u in units]
        self.is_dc = np.array([u.is_dc for u in units], dtype=bool)
        self.max_kw = np.array([u.max_kw for u in units], dtype=float)
        self.phases = np.array([u.phases for u in units], dtype=float)
        self.phase_voltage_v = np.array([u.phase_voltage_v for u in units], dtype=float)
        self.current_limit_a = np.minimum(
            self.max_kw * 1000.0 / (self.phases * self.phase_voltage_v), MAX_CURRENT_LIMIT_A)
        self.power_limit_kw = self.max_kw.copy()
        self.plugged = np.zeros(n, dtype=bool)
        self.demand_kwh = np.zeros(n)
        self.session_energy_kwh = np.zeros(n)  # kept after the car leaves, reset at the next
        self.unserved_kwh = 0.0  # demand not delivered by the departures so far (all chargers)
        self.departure_us = np.zeros(n, dtype=np.int64)
        self.vehicle_battery_kwh = np.ones(n)
        self.arrival_soc_pct = np.zeros(n)
        self.power_kw = np.zeros(n)
        self.state = np.full(n, ST_AVAILABLE)
        self.energy_total_kwh = initial_counters(seed, self.device_ids, "ev", 1e3, 5e4)
        self._plan = plan
        self._cursor: list[Cursor] = [plan.cursor_before(start_us)] * n
        self._next: list[Session | None] = [None] * n
        self._current: list[Session | None] = [None] * n
        self.next_arrival_us = np.full(n, NO_SESSION_US, dtype=np.int64)
        for row in range(n):
            self._take_next(row)

    def active_session(self, row: int) -> Session | None:
        if not self.plugged[row]:
            return None
        return self._current[row]

    def decide(self, now_us: int, dt_s: float, exo: ExoSnapshot,
               rows: np.ndarray | None = None) -> None:
        mask = row_mask(rows, len(self.device_ids))
        leaving = self.plugged & mask & (self.departure_us <= now_us)
        # ground truth for a comparison of controllers: energy a car wanted and left without
        self.unserved_kwh += float(np.maximum(self.demand_kwh - self.session_energy_kwh,
                                              0.0)[leaving].sum())
        self.plugged &= ~leaving
        for row in np.flatnonzero(mask & (self.next_arrival_us <= now_us)):
            self._admit_arrivals(int(row), now_us)
        remaining_kwh = np.maximum(self.demand_kwh - self.session_energy_kwh, 0.0)
        finished = self.plugged & (remaining_kwh <= DONE_TOLERANCE_KWH)
        power = np.minimum(self._limit_kw(), remaining_kwh * 3600.0 / dt_s)
        power = np.where(self.plugged & ~finished, power, 0.0)
        state = np.where(~self.plugged, ST_AVAILABLE,
                         np.where(finished, ST_FINISHED,
                                  np.where(power > 0, ST_CHARGING, ST_CONNECTED)))
        self.power_kw = np.where(mask, power, self.power_kw)
        self.state = np.where(mask, state, self.state)

    def _limit_kw(self) -> np.ndarray:
        """What the charger may deliver now: rating, written limit, and the DC car's taper."""
        current_a = np.where(self.current_limit_a >= IEC_MIN_CURRENT_A, self.current_limit_a, 0.0)
        ac_limit_kw = self.phases * self.phase_voltage_v * current_a / 1000.0
        limit_kw = np.minimum(self.max_kw, np.where(self.is_dc, self.power_limit_kw, ac_limit_kw))
        taper = np.clip((100.0 - self.vehicle_soc_pct()) / (100.0 - DC_TAPER_START_PCT),
                        DC_TAPER_FLOOR, 1.0)
        return limit_kw * np.where(self.is_dc, taper, 1.0)

    def vehicle_soc_pct(self) -> np.ndarray:
        return self.arrival_soc_pct + 100.0 * self.session_energy_kwh / self.vehicle_battery_kwh

    def _admit_arrivals(self, row: int, now_us: int) -> None:
        session = self._next[row]
        while session is not None and session.arrival_us <= now_us:
            if not self.plugged[row] and session.departure_us > now_us:
                self._plug(row, session)
            self._take_next(row)
            session = self._next[row]

    def _plug(self, row: int, session: Session) -> None:
        self.plugged[row] = True
        self.demand_kwh[row] = session.demand_kwh
        self.session_energy_kwh[row] = 0.0
        self.departure_us[row] = session.departure_us
        self.vehicle_battery_kwh[row] = session.vehicle_battery_kwh
        self.arrival_soc_pct[row] = session.arrival_soc_pct
        self._current[row] = session

    def _take_next(self, row: int) -> None:
        session, self._cursor[row] = self._plan.next_session(row, self._cursor[row])
        self._next[row] = session
        self.next_arrival_us[row] = NO_SESSION_US if session is None else session.arrival_us

    def integrate(self, dt_s: float) -> None:
        energy_kwh = self.power_kw * dt_s / 3600.0
        self.session_energy_kwh += energy_kwh
        self.energy_total_kwh += energy_kwh

    def write(self, device_row: int, point: str, value: float, now_us: int) -> np.ndarray | None:
        if point == "current_limit_a":
            self.current_limit_a[device_row] = value
        elif point == "power_limit_kw":
            self.power_limit_kw[device_row] = value
        else:
            return None
        return np.array([device_row])

    def quantities(self, exo: ExoSnapshot, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {
            "charger_state": self.state.astype(float),
            "charging_power_kw": self.power_kw.copy(),
            "current_l1_a": self.power_kw * 1000.0 / (self.phases * self.phase_voltage_v),
            "vehicle_soc_pct": np.where(self.plugged, np.minimum(self.vehicle_soc_pct(), 100.0),
                                        np.nan),
            "session_energy_kwh": self.session_energy_kwh.copy(),
            "energy_total_kwh": self.energy_total_kwh.copy(),
            "current_limit_a": self.current_limit_a.copy(),
            "power_limit_kw": self.power_limit_kw.copy(),
        }

    def reactive_kvar(self) -> np.ndarray:
        return self.power_kw * np.tan(np.arccos(EV_POWER_FACTOR))

    def true_power_kw(self) -> np.ndarray:
        return self.power_kw.copy()
