"""The carbon asset ledger (碳资产台账) per enterprise and for the park, at the end of a month.

Allowances and emissions come from the warehouse's carbon accounts (fct_enterprise_carbon_
accounts: allocated + bought - sold, the compliance year's accounted emissions to date and
projected to the year end at the pace so far). Certificates: on-site PV earns one green
certificate (绿证/GEC) per whole MWh generated in the year to date, to the PV's owner (the
enterprise its inverter is assigned to, else the park); certificates retired come from the
inbox. The platform keeps no record of certificate sales, so held = earned - retired (never
below zero: an enterprise retiring more than it earned bought the rest). CCER: the park has no
registered CCER project, so none are counted; the column is there for when it does.

Each quantity is valued at the low, base and high prices of the assumptions. The pledge-loan
capacity is the value of the allowances held at the base price times the loan-to-value; the
exposure of a projected deficit is what buying the shortfall would cost.

The park's total covers the whole park: every enterprise and the park's own common loads
(lighting, pumps, offices: the accounts' `park_common` entity), so that it agrees with the
park's scorecard; its surplus counts only the enterprises holding allowances. The common
loads' share is kept apart (`common_loads_ytd_tco2`) so the report can say what is in it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import asdict, dataclass

from jobs.common.settings import Settings
from jobs.valuation.assumptions import Assumptions
from jobs.warehouse.published import connect_published

PRICE_CASES = ("low", "base", "high")

ACCOUNTS_SQL = """
select entity_id, ytd_accounted_tco2, projected_year_tco2, allowances_allocated_tco2,
       allowances_held_tco2, account_status, entity_kind
from fct_enterprise_carbon_accounts
where month = ?
"""

PV_BY_OWNER_SQL = """
select devices.enterprise_id, sum(energy.energy_kwh) / 1000.0 as pv_mwh
from fct_interval_energy as energy
join dim_devices as devices using (device_id)
where energy.energy_flow = 'pv_generation' and energy.local_date between ? and ?
group by all
"""

RETIRED_SQL = """
select enterprise_id, sum(certificates_retired) as retired
from stg_inbox__certificate_retirements
where month between ? and ?
group by all
"""


@dataclass(frozen=True)
class LedgerRow:
    entity_id: str  # enterprise id, or the park's id for the park's total
    entity_kind: str  # enterprise / park
    month: dt.date
    compliance_year: int
    allowances_allocated_tco2: float | None
    allowances_held_tco2: float | None
    verified_emissions_ytd_tco2: float  # accounted to date (metered, not yet third-party verified)
    projected_emissions_year_tco2: float
    projected_surplus_tco2: float | None  # held - projected; negative: a deficit
    account_status: str
    certificates_earned_ytd: int
    certificates_retired_ytd: int
    certificates_held: int
    ccer_tco2: float
    surplus_value_low_cny: float | None
    surplus_value_base_cny: float | None
    surplus_value_high_cny: float | None
    deficit_exposure_base_cny: float  # 0 without a deficit
    certificates_value_cny: float
    pledge_capacity_cny: float  # allowances held x base price x loan-to-value
    cea_price_base_cny_per_tco2: float
    gec_price_cny_each: float
    price_date: dt.date
    # the park's common loads, inside the park total's emissions (0 for an enterprise)
    common_loads_ytd_tco2: float = 0.0
    common_loads_projected_tco2: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def carbon_ledger(settings: Settings, month: dt.date, assumptions: Assumptions
                  ) -> list[LedgerRow]:
    """One row per configured enterprise (with or without data) and one for the park."""
    month = month.replace(day=1)
    year_start = month.replace(month=1)
    month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) \
        - dt.timedelta(days=1)
    with connect_published(settings) as connection:
        fetched = connection.execute(ACCOUNTS_SQL, [month]).fetchall()
        accounts = {row[0]: row[1:6] for row in fetched}
        kinds = {row[0]: row[6] for row in fetched}
        pv_mwh = dict(connection.execute(PV_BY_OWNER_SQL, [year_start, month_end]).fetchall())
        retired = dict(connection.execute(RETIRED_SQL, [year_start, month]).fetchall())
    park_id = settings.park.park.id
    rows = []
    for enterprise in settings.park.enterprises:
        account = accounts.get(enterprise.id)
        earned = math.floor(pv_mwh.get(enterprise.id) or 0.0)
        rows.append(_row(enterprise.id, "enterprise", month, account, earned,
                         int(retired.get(enterprise.id) or 0), assumptions))
    park_earned = math.floor(sum(v or 0.0 for v in pv_mwh.values()))
    enterprise_ids = {e.id for e in settings.park.enterprises}
    common = [accounts[entity] for entity, kind in kinds.items()
              if kind != "enterprise" and entity not in enterprise_ids]
    total = _park_total(park_id, month, rows, park_earned, assumptions,
                        common_ytd=sum(float(a[0] or 0.0) for a in common),
                        common_projected=sum(float(a[1] or 0.0) for a in common))
    rows.append(total)
    return rows


def _row(entity_id: str, kind: str, month: dt.date, account: tuple | None, earned: int,
         retired: int, assumptions: Assumptions) -> LedgerRow:
    ytd, projected, allocated, held, status = account or (0.0, 0.0, None, None, "no_data")
    return _valued(entity_id, kind, month, float(ytd or 0.0), float(projected or 0.0),
                   allocated, held, status, earned, retired, assumptions)


def _park_total(park_id: str, month: dt.date, rows: list[LedgerRow], earned: int,
                assumptions: Assumptions, common_ytd: float = 0.0,
                common_projected: float = 0.0) -> LedgerRow:
    held = [r.allowances_held_tco2 for r in rows if r.allowances_held_tco2 is not None]
    allocated = [r.allowances_allocated_tco2 for r in rows
                 if r.allowances_allocated_tco2 is not None]
    total = _valued(park_id, "park", month,
                    sum(r.verified_emissions_ytd_tco2 for r in rows) + common_ytd,
                    sum(r.projected_emissions_year_tco2 for r in rows) + common_projected,
                   sum(allocated) if allocated else None, sum(held) if held else None,
                    "park_total", earned, sum(r.certificates_retired_ytd for r in rows),
                    assumptions, covered_projection=sum(
                        r.projected_emissions_year_tco2 for r in rows
                        if r.allowances_held_tco2 is not None))
    return dataclasses.replace(total, common_loads_ytd_tco2=round(common_ytd, 6),
                               common_loads_projected_tco2=round(common_projected, 6))


def _valued(entity_id: str, kind: str, month: dt.date, ytd: float, projected: float,
            allocated: float | None, held: float | None, status: str, earned: int,
            retired: int, assumptions: Assumptions, covered_projection: float | None = None
            ) -> LedgerRow:
    # the park's surplus counts only the enterprises that hold allowances (the ETS members)
    against = projected if covered_projection is None else covered_projection
    surplus = None if held is None else held - against
    prices = {case: assumptions.value(f"cea_price_{case}") for case in PRICE_CASES}
    values = {case: None if surplus is None else surplus * price
              for case, price in prices.items()}
    certificates_held = max(earned - retired, 0)
    gec = assumptions.value("gec_price")
    ltv = assumptions.value("allowance_pledge_ltv") / 100.0
    return LedgerRow(
        entity_id=entity_id, entity_kind=kind, month=month, compliance_year=month.year,
        allowances_allocated_tco2=allocated, allowances_held_tco2=held,
        verified_emissions_ytd_tco2=round(ytd, 6), projected_emissions_year_tco2=round(
            projected, 6),
        projected_surplus_tco2=None if surplus is None else round(surplus, 6),
        account_status=status, certificates_earned_ytd=earned,
        certificates_retired_ytd=retired, certificates_held=certificates_held, ccer_tco2=0.0,
        surplus_value_low_cny=values["low"], surplus_value_base_cny=values["base"],
        surplus_value_high_cny=values["high"],
        deficit_exposure_base_cny=max(0.0, -(surplus or 0.0)) * prices["base"],
        certificates_value_cny=certificates_held * gec,
        pledge_capacity_cny=(held or 0.0) * prices["base"] * ltv,
        cea_price_base_cny_per_tco2=prices["base"], gec_price_cny_each=gec,
        price_date=assumptions.price_date)
