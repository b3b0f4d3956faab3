"""The direct green line's power forecast as the wind farm / line operator sends it: one CSV
file per issue, dropped into `<data_root>/inbox/line_forecasts/`, validated whole and landed.

The file (UTF-8, comma-separated, this header, one row per 15-minute interval):

    issued_at_utc,interval_start_utc,kw
    2026-07-06T00:00:00Z,2026-07-06T00:00:00Z,1830.5

- `issued_at_utc`: when the forecast was made (ISO 8601 with `Z` or an explicit offset), the
  same on every row; `interval_start_utc`: an interval on the park's dispatch grid, at or
  after the issue, each once; `kw`: the mean power the lines will offer the park over the
  interval, finite, 0 to the lines' capacity (the sum of their `rated_kw`).
- An issue reaching at most 4 h 15 min past its time is an ultra-short-term forecast
  (超短期), anything longer a short-term one (短期); the dispatch takes, per interval, the
  freshest issue that covers it.

As the main inbox (jobs/inbox/load.py) does: any problem refuses the whole file, which moves to
`rejected/<UTC date>/` beside `<name>.errors.txt` naming each row and why; nothing of it
lands, so the previous good forecast stays in force. An accepted file lands as one Parquet file
in the landing dataset `line_forecasts` (partition: the issue's UTC date) and moves to
`processed/<UTC date>/`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from jobs.common import landing
from jobs.common.park_config import DeviceKind, ParkConfig

DATASET = "line_forecasts"
HEADER = ("issued_at_utc", "interval_start_utc", "kw")
ULTRA_SHORT_MAX_H = 4.25
MAX_PROBLEMS = 20
SCHEMA = pa.schema([("issued_at_utc", pa.timestamp("us", tz="UTC")),
                    ("interval_start_utc", pa.timestamp("us", tz="UTC")),
                    ("kw", pa.float64()), ("product", pa.string()),
                    ("source_file", pa.string())])


@dataclass(frozen=True)
class LineForecastResult:
    source: Path
    accepted: bool
    problems: tuple[str, ...]
    issued_at_utc: pd.Timestamp | None = None
    product: str | None = None
    landed_paths: tuple[str, ...] = ()


def lines_capacity_kw(park: ParkConfig) -> float:
    return float(sum(d.rated_kw or 0.0 for d in park.devices
                     if d.kind == DeviceKind.DIRECT_GREEN_METER))


def _utc(text: str) -> pd.Timestamp:
    """An instant with an explicit offset (a naive time is ambiguous: refused)."""
    stamp = pd.Timestamp(text.strip())
    if stamp.tzinfo is None:
        raise ValueError("no time zone (write Z or an offset such as +00:00)")
    return stamp.tz_convert("UTC")


def validate(name: str, payload: bytes, capacity_kw: float, interval_minutes: int
             ) -> tuple[pd.DataFrame | None, list[str]]:
    """The file's rows (issued_at_utc, interval_start_utc, kw) or every problem found."""
    problems: list[str] = []

    def problem(row: int | None, why: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append(f"{name}{f' row {row}' if row is not None else ''}: {why}")

    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]
    lines = [line for line in io.StringIO(text).read().splitlines() if line.strip()]
    if not lines:
        return None, [f"{name}: empty file (expected the header {','.join(HEADER)})"]
    header = tuple(cell.strip() for cell in lines[0].split(","))
    if header != HEADER:
        return None, [f"{name} row 1: header {','.join(header)!r}, expected "
                      f"{','.join(HEADER)!r}"]
    if len(lines) == 1:
        return None, [f"{name}: no forecast rows after the header"]
    step = pd.Timedelta(minutes=interval_minutes)
    rows: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    issues: set[pd.Timestamp] = set()
    seen: dict[pd.Timestamp, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split(",")
        if len(cells) != len(HEADER):
            problem(number, f"{len(cells)} cells, expected {len(HEADER)}")
            continue
        try:
            issued = _utc(cells[0])
        except ValueError as exc:
            problem(number, f"issued_at_utc {cells[0].strip()!r}: {exc}")
            continue
        try:
            start = _utc(cells[1])
        except ValueError as exc:
            problem(number, f"interval_start_utc {cells[1].strip()!r}: {exc}")
            continue
        try:
            kw = float(cells[2])
        except ValueError:
            problem(number, f"kw {cells[2].strip()!r} is not a number")
            continue
        if not math.isfinite(kw):
            problem(number, f"kw {cells[2].strip()!r} is not a finite number")
            continue
        if kw < 0.0 or kw > capacity_kw:
            problem(number, f"kw {kw:g} outside 0 to the lines' capacity {capacity_kw:g} kW")
        if start != start.floor(step):
            problem(number, f"interval_start_utc {start:%Y-%m-%d %H:%M:%S} UTC is not on the "
                            f"{interval_minutes}-minute grid")
        if start < issued:
            problem(number, f"interval {start:%Y-%m-%d %H:%M} UTC starts before the issue "
                            f"time {issued:%Y-%m-%d %H:%M} UTC (a forecast cannot cover the "
                            "past)")
        if start in seen:
            problem(number, f"interval {start:%Y-%m-%d %H:%M} UTC repeated (row {seen[start]})")
        seen[start] = number
        issues.add(issued)
        rows.append((issued, start, kw))
    if len(issues) > 1:
        problem(None, f"{len(issues)} different issued_at_utc values (one issue per file)")
    if problems:
        return None, problems
    return pd.DataFrame(rows, columns=list(HEADER)), []


def product_of(frame: pd.DataFrame) -> str:
    reach_h = (frame["interval_start_utc"].max() - frame["issued_at_utc"].iloc[0]
               ).total_seconds() / 3600.0
    return "ultra_short" if reach_h <= ULTRA_SHORT_MAX_H else "short_term"


def to_csv(issued_utc: pd.Timestamp, forecast_kw: pd.Series) -> bytes:
    """A forecast in the file's format (what the twin's line operator sends)."""
    issued = f"{pd.Timestamp(issued_utc).tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ}"
    rows = [",".join(HEADER)] + [f"{issued},{t.tz_convert('UTC'):%Y-%m-%dT%H:%M:%SZ},"
                                 f"{float(v):.1f}" for t, v in forecast_kw.items()]
    return ("\n".join(rows) + "\n").encode()


def accept_bytes(landing_root: str, name: str, payload: bytes, park: ParkConfig
                 ) -> LineForecastResult:
    """Validate one file's content and land it if whole; nothing lands otherwise."""
    frame, problems = validate(name, payload, lines_capacity_kw(park),
                               park.dispatch.interval_minutes)
    if frame is None:
        return LineForecastResult(Path(name), False, tuple(problems))
    product = product_of(frame)
    digest = hashlib.sha256(payload).hexdigest()[:12]
    issued = frame["issued_at_utc"].iloc[0]
    table = pa.Table.from_pandas(frame.assign(product=product, source_file=name),
                                 schema=SCHEMA, preserve_index=False)
    paths = landing.write_partitioned(landing_root, DATASET, table,
                                      f"{product}-{issued:%Y%m%dT%H%M}-{digest}",
                                      ts_column="issued_at_utc")
    return LineForecastResult(Path(name), True, (), issued, product, tuple(paths))


def load_folder(data_root: str, landing_root: str, park: ParkConfig,
                today_utc: dt.date | None = None) -> list[LineForecastResult]:
    """Every CSV in `<data_root>/inbox/line_forecasts/`, oldest first: landed and moved to
    processed/, or refused whole and moved to rejected/ with its .errors.txt."""
    if "://" in data_root:  # the inbox is a local drop folder on the park server
        return []
    folder = Path(data_root) / "inbox" / "line_forecasts"
    if not folder.is_dir():
        return []
    day = (today_utc or dt.datetime.now(dt.UTC).date()).isoformat()
    results = []
    files = sorted((p for p in folder.iterdir() if p.is_file()
                    and p.suffix.lower() == ".csv" and not p.name.startswith(".")),
                   key=lambda p: p.stat().st_mtime)
    for path in files:
        result = accept_bytes(landing_root, path.name, path.read_bytes(), park)
        target = folder / ("processed" if result.accepted else "rejected") / day
        target.mkdir(parents=True, exist_ok=True)
        if not result.accepted:
            (target / f"{path.name}.errors.txt").write_text(
                "\n".join(result.problems) + "\n", encoding="utf-8")
        shutil.move(str(path), str(target / path.name))
        results.append(dataclasses.replace(result, source=path))
    return results
