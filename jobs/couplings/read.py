"""The circular-coupling map as its readers need it: one month's flows (fct_coupling_flows)
and the incentive paid for them (fct_coupling_incentives), with the enterprises' names."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import duckdb

from jobs.common.settings import Settings

FLOWS_SQL = """
select from_id, to_id, carrier, kind, quantity, unit, source, counts_for
from fct_coupling_flows where month = ?
order by carrier, from_id, to_id, kind
"""
INCENTIVES_SQL = """
select enterprise_id, carrier, recovered_quantity, unit, reward_tco2, subsidy_cny
from fct_coupling_incentives where month = ?
order by enterprise_id, carrier
"""
LATEST_MONTH_SQL = "select max(month) from fct_coupling_flows"


@dataclass(frozen=True)
class Flow:
    from_id: str
    to_id: str
    carrier: str
    kind: str
    quantity: float
    unit: str
    source: str  # declared | metered
    counts_for: str | None  # the guiding indicator it feeds, None: on the map only


@dataclass(frozen=True)
class Incentive:
    enterprise_id: str
    carrier: str
    recovered_quantity: float
    unit: str
    reward_tco2: float
    subsidy_cny: float


@dataclass(frozen=True)
class CouplingMonth:
    month: dt.date
    flows: list[Flow]
    incentives: list[Incentive]

    def as_dict(self) -> dict[str, object]:
        return {"month": self.month.isoformat(), "flows": [asdict(f) for f in self.flows],
                "incentives": [asdict(i) for i in self.incentives]}


def latest_month(connection: duckdb.DuckDBPyConnection) -> dt.date | None:
    row = connection.execute(LATEST_MONTH_SQL).fetchone()
    return None if row is None else row[0]


def coupling_month(connection: duckdb.DuckDBPyConnection, month: dt.date) -> CouplingMonth:
    flows = [Flow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), float(r[4]), str(r[5]),
                  str(r[6]), None if r[7] is None else str(r[7]))
             for r in connection.execute(FLOWS_SQL, [month]).fetchall()]
    incentives = [Incentive(str(r[0]), str(r[1]), float(r[2]), str(r[3]), float(r[4]),
                            float(r[5]))
                  for r in connection.execute(INCENTIVES_SQL, [month]).fetchall()]
    return CouplingMonth(month, flows, incentives)


def party_names(settings: Settings, language: str) -> dict[str, str]:
    """Enterprise id -> its name in `language`, and 'outside' -> the park boundary's."""
    names = {e.id: e.name_zh if language == "zh" else e.name_en
             for e in settings.park.enterprises}
    return {**names, "outside": "园区外" if language == "zh" else "Outside the park"}
