"""The twin's simulated year of the park as it is, for the installed assets that have no full
metered year or were never operated: the park's twin run over the season samples
(windows.py) under the controller the platform would run, each sample's warehouse read by the
same attribution as metered data (realised.py), and the samples' sums kept with the scale
that makes them a year.

The runs are independent, so they run two at a time in spawned processes (the machine's two
cores; spawned, not forked, because the parent may hold DuckDB connections). A simulated year
takes minutes (docs/management.md), so its per-asset sums are kept under the data root, keyed
by the park file, the windows and the controller: the next valuation of the same park reuses
them, and a changed park file simulates again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
import yaml

from jobs.common import landing
from jobs.common.settings import Settings, join_path, load_settings
from jobs.valuation.realised import RealisedAsset, realised_between
from jobs.valuation.windows import Window, sample_scale, season_windows

# Days simulated before each window. One is the least any controller can have: the warehouse
# derives interval energy from counter differences, so the first evaluated interval needs a
# reading before it. The plan controller forecasts loads and cars from the last days of the
# same day type (jobs/forecast/load.py, ev.py), so it gets a full week.
WARMUP_DAYS = {"none": 1, "rule_based": 1, "plan": 7}
SAMPLE_S = 900  # the coarsest sampling the 15-minute energy intervals still resolve
CACHE_FOLDER = "valuation_twin_cache"
CACHE_VERSION = 3  # bump when what is cached changes meaning (2: demand charge prorated;
# 3: the rule-based controller charges in the valley)


@dataclass(frozen=True)
class SimulatedAssets:
    windows: list[Window]
    controller: str
    scale: float  # the samples' sums times this give a year
    assets: dict[str, RealisedAsset]  # by asset id: the sampled days' sums, not scaled
    twin_seconds: float  # 0 when read from the cache
    from_cache: bool


def twin_job(park: dict[str, Any], workdir: str, first_day: dt.date, days: int,
             controller: str, read_assets: bool) -> dict[str, Any]:
    """One controller's run of one park over one window, in a process of its own (top level,
    so a spawned process can import it): its outcome and, if asked, each asset's sums."""
    from jobs.twin.compare import compare_controllers

    # Each run builds its own warehouse under workdir; a warehouse path set for production
    # would point the runs, and their builds, at the production warehouse.
    os.environ.pop("PARK_WAREHOUSE_PATH", None)
    summary = compare_controllers(park, Path(workdir), first_day, days,
                                  warmup_days=WARMUP_DAYS[controller], sample_s=SAMPLE_S,
                                  controllers=(controller,), on_progress=lambda _: None)
    result: dict[str, Any] = {"outcome": summary["results"][controller], "assets": []}
    if read_assets:
        root = Path(workdir) / controller
        settings = load_settings(data_root=str(root / "data"), park_file=str(root / "park.yaml"))
        result["assets"] = [dataclasses.asdict(asset) for asset in realised_between(
            settings, first_day, first_day + dt.timedelta(days=days - 1))]
    return result


def run_twin_jobs(jobs: list[tuple], workers: int = 2) -> list[dict[str, Any]]:
    """twin_job() for each argument tuple, `workers` at a time, results in order."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)) or 1, mp_context=context) as pool:
        runs = [pool.submit(twin_job, *job) for job in jobs]
        return [run.result() for run in runs]


def cache_key(park_text: str, *parts: object) -> str:
    digest = hashlib.sha256(park_text.encode())
    digest.update(json.dumps([CACHE_VERSION, *parts], default=str).encode())
    return digest.hexdigest()[:24]


def cached(settings: Settings, key: str, compute: Callable[[], Any]) -> tuple[Any, bool]:
    """The JSON value kept under the data root for `key`, else compute() kept there."""
    path = join_path(settings.data_root, CACHE_FOLDER, f"{key}.json")
    fs, fs_path = fsspec.core.url_to_fs(path)
    if fs.exists(fs_path):
        return json.loads(fs.cat_file(fs_path)), True
    value = compute()
    landing.write_atomically(path, json.dumps(value, default=str).encode())
    return value, False


def _sum_assets(per_window: list[list[dict[str, Any]]]) -> dict[str, RealisedAsset]:
    totals: dict[str, dict[str, Any]] = {}
    for assets in per_window:
        for asset in assets:
            # a date, or its text as the cache keeps it (a day, possibly with a midnight)
            first, last = (dt.date.fromisoformat(str(asset[k])[:10]) for k in ("first_day",
                                                                               "last_day"))
            total = totals.get(asset["asset_id"])
            if total is None:
                totals[asset["asset_id"]] = {**asset, "first_day": first, "last_day": last}
                continue
            for name, value in asset.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    total[name] += value
            total["first_day"], total["last_day"] = min(total["first_day"], first), \
                max(total["last_day"], last)
    return {asset_id: RealisedAsset(**fields) for asset_id, fields in totals.items()}


def park_layout(settings: Settings) -> tuple[dict[str, Any], str]:
    """The park as the twin takes it (a dict) and its text for the cache key: the park file
    as written, or, for settings made in memory without one, the validated config."""
    path = settings.park_path
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        return yaml.safe_load(text), text
    layout = settings.park.model_dump(mode="json", exclude_unset=True)
    return layout, json.dumps(layout, sort_keys=True)


def simulate_year(settings: Settings, month: dt.date, workdir: Path,
                  today: dt.date | None = None) -> SimulatedAssets:
    """The park as configured, on the twin, over the season samples before `month`."""
    config = settings.park.valuation.simulated_year
    windows = season_windows(month, config.days_per_season, today or dt.date.today())
    park, park_text = park_layout(settings)
    folder = workdir / "installed"
    started = time.perf_counter()

    def compute() -> list[list[dict[str, Any]]]:
        shutil.rmtree(folder, ignore_errors=True)
        jobs = [(park, str(folder / f"{w.first_day:%Y%m%d}"), w.first_day, w.days,
                 config.controller, True) for w in windows]
        return [result["assets"] for result in run_twin_jobs(jobs)]

    key = cache_key(park_text, "installed", [(w.first_day, w.days) for w in windows],
                    config.controller)
    per_window, from_cache = cached(settings, key, compute)
    return SimulatedAssets(windows=windows, controller=config.controller,
                           scale=sample_scale(windows), assets=_sum_assets(per_window),
                           twin_seconds=0.0 if from_cache else time.perf_counter() - started,
                           from_cache=from_cache)
