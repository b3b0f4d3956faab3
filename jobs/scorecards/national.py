"""The national assessment on the cards (issue 15): the park card's acceptance-readiness rows
(fct_park_acceptance_readiness: six indicators, year to date through the card's month) and each
enterprise's part in it: its share of the park's national-method emissions
(fct_enterprise_national_contribution, month and year to date) and its own guiding-indicator
figures where it reports them (year to date, January to the card's month):
  solid waste  Σ utilised / Σ (generated + utilised from stock)   fct_guiding_solid_waste
  water reuse  Σ reused / Σ (reused + fresh intake)              fct_guiding_water
  waste heat   Σ recovered / Σ recoverable (heat, cold, pressure)  fct_guiding_waste_heat_by_kind
  product      Σ product energy x 1000 / Σ output (kgce per unit) against its grade-2 limit,
               per product                                       fct_guiding_unit_product_energy
The same sums as the park's indicators (fct_guiding_indicators), over one enterprise's rows."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd

from jobs.common.frames import to_frame
from jobs.common.product_names import product_name
from jobs.scorecards.model import (
    EnterpriseContribution,
    GuidingFigure,
    ReadinessRow,
)

READINESS_SQL = """
select * from fct_park_acceptance_readiness where through_month = ? order by sort_order
"""

CONTRIBUTION_SQL = """
select enterprise_id, period_kind, emissions_tco2, share_of_park_pct
from fct_enterprise_national_contribution
where through_month = ? and period_kind in ('month', 'ytd')
"""

# year to date per enterprise: numerator and denominator of each resource indicator
RESOURCES_SQL = """
select 'solid_waste_utilisation' as indicator_key, enterprise_id,
    sum(utilised_t) as numerator, sum(generated_t + utilised_from_stock_t) as denominator
from fct_guiding_solid_waste where month >= ? and month <= ? group by all
union all
select 'water_reuse', enterprise_id, sum(reused_m3), sum(reused_m3 + fresh_intake_m3)
from fct_guiding_water where month >= ? and month <= ? group by all
union all
select 'waste_heat_utilisation', enterprise_id, sum(recovered_gj), sum(recoverable_gj)
from fct_guiding_waste_heat_by_kind where month >= ? and month <= ? group by all
"""

PRODUCTS_SQL = """
select enterprise_id, product_code, any_value(product_name_zh) as product_name_zh,
    any_value(product_name_en) as product_name_en, output_unit,
    sum(product_energy_tce) * 1000 / nullif(sum(output_quantity), 0) as kgce_per_unit,
    any_value(grade2_limit_kgce_per_unit) as grade2_limit_kgce_per_unit,
    any_value(limit_output_unit) as limit_output_unit
from fct_guiding_unit_product_energy
where period_kind = 'month' and period_start >= ? and period_start <= ?
group by enterprise_id, product_code, output_unit
order by enterprise_id, product_code
"""

GUIDING_UNITS = {"solid_waste_utilisation": "%", "water_reuse": "%",
                 "waste_heat_utilisation": "%"}


def _number(value: object) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)  # type: ignore[arg-type]  # numpy and Python numbers alike
    return None if math.isnan(number) else number


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) \
        or value is pd.NA else str(value)


def _date(value: object) -> dt.date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def read_readiness(connection: duckdb.DuckDBPyConnection, month: dt.date,
                   limit_source_zh: str | None = None) -> list[ReadinessRow]:
    """The six indicators for the year to date through `month` (none for a month the mart
    has no row for: no data of any indicator yet); `limit_source_zh`: the park's Chinese
    wording of its configured core limit's source (targets.national_limit_source_zh)."""
    rows = to_frame(connection.execute(READINESS_SQL, [month]))
    return [ReadinessRow(
        key=str(r["indicator_key"]), name_zh=str(r["indicator_name_zh"]),
        name_en=str(r["indicator_name_en"]), is_core=bool(r["is_core"]),
        calculation=str(r["calculation"]), value=_number(r["value"]), unit=str(r["unit"]),
        target=_number(r["target"]), target_op=str(r["target_op"]),
        target_source=_text(r["target_source"]) or "", status=str(r["status"]),
        gap=_number(r["gap"]), close_quantity=_number(r["close_quantity"]),
        close_unit=_text(r["close_unit"]), close_action_zh=_text(r["close_action_zh"]),
        close_action_en=_text(r["close_action_en"]),
        close_quantity_year_end=_number(r["close_quantity_year_end"]),
        close_cost_cny=_number(r["close_cost_cny"]), close_pv_kwp=_number(r["close_pv_kwp"]),
        months_left=int(r["months_left"]), through_month=_date(r["through_month"]),
        limit_set_nationally=None if pd.isna(r["limit_set_nationally"])
        else bool(r["limit_set_nationally"]),
        closable_by_certificates=None if pd.isna(r["closable_by_certificates"])
        else bool(r["closable_by_certificates"]),
        direct_green_share_pct=_number(r["direct_green_share_pct"]),
        direct_green_share_if_closed_pct=_number(r["direct_green_share_if_closed_pct"]),
        target_source_zh=limit_source_zh if bool(r["is_core"]) else None)
        for _, r in rows.iterrows()]


def _judged(value: float, target: float | None, target_op: str | None) -> str | None:
    if target is None or target_op not in (">=", "<="):
        return None
    return "meets" if (value >= target if target_op == ">=" else value <= target) \
        else "misses"


def read_contributions(connection: duckdb.DuckDBPyConnection, month: dt.date,
                       targets: dict[str, tuple[float | None, str]] | None = None
                       ) -> dict[str, EnterpriseContribution]:
    """Each enterprise's contribution through `month`, with its guiding figures of the year
    to date (an enterprise without a row in the national mart has neither share). `targets`
    (indicator key -> the park's target and its operator, from the readiness rows) judges a
    rate against the park's target: the national system sets targets for the park, so the
    card says it is the park's."""
    targets = targets or {}
    year_start = dt.date(month.year, 1, 1)
    shares = to_frame(connection.execute(CONTRIBUTION_SQL, [month]))
    resources = to_frame(connection.execute(RESOURCES_SQL, [year_start, month] * 3))
    products = to_frame(connection.execute(PRODUCTS_SQL, [year_start, month]))
    guiding: dict[str, list[GuidingFigure]] = {}
    for r in resources.itertuples():
        denominator = _number(r.denominator)
        if not denominator:  # nothing generated, drawn or recoverable: no rate
            continue
        key = str(r.indicator_key)
        rate = 100.0 * (_number(r.numerator) or 0.0) / denominator
        target, target_op = targets.get(key, (None, ""))
        guiding.setdefault(str(r.enterprise_id), []).append(GuidingFigure(
            key, rate, "%", year_start, month, target=target, target_op=target_op,
            status=_judged(rate, target, target_op)))
    for r in products.itertuples():
        limit = _number(r.grade2_limit_kgce_per_unit)
        value = _number(r.kgce_per_unit)
        comparable = limit is not None and r.limit_output_unit == r.output_unit
        guiding.setdefault(str(r.enterprise_id), []).append(GuidingFigure(
            "unit_product_energy", value, f"kgce/{r.output_unit}", year_start, month,
            product_zh=product_name(str(r.product_code), "zh", _text(r.product_name_zh)),
            product_en=product_name(str(r.product_code), "en", None, _text(r.product_name_en)),
            target=limit if comparable else None, target_op="<=",
            status=("meets" if value is not None and limit is not None and value <= limit
                    else "misses") if comparable and value is not None else "not_assessed"))
    result: dict[str, EnterpriseContribution] = {}
    enterprises = set(shares["enterprise_id"]) | set(guiding)
    for enterprise in enterprises:
        rows = shares[shares["enterprise_id"] == enterprise].set_index("period_kind")

        def get(kind: str, column: str, rows: pd.DataFrame = rows) -> float | None:
            return _number(rows.loc[kind, column]) if kind in rows.index else None

        result[str(enterprise)] = EnterpriseContribution(
            get("month", "emissions_tco2"), get("month", "share_of_park_pct"),
            get("ytd", "emissions_tco2"), get("ytd", "share_of_park_pct"),
            guiding.get(str(enterprise), []))
    return result
