"""Sample inbox files for the national guiding indicators: product output with its energy,
industrial solid waste, water, and waste heat/cold/pressure, for the manufacturers of a park.

Figures scale with each enterprise's simulated consumption (samples.monthly_mwh), with ratios
typical of the industry: tonnes of waste and cubic metres of water per MWh, and a recovery
share of the recoverable heat. The logistics and data-centre tenants report none of these
(no production line). The same arguments always give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from jobs.common.park_config import ParkConfig
from jobs.inbox.samples import _csv, _xlsx, monthly_mwh

# industry -> (product code, unit, output per MWh consumed, tce of the line per unit)
PRODUCTS = {
    "auto_parts": ("grey_iron_castings", "t", 0.9, 0.38),
    "food": ("liquid_milk", "t", 4.0, 0.021),
    "new_energy_components": ("li_ion_cells", "MWh", 0.35, 0.55),
}
# industry -> [(waste kind, t per MWh, share utilised)]
SOLID_WASTE = {
    "auto_parts": [("废型砂 waste foundry sand", 0.45, 0.88), ("金属屑 metal swarf", 0.05, 1.0)],
    "precision_machining": [("金属屑 metal swarf", 0.04, 1.0)],
    "food": [("食品加工残渣 food residue", 0.30, 0.92)],
    "electronics": [("废包装 packaging", 0.02, 0.75)],
    "new_energy_components": [("废极片 electrode scrap", 0.03, 0.95)],
    "pharma": [("废包装 packaging", 0.015, 0.7)],
}
# industry -> (fresh water m3 per MWh, reuse ratio of reused to fresh)
WATER = {
    "auto_parts": (1.2, 6.0), "precision_machining": (0.6, 3.0), "food": (3.5, 1.2),
    "electronics": (2.0, 4.5), "new_energy_components": (1.5, 5.0), "pharma": (2.5, 2.0),
}
# industry -> [(kind, recoverable GJ per MWh, share recovered)]
WASTE_HEAT = {
    "auto_parts": [("heat", 1.1, 0.55)],  # cupola and heat-treatment flue gas
    "food": [("heat", 0.8, 0.62), ("cold", 0.15, 0.4)],  # boiler flue, chiller reclaim
    "new_energy_components": [("heat", 0.5, 0.45), ("pressure", 0.05, 0.3)],
}


def guiding_sample_files(park: ParkConfig, months: list[dt.date], span: str,
                         shares: Mapping[dt.date, float] | None = None) -> dict[str, bytes]:
    """The four guiding-indicator files for `months`, by file name; `shares` is the part of
    each month a declaration covers (default: the whole month)."""
    covered = {month: (shares or {}).get(month, 1.0) for month in months}
    return {
        f"product_output_{span}.xlsx": _product_output_xlsx(park, covered),
        f"solid_waste_{span}.csv": _solid_waste_csv(park, covered),
        f"water_{span}.xlsx": _water_xlsx(park, covered),
        f"waste_heat_{span}.csv": _waste_heat_csv(park, covered),
    }


def _wobble(month: dt.date, salt: str) -> float:
    return 1 + 0.04 * math.sin(month.month * 1.3 + len(salt))


def _each(park: ParkConfig, table: dict, months: Mapping[dt.date, float]):
    for enterprise in park.enterprises:
        if enterprise.industry in table:
            for month, share in months.items():
                yield enterprise.id, month, table[enterprise.industry], monthly_mwh(
                    park, enterprise.id, month) * share * _wobble(month, enterprise.id)


def _product_output_xlsx(park: ParkConfig, months: Mapping[dt.date, float]) -> bytes:
    rows: list[list[object]] = []
    for enterprise_id, month, (code, unit, per_mwh, tce_per_unit), mwh in _each(
            park, PRODUCTS, months):
        output = round(mwh * per_mwh, 1)
        rows.append([enterprise_id, dt.datetime(month.year, month.month, 1), code, output, unit,
                     round(output * tce_per_unit, 2)])
    return _xlsx("产品产量与能耗", ["企业编号", "月份", "产品代码", "产量", "产量单位",
                             "产品综合能耗(tce)"], rows, {"B": "yyyy-mm"})


def _solid_waste_csv(park: ParkConfig, months: Mapping[dt.date, float]) -> bytes:
    rows = []
    for enterprise_id, month, kinds, mwh in _each(park, SOLID_WASTE, months):
        for kind, t_per_mwh, utilised_share in kinds:
            generated = round(mwh * t_per_mwh, 2)
            rows.append([enterprise_id, f"{month:%Y-%m}", kind, f"{generated:.2f}",
                         f"{generated * utilised_share:.2f}", "0"])
    return _csv(["enterprise_id", "month", "waste_kind", "generated_t", "utilised_t",
                 "utilised_from_stock_t"], rows, bom=True)


def _water_xlsx(park: ParkConfig, months: Mapping[dt.date, float]) -> bytes:
    rows: list[list[object]] = []
    for enterprise_id, month, (m3_per_mwh, reuse), mwh in _each(park, WATER, months):
        fresh = round(mwh * m3_per_mwh)
        rows.append([enterprise_id, f"{month:%Y-%m}", fresh, round(fresh * reuse)])
    return _xlsx("用水", ["企业编号", "月份", "取水量(m³)", "重复利用水量(m³)"], rows, {})


def _waste_heat_csv(park: ParkConfig, months: Mapping[dt.date, float]) -> bytes:
    rows = []
    for enterprise_id, month, kinds, mwh in _each(park, WASTE_HEAT, months):
        for kind, gj_per_mwh, recovered_share in kinds:
            recoverable = round(mwh * gj_per_mwh, 1)
            rows.append([enterprise_id, f"{month:%Y-%m}", kind, f"{recoverable:.1f}",
                         f"{recoverable * recovered_share:.1f}"])
    return _csv(["enterprise_id", "month", "waste_kind", "recoverable_gj", "recovered_gj"],
                rows, bom=False)
