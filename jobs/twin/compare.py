"""`park twin`: the controllers side by side on the same simulated days, optionally on a
changed park (a scenario: more PV, another battery, another tariff), with each controller's
outcome from its own warehouse. Everything goes under one work folder: the warm-up's landing
zone, one data root per controller, and summary.json."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from device_io.simulator.twin import ParkTwin
from jobs.common.generated_park import park_settings
from jobs.common.settings import Settings
from jobs.twin.loop import (
    CONTROLLERS,
    ControllerRun,
    run_controller,
    start_controller,
    warm_up,
)
from jobs.twin.outcome import Outcome, outcome


def apply_scenario(park: dict[str, Any], change: str) -> dict[str, Any]:
    """A changed copy of the park. Changes: `pv=<factor>` (every PV system's kWp and inverter
    scaled), `battery=<kWh>/<kW>` (one more battery, with its PCS on its own endpoint),
    `tariff=<file.yaml>` (the tariffs replaced by the file's list)."""
    changed = copy.deepcopy(park)
    name, _, value = change.partition("=")
    if name == "pv":
        factor = float(value)
        for system in changed["assets"]["pv"]:
            system["kwp"] = system["kwp"] * factor
            system["inverter_kw"] = system["inverter_kw"] * factor
        for device in changed["devices"]:
            if device["kind"] == "pv_inverter" and device.get("rated_kw"):
                device["rated_kw"] = device["rated_kw"] * factor
    elif name == "battery":
        capacity_kwh, power_kw = (float(v) for v in value.split("/"))
        changed["assets"].setdefault("batteries", []).append(
            {"id": "bess-scenario", "capacity_kwh": capacity_kwh, "power_kw": power_kw})
        ports = [d["port"] for d in changed["devices"]]
        changed["devices"].append({
            "id": "bess-scenario-pcs", "kind": "bess", "register_map": "bess_pcs",
            "asset": "bess-scenario", "host": "127.0.0.1", "port": max(ports) + 1,
            "unit_id": 1, "poll_group": "storage", "poll_interval_s": 15,
            "controllable": True, "rated_kw": power_kw})
    elif name == "tariff":
        changed["tariffs"] = yaml.safe_load(Path(value).read_text(encoding="utf-8"))
    else:
        raise ValueError(f"unknown scenario change {change!r}: pv=, battery= or tariff=")
    return changed


def controller_result(run: ControllerRun, first_day: dt.date, days: int) -> dict[str, Any]:
    """One finished run's figures, as the comparison's summary holds them."""
    result: Outcome = outcome(run.settings, run.controller, first_day, days, run.grid)
    return {**result.as_dict(), "timings": vars(run.timings), "intraday": run.intraday,
            "stored": run.stored, "ev_unserved_kwh": run.ev_unserved_kwh,
            "comfort_violation_kh": run.comfort_violation_kh}


def compare_controllers(park: dict[str, Any], workdir: Path, first_day: dt.date, days: int, *,
                        warmup_days: int = 7, sample_s: int = 300,
                        controllers: Sequence[str] = CONTROLLERS,
                        on_progress: Callable[[str], None] = print,
                        what_if: Callable[[ParkTwin], None] | None = None) -> dict[str, Any]:
    """what_if: a change to the warmed-up twin every controller then meets (a cloud no
    forecast saw: ParkTwin.inject_cloud)."""
    unknown = set(controllers) - set(CONTROLLERS)
    if unknown:
        raise ValueError(f"unknown controllers {sorted(unknown)}: choose from {CONTROLLERS}")
    if "perfect" in controllers and "none" not in controllers:
        raise ValueError("the perfect-foresight controller needs the `none` run (its truth)")
    started = time.perf_counter()
    base = park_settings(park, workdir / "warmup")
    warmed = warm_up(base, first_day, warmup_days, sample_s, on_progress)
    if what_if is not None:
        what_if(warmed.twin)
    warmup_s = time.perf_counter() - started
    ordered = [c for c in CONTROLLERS if c in controllers]  # `none` first: the truth
    settings: dict[str, Settings] = {}
    results: dict[str, dict[str, Any]] = {}
    truth_pv_kw = None
    for controller in ordered:
        settings[controller] = park_settings(park, workdir / controller)
        run = start_controller(warmed, controller, settings[controller])
        run = run_controller(run, warmed, days, sample_s, truth=settings.get("none"),
                             on_progress=on_progress, truth_pv_kw=truth_pv_kw)
        if controller == "none":
            truth_pv_kw = run.pv_potential_kw
        results[controller] = controller_result(run, first_day, days)
        on_progress(f"{controller}: {results[controller]['total_cost_cny']:,.0f} CNY, "
                    f"{run.timings.total_s:.0f} s")
    summary = {"first_day": first_day.isoformat(), "days": days, "warmup_days": warmup_days,
               "sample_s": sample_s, "warmup_s": round(warmup_s, 1),
               "total_s": round(time.perf_counter() - started, 1), "results": results,
               "workdir": str(workdir)}
    (workdir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
