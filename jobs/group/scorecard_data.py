"""What the group scorecard says, read from the published group warehouse: the month's group
totals (sums, ratios from the sums), the league table of the year to date, each park's
acceptance readiness and the parks the last rollup left out. Wordless: the words are in
scorecard_words.py, the layout in scorecard.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobs.warehouse.published import connect_published


class GroupMonthMissing(LookupError):
    """The group warehouse has no figures for the month: nothing to send."""


@dataclass(frozen=True)
class ParkReadiness:
    park_id: str
    through_month: dt.date
    meets: int
    misses: int
    other: int  # not measured, not applicable, not assessed
    core_status: str | None


@dataclass(frozen=True)
class GroupMonth:
    month: dt.date
    national: dict[str, Any]  # fct_group_national_monthly's row
    energy: dict[str, Any] | None  # fct_group_monthly_energy_carbon's row
    league: list[dict[str, Any]] = field(default_factory=list)
    readiness: list[ParkReadiness] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # park, why
    # park -> (name_zh, name_en) from its export's manifest (its park.yaml); None: not given
    names: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    def park_name(self, park_id: str, language: str) -> str:
        """The park as its people call it, in the language; its id where its export gave no
        name (an export from before names were exported)."""
        zh, en = self.names.get(park_id, (None, None))
        return (zh if language == "zh" else en) or park_id


def _dicts(connection, sql: str, params: list) -> list[dict[str, Any]]:
    cursor = connection.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_group_month(warehouse_path: Path | str, month: dt.date) -> GroupMonth:
    month = month.replace(day=1)
    with connect_published(str(warehouse_path)) as connection:
        national = _dicts(connection, "select * from fct_group_national_monthly "
                                      "where month = ?", [month])
        if not national:
            raise GroupMonthMissing(
                f"the group warehouse {warehouse_path} has no figures for {month:%Y-%m}: "
                "have the parks built and exported that month, and has the rollup run since?")
        energy = _dicts(connection, "select * from fct_group_monthly_energy_carbon "
                                    "where month = ?", [month])
        league = _dicts(connection, "select * from fct_group_national_league where "
                                    "period_end_month = ? order by indicator_rank nulls last,"
                                    " park_id", [month])
        readiness = [ParkReadiness(**row) for row in _dicts(connection, """
            select park_id, max(through_month) as through_month,
                   count(*) filter (where status = 'meets') as meets,
                   count(*) filter (where status = 'misses') as misses,
                   count(*) filter (where status not in ('meets', 'misses')) as other,
                   max(status) filter (where is_core) as core_status
            from fct_group_acceptance_readiness
            group by park_id order by park_id""", [])]
        left_out = [(row["park_id"], row["problem"]) for row in _dicts(
            connection, "select park_id, problem from dim_group_parks where not included "
                        "order by park_id", [])]
        names = {row["park_id"]: (row["name_zh"], row["name_en"]) for row in _dicts(
            connection, "select park_id, name_zh, name_en from dim_group_parks", [])}
    return GroupMonth(month, national[0], energy[0] if energy else None, league, readiness,
                      left_out, names)
