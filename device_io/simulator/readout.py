"""From fleet quantity arrays to register-map point values, per device or as one long frame.

Which values a device shows is decided by its register map (its landed points); what they are
comes from its fleet's quantities, keyed by point name. A point the twin does not model reads
"not available". The frame's layout (rows, and which fleet array fills which rows) is computed
once, so building it is a few vectorised copies.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from jobs.common.park_config import Device
from jobs.common.register_map import RegisterMap

Quantities = dict[str, dict[str, np.ndarray]]  # fleet name -> point name -> per-row values


class Readout:
    def __init__(self, devices: list[Device], maps: dict[str, RegisterMap],
                 placement: dict[str, tuple[str, int]]):
        self._placement = placement
        self._points = {d.id: [p.name for p in maps[d.register_map].landed_points]
                        for d in devices}
        device_col: list[str] = []
        point_col: list[str] = []
        groups: dict[tuple[str, str], tuple[list[int], list[int]]] = defaultdict(
            lambda: ([], []))
        self._frame_row: dict[tuple[str, str], int] = {}
        for device in devices:
            fleet, row = placement[device.id]
            for name in self._points[device.id]:
                frame_rows, fleet_rows = groups[(fleet, name)]
                frame_rows.append(len(device_col))
                fleet_rows.append(row)
                self._frame_row[(device.id, name)] = len(device_col)
                device_col.append(device.id)
                point_col.append(name)
        self._groups = {key: (np.array(f, dtype=np.intp), np.array(r, dtype=np.intp))
                        for key, (f, r) in groups.items()}
        self._device_col = pd.Series(device_col, dtype="str", name="device_id")
        self._point_col = pd.Series(point_col, dtype="str", name="point")

    def frame(self, quantities: Quantities, shared: dict[str, float],
              overrides: dict[tuple[str, str], float]) -> pd.DataFrame:
        values = np.full(len(self._device_col), np.nan)
        for (fleet, name), (frame_rows, fleet_rows) in self._groups.items():
            source = quantities[fleet].get(name)
            if source is not None:
                values[frame_rows] = source[fleet_rows]
            elif name in shared:
                values[frame_rows] = shared[name]
        for key, value in overrides.items():
            values[self._frame_row[key]] = value
        return pd.DataFrame({"device_id": self._device_col, "point": self._point_col,
                             "value": values})

    def values(self, device_id: str, quantities: Quantities, shared: dict[str, float],
               overrides: dict[tuple[str, str], float]) -> dict[str, float | None]:
        fleet, row = self._placement[device_id]
        result: dict[str, float | None] = {}
        for name in self._points[device_id]:
            if (device_id, name) in overrides:
                value = overrides[(device_id, name)]
            elif name in quantities[fleet]:
                value = float(quantities[fleet][name][row])
            else:
                value = shared.get(name, np.nan)
            result[name] = None if np.isnan(value) else float(value)
        return result
