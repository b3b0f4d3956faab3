"""Sample inbox files for the circular-coupling map (issue 18): two couplings a month and the
enterprises' declared outputs and needs, for a park with the industries they need.

- Waste heat: the food plant's boiler flue heat (samples_guiding.WASTE_HEAT: 0.8 GJ recoverable
  per MWh, 62 % recovered in its own plant) warms the dyeing baths of the textile mill:
  HEAT_COUPLED_SHARE of the recoverable, beside (never inside) the 62 % it declares itself.
- Foundry sand: the foundry sends SAND_COUPLED_SHARE of its waste foundry sand (0.45 t per MWh,
  88 % used in its own plant) to a building-materials plant outside the park.
- Offers (a year): what is still free and still needed, so that the park sees what to couple
  next. A park without those industries gets no coupling files.
The same arguments always give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from jobs.common.park_config import ParkConfig
from jobs.inbox.samples import _csv
from jobs.inbox.samples_guiding import SOLID_WASTE, WASTE_HEAT, _each

HEAT_COUPLED_SHARE = 0.25  # of the food plant's recoverable heat: 62 % + 25 % stays <= 100 %
SAND_COUPLED_SHARE = 0.10  # of the foundry's sand: 88 % + 10 % stays <= 100 %
# (industry, side, carrier, kind, quantity a year, unit, temperature °C)
OFFERS = [
    ("food", "output", "heat", "heat", 2_000, "GJ", 85),
    ("auto_parts", "output", "heat", "heat", 3_500, "GJ", 160),
    ("textiles", "need", "heat", "heat", 4_000, "GJ", 60),
    ("pharma", "need", "heat", "heat", 1_500, "GJ", 120),
]


def _first(park: ParkConfig, industry: str) -> str | None:
    return next((e.id for e in park.enterprises if e.industry == industry), None)


def coupling_sample_files(park: ParkConfig, months: list[dt.date], span: str,
                          shares: Mapping[dt.date, float] | None = None) -> dict[str, bytes]:
    covered = {month: (shares or {}).get(month, 1.0) for month in months}
    textile = _first(park, "textiles")
    if textile is None or _first(park, "food") is None or _first(park, "auto_parts") is None:
        return {}
    rows = []
    for enterprise_id, month, kinds, mwh in _each(park, {"food": WASTE_HEAT["food"]}, covered):
        recoverable = round(mwh * kinds[0][1], 1)  # as samples_guiding declares it
        rows.append([f"{month:%Y-%m}", enterprise_id, textile, "heat", "余热",
                     f"{recoverable * HEAT_COUPLED_SHARE:.1f}", "GJ"])
    sand = {"auto_parts": SOLID_WASTE["auto_parts"][:1]}
    for enterprise_id, month, kinds, mwh in _each(park, sand, covered):
        generated = round(mwh * kinds[0][1], 2)
        rows.append([f"{month:%Y-%m}", enterprise_id, "outside", "solid_waste", kinds[0][0],
                     f"{generated * SAND_COUPLED_SHARE:.2f}", "t"])
    offers = [[str(_first(park, industry)), side, carrier, kind, str(quantity), unit,
               str(temperature)]
              for industry, side, carrier, kind, quantity, unit, temperature in OFFERS
              if _first(park, industry) is not None]
    return {
        f"coupling_flows_{span}.csv": _csv(["month", "from_id", "to_id", "carrier", "kind",
                                            "quantity", "unit"], rows, bom=True),
        f"coupling_offers_{months[-1].year}.csv": _csv(
            ["enterprise_id", "side", "carrier", "kind", "quantity_per_year", "unit",
             "temperature_c"], offers, bom=False),
    }
