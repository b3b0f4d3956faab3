"""The grid connection's limits as physics: what a real park's protection enforces for any
controller, or none.

Export: an anti-backflow controller (防逆流) at the point of common coupling measures the grid
power and, when the park would feed in more than `export_limit_kw`, cuts the PV inverters'
output in proportion to what each produces, within the same step. When PV alone cannot bring
export down (a battery discharging into the grid), what remains is recorded as an export breach.
Import: nothing curtails a load; import above `import_limit_kw` is recorded as a breach
(episodes, kWh above the limit, the highest kW).

The tally separates PV curtailed by the inverters' power-limit setpoints (the plan's choice)
from PV curtailed by this protection, so a comparison can tell the two apart.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class GridTally:
    """Energy and breaches since the last reset (kWh unless named otherwise)."""

    pv_potential_kwh: float = 0.0  # what the arrays offered, before any curtailment
    pv_curtailed_by_setpoint_kwh: float = 0.0  # inverter power limits (the controller's)
    pv_curtailed_by_protection_kwh: float = 0.0  # the anti-backflow protection's
    pv_generation_kwh: float = 0.0
    grid_import_kwh: float = 0.0
    grid_export_kwh: float = 0.0
    export_over_limit_kwh: float = 0.0  # export the protection could not curtail (no PV left)
    import_over_limit_kwh: float = 0.0
    import_breaches: int = 0  # episodes of import above the limit
    import_max_kw: float = 0.0  # highest import while in breach (0: never in breach)

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


class GridProtection:
    def __init__(self, import_limit_kw: float, export_limit_kw: float):
        self.import_limit_kw = import_limit_kw
        self.export_limit_kw = export_limit_kw
        self.tally = GridTally()
        self._held: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        self._in_import_breach = False

    def pv_scale(self, grid_kw: float, pv_kw: float) -> float:
        """The factor every inverter's output is multiplied by so that export (-grid_kw)
        stays within the limit: 1 when it already does, 0 when even no PV would not do."""
        excess_kw = -grid_kw - self.export_limit_kw
        if excess_kw <= 0.0 or pv_kw <= 0.0:
            return 1.0
        return max(0.0, 1.0 - excess_kw / pv_kw)

    def hold(self, grid_kw: float, pv_potential_kw: float, pv_limited_kw: float,
             pv_kw: float) -> None:
        """The powers decided for the rest of the step, after protection acted (PV: the park's
        totals offered, after the power-limit setpoints, and fed)."""
        self._held = (grid_kw, pv_potential_kw, pv_limited_kw, pv_kw)
        over = grid_kw > self.import_limit_kw
        if over and not self._in_import_breach:
            self.tally.import_breaches += 1
        if over:
            self.tally.import_max_kw = max(self.tally.import_max_kw, float(grid_kw))
        self._in_import_breach = over

    def integrate(self, dt_s: float) -> None:
        grid_kw, potential_kw, limited_kw, ac_kw = self._held
        hours = dt_s / 3600.0
        tally = self.tally
        tally.pv_potential_kwh += potential_kw * hours
        tally.pv_curtailed_by_setpoint_kwh += max(potential_kw - limited_kw, 0.0) * hours
        tally.pv_curtailed_by_protection_kwh += max(limited_kw - ac_kw, 0.0) * hours
        tally.pv_generation_kwh += ac_kw * hours
        tally.grid_import_kwh += max(grid_kw, 0.0) * hours
        tally.grid_export_kwh += max(-grid_kw, 0.0) * hours
        tally.export_over_limit_kwh += max(-grid_kw - self.export_limit_kw, 0.0) * hours
        tally.import_over_limit_kwh += max(grid_kw - self.import_limit_kw, 0.0) * hours

    def reset(self) -> None:
        """Count from now on (an evaluation period starts); a breach in progress counts anew."""
        self.tally = GridTally()
        self._in_import_breach = False
        self.hold(*self._held)
