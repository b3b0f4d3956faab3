"""The mart checkpoint: distribution checks on the built warehouse, after `dbt build`.

dbt tests judge rows against hard rules (keys, balance closes per measured interval, no
negative energy). What they cannot say is whether the *distribution* of results looks right,
which is what Great Expectations is good at:

- `balance_residuals`: the park's unexplained residual as a share of supply, per interval;
  its median must sit well inside the balance tolerance, and at least `min_closing_share` of
  intervals must close. A drifting median means a meter's calibration or
  a missing flow, long before single intervals fail.
- `consumption_anomalies`: each consumer's daily electricity against its own previous
  `history_days` days (z-score); a day beyond `max_abs_z` is flagged (a meter reading zero, a
  CT swapped, a real anomaly someone should know about).
- `estimated_share`: per device and local day, the share of intervals that rest on estimates.

Findings are reported (Prefect artifact, Data Docs, JSON), not quarantined: marts are derived,
and the rows they come from are already in `fct_quarantined_readings` where bad.
The warehouse is opened read-only: dbt is its only writer.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from jobs.common import landing
from jobs.common.frames import to_frame
from jobs.common.settings import Settings, join_path
from jobs.quality.checkpoint import INDEX_COLUMN, CheckTable, validate_tables
from jobs.quality.landing_checkpoint import RUN_ID_PATTERN, docs_site
from jobs.warehouse.published import connect_published

CHECKPOINT_NAME = "warehouse_marts"
EXAMPLES_PER_CHECK = 5


@dataclass(frozen=True)
class MartThresholds:
    # the dbt var balance_tolerance_pct: a residual within it counts as closing
    balance_tolerance_pct: float = 2.0
    # at least this share of intervals must close (estimated gaps spread energy and may not)
    min_closing_share: float = 0.95
    # a consumer-day more than this many standard deviations from its own recent days
    max_abs_z: float = 4.0
    history_days: int = 28
    min_history_days: int = 7  # fewer previous days: no z-score (not judged)
    # the spread is floored at this share of the mean: a process so steady that its days
    # differ by 0.3 % would otherwise flag a normal 2 % change
    min_spread_pct: float = 5.0
    # a device-day may rest on estimates for at most this share of its intervals
    max_estimated_share: float = 0.25


@dataclass(frozen=True)
class MartCheck:
    name: str
    description: str
    evaluated_rows: int
    failed_rows: int
    success: bool
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MartQualityReport:
    run_id: str
    local_dates: list[dt.date]
    checked_at_utc: dt.datetime
    checks: list[MartCheck]
    results_path: str
    docs_index_path: str | None
    duration_s: float

    @property
    def success(self) -> bool:
        return all(check.success for check in self.checks)

    def summary_markdown(self) -> str:
        verdict = "all checks passed" if self.success else "some checks FAILED"
        dates = ", ".join(d.isoformat() for d in self.local_dates)
        lines = [f"# Warehouse mart quality: {verdict}", "",
                 f"Run `{self.run_id}` checked local dates {dates} in {self.duration_s:.1f} s.",
                 "", "| check | what it checks | evaluated | failed | result |",
                 "| --- | --- | ---: | ---: | --- |"]
        lines += [f"| {c.name} | {c.description} | {c.evaluated_rows:,} | {c.failed_rows:,} | "
                  f"{'pass' if c.success else '**FAIL**'} |" for c in self.checks]
        for check in self.checks:
            lines += [f"- **{check.name}**: {example}" for example in check.examples]
        lines += ["", f"Checkpoint result: `{self.results_path}`"]
        if self.docs_index_path:
            lines.append(f"Data Docs: `{self.docs_index_path}`")
        return "\n".join(lines) + "\n"


DESCRIPTIONS = {
    "balance_residuals": "residual share of supply: median well inside the tolerance; "
                         "enough intervals close",
    "consumption_anomalies": "each consumer's daily electricity within its own recent spread",
    "estimated_share": "share of a device-day's intervals resting on estimates",
}


def _check_frames(settings: Settings, local_dates: list[dt.date],
                  thresholds: MartThresholds) -> dict[str, pd.DataFrame]:
    dates = [d.isoformat() for d in local_dates]
    with connect_published(settings) as connection:
        residuals = to_frame(connection.execute("""
            select interval_start_utc, local_date,
                100.0 * unexplained_residual_kwh / supply_kwh as residual_share_pct,
                case when balance_closes then 1.0 else 0.0 end as closes
            from fct_energy_balance
            where cast(local_date as varchar) in (select unnest(?)) and supply_kwh > 0
            order by interval_start_utc""", [dates]))
        anomalies = to_frame(connection.execute(f"""
            with days as (
                select entity_id, local_date, electricity_kwh,
                    avg(electricity_kwh) over history as mean_kwh,
                    stddev_samp(electricity_kwh) over history as std_kwh,
                    count(*) over history as history_days
                from fct_enterprise_daily_kpis
                where intervals >= 92  -- whole local days only (92 on a DST spring day)
                window history as (
                    partition by entity_id, isodow(local_date) >= 6 order by local_date
                    range between interval '{thresholds.history_days} days' preceding
                    and interval '1 day' preceding)
            )
            select entity_id, local_date, electricity_kwh, mean_kwh, std_kwh, history_days,
                case when history_days >= {thresholds.min_history_days} and mean_kwh > 0
                     then (electricity_kwh - mean_kwh)
                          / greatest(std_kwh, mean_kwh * {thresholds.min_spread_pct} / 100.0)
                end as consumption_z
            from days
            where cast(local_date as varchar) in (select unnest(?))
            order by entity_id, local_date""", [dates]))
        estimated = to_frame(connection.execute("""
            select device_id, local_date,
                avg(case when interval_quality = 'estimated' then 1.0 else 0.0 end)
                    as estimated_share,
                count(*) as intervals
            from fct_interval_energy
            where cast(local_date as varchar) in (select unnest(?))
            group by device_id, local_date
            order by device_id, local_date""", [dates]))
    frames = {"balance_residuals": residuals, "consumption_anomalies": anomalies,
              "estimated_share": estimated}
    for frame in frames.values():
        frame.insert(0, INDEX_COLUMN, range(len(frame)))
    return frames


def _suites(thresholds: MartThresholds) -> dict[str, gx.ExpectationSuite]:
    tolerance = thresholds.balance_tolerance_pct
    return {
        "balance_residuals": gx.ExpectationSuite(name="mart_balance_residuals", expectations=[
            # (the quantile expectation would say more, but GX 1.24 cannot store its result:
            # numpy booleans in it are not JSON-serialisable)
            gxe.ExpectColumnMedianToBeBetween(
                column="residual_share_pct", min_value=-tolerance / 2, max_value=tolerance / 2,
                description="The residual's median is well inside the tolerance (no drift)."),
            gxe.ExpectColumnMeanToBeBetween(
                column="closes", min_value=thresholds.min_closing_share, max_value=1.0,
                description=f"At least {thresholds.min_closing_share:.0%} of intervals close."),
        ]),
        "consumption_anomalies": gx.ExpectationSuite(
            name="mart_consumption_anomalies", expectations=[
                gxe.ExpectColumnValuesToBeBetween(
                    column="consumption_z", min_value=-thresholds.max_abs_z,
                    max_value=thresholds.max_abs_z,
                    description="A consumer's day is within its own recent spread."),
            ]),
        "estimated_share": gx.ExpectationSuite(name="mart_estimated_share", expectations=[
            gxe.ExpectColumnValuesToBeBetween(
                column="estimated_share", min_value=0.0,
                max_value=thresholds.max_estimated_share,
                description="A device-day rests mostly on measured intervals."),
        ]),
    }


def _examples(name: str, failing: pd.DataFrame) -> list[str]:
    rows = failing.head(EXAMPLES_PER_CHECK).to_dict("records")
    if name == "consumption_anomalies":
        return [f"{r['entity_id']} on {r['local_date']:%Y-%m-%d}: {r['electricity_kwh']:,.0f} kWh "
                f"against {r['mean_kwh']:,.0f} kWh on its previous {r['history_days']} like days "
                f"(z = {r['consumption_z']:.1f})" for r in rows]
    if name == "estimated_share":
        return [f"{r['device_id']} on {r['local_date']:%Y-%m-%d}: {r['estimated_share']:.0%} of "
                f"{r['intervals']} intervals estimated" for r in rows]
    return []


def run_mart_checkpoint(settings: Settings, local_dates: list[dt.date], *,
                        run_id: str | None = None, thresholds: MartThresholds | None = None,
                        now_utc: dt.datetime | None = None) -> MartQualityReport:
    """Validate the marts for `local_dates` (the park's zone) and keep the verdict."""
    if not local_dates:
        raise ValueError("no local dates to check")
    started = time.perf_counter()
    thresholds = thresholds or MartThresholds()
    local_dates = sorted(set(local_dates))
    run_id = run_id or f"marts-{local_dates[0]:%Y%m%d}-{local_dates[-1]:%Y%m%d}"
    if not RUN_ID_PATTERN.match(run_id):
        raise ValueError(f"run_id {run_id!r} must be letters, digits, '.', '_' or '-'")
    checked_at = (now_utc or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    frames = _check_frames(settings, local_dates, thresholds)
    suites = _suites(thresholds)
    tables = [CheckTable(name=name, frame=frame, suite=suites[name])
              for name, frame in frames.items()]
    with docs_site(settings.data_root) as (docs, docs_index):
        outcome = validate_tables(tables, checkpoint_name=CHECKPOINT_NAME, run_name=run_id,
                                  run_time=checked_at, docs=docs)
    checks = []
    for name, frame in frames.items():
        expectations = [e for e in outcome.expectations if e.table == name]
        failing = frame[frame[INDEX_COLUMN].isin(
            {i for e in expectations for i in e.failing_row_ids})]
        checks.append(MartCheck(
            name=name, description=DESCRIPTIONS[name], evaluated_rows=len(frame),
            failed_rows=len(failing), success=all(e.success for e in expectations),
            examples=_examples(name, failing)))
    results_path = join_path(settings.data_root, "quality", run_id, "checkpoint_result.json")
    report = MartQualityReport(run_id=run_id, local_dates=local_dates, checked_at_utc=checked_at,
                               checks=checks, results_path=results_path,
                               docs_index_path=docs_index,
                               duration_s=time.perf_counter() - started)
    landing.write_atomically(results_path, json.dumps(
        {"summary": report.summary_markdown(), "thresholds": thresholds.__dict__,
         "checkpoint_result": outcome.result_json}, indent=1, ensure_ascii=False,
        default=str).encode("utf-8"))
    return report
