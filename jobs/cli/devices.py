"""`park` commands for the devices and the simulator: validate the park, simulate, harvest,
read one device, backfill history, generate a synthetic park, run the demo."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

if TYPE_CHECKING:
    pass

from jobs.cli.base import (
    ConfigDir,
    DataRoot,
    Groups,
    ParkFile,
    app,
    cli_settings,
    console,
    parse_utc,
)


@app.command()
def validate(config_dir: ConfigDir = None, park_file: ParkFile = None) -> None:
    """Validate park.yaml and every register map; print what the park contains."""
    from collections import Counter

    settings = cli_settings(config_dir, park_file)
    park = settings.park
    console.print(f"[green]OK[/] {settings.park_path}: {park.park.name_zh} "
                  f"({park.park.name_en}), time zone {park.park.timezone}")
    table = Table("device kind", "devices", "register maps", "poll groups")
    kinds = Counter(d.kind.value for d in park.devices)
    for kind, count in sorted(kinds.items()):
        devices = [d for d in park.devices if d.kind.value == kind]
        table.add_row(kind, str(count), ", ".join(sorted({d.register_map for d in devices})),
                      ", ".join(sorted({d.poll_group for d in devices})))
    console.print(table)
    endpoints = {d.endpoint for d in park.devices}
    console.print(f"{len(park.enterprises)} enterprises, {len(park.devices)} devices on "
                  f"{len(endpoints)} endpoints, {len(settings.register_maps)} register maps, "
                  f"{sum(p.kwp for p in park.assets.pv):,.0f} kWp PV, "
                  f"{sum(b.capacity_kwh for b in park.assets.batteries):,.0f} kWh storage")


@app.command()
def simulate(config_dir: ConfigDir = None, park_file: ParkFile = None,
             speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1.0,
             start: Annotated[str | None, typer.Option(
                 help="Simulated start time (ISO 8601, UTC if no offset). Default: now.")] = None,
             history_start: Annotated[str | None, typer.Option(
                 help="Start the twin here and catch up to --start first, so live counters "
                 "continue a backfill that began at this time.")] = None,
             duration_s: Annotated[float | None, typer.Option(
                 help="Stop after this many real seconds. Default: until Ctrl-C/SIGTERM.")] = None,
             ) -> None:
    """Serve the park's devices over Modbus TCP from the digital twin (real pymodbus servers)."""
    from device_io.simulator.runner import serve

    settings = cli_settings(config_dir, park_file)
    asyncio.run(serve(settings, speed=speed, start_utc=parse_utc(start),
                      history_start_utc=parse_utc(history_start), duration_s=duration_s))


@app.command()
def harvest(config_dir: ConfigDir = None, park_file: ParkFile = None,
            data_root: DataRoot = None, group: Groups = None,
            cycles: Annotated[int, typer.Option(min=1, help="Poll cycles to run.")] = 1,
            interval_s: Annotated[float, typer.Option(help="Seconds between cycle starts.")] = 60.0,
            ) -> None:
    """Poll the devices once (or for several cycles) and land the readings as Parquet.
    Exit code 3 when another process is harvesting one of the poll groups (nothing done)."""
    from device_io.harvest import HarvestBusy, harvest_cycles

    settings = cli_settings(config_dir, park_file, data_root)
    try:
        reports = asyncio.run(harvest_cycles(settings, group, cycles=cycles,
                                             interval_s=interval_s, on_cycle=_print_cycle))
    except HarvestBusy as busy:
        console.print(f"[bold yellow]skipped[/]: {busy}")
        raise typer.Exit(3) from busy
    failed = reports[-1].devices_due - reports[-1].devices_good
    console.print(f"{len(reports)} cycle(s); last: {failed} device(s) not good")


def _print_cycle(report) -> None:
    console.print(f"cycle {report.cycle_id[:8]} {report.started_utc:%H:%M:%S}Z: "
                  f"{report.devices_good}/{report.devices_due} devices good, "
                  f"{report.readings} readings ({report.good_readings} good), "
                  f"{report.requests} requests, {report.duration_s:.2f} s")
    for device_id, (quality, detail) in sorted(report.problems.items()):
        console.print(f"  [yellow]{device_id}[/]: {quality.value} — {detail or ''}")


@app.command("read")
def read_device(device: Annotated[str, typer.Argument(help="Device id (from the park file).")],
                config_dir: ConfigDir = None, park_file: ParkFile = None,
                host: Annotated[str | None, typer.Option(
                    help="Read this host instead of the configured one.")] = None,
                port: Annotated[int | None, typer.Option(
                    min=1, max=65535, help="Read this TCP port instead.")] = None,
                unit_id: Annotated[int | None, typer.Option(
                    min=1, max=247, help="Read this Modbus unit id instead.")] = None,
                timeout_s: Annotated[float | None, typer.Option(
                    min=0.05, max=60, help="Reply timeout per request.")] = None,
                as_json: Annotated[bool, typer.Option(
                    "--json", help="Print JSON instead of a table.")] = False) -> None:
    """Read one device now and print every point of its map: raw registers (hex), scale,
    value, unit and the quality the harvester would land. Nothing is landed or remembered.
    Exit code 1 if the device could not be reached."""
    import json

    from device_io.read_now import read_device_now

    settings = cli_settings(config_dir, park_file)
    try:
        readout = asyncio.run(read_device_now(settings, device, host=host, port=port,
                                              unit_id=unit_id, timeout_s=timeout_s))
    except ValueError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(2) from exc
    reached = any(p.registers for p in readout.points)
    if as_json:
        typer.echo(json.dumps(readout.as_dict(), indent=2, ensure_ascii=False))
    else:
        console.print(f"{readout.device_id} ({readout.register_map}) at {readout.host}:"
                      f"{readout.port} unit {readout.unit_id}, {readout.ts_utc}, "
                      f"{readout.requests} request(s)")
        table = Table("point", "register", "type", "registers", "raw", "scale", "value",
                      "unit", "quality", "detail")
        for p in readout.points:
            table.add_row(p.point, f"{p.table} {p.address}", p.type, " ".join(p.registers),
                          "" if p.raw is None else f"{p.raw:g}", p.scale,
                          "" if p.value is None else f"{p.value:g}", p.unit, p.quality,
                          p.detail or "")
        console.print(table)
        for item in readout.unserved:
            first, last = item["start"], item["end"] - 1
            console.print(f"no read may span {item['table']} {first}" if last < first else
                          f"not served: {item['table']} {first}"
                          + (f"..{last}" if last > first else ""))
    if not reached:
        raise typer.Exit(1)


@app.command()
def backfill(config_dir: ConfigDir = None, park_file: ParkFile = None,
             data_root: DataRoot = None,
             days: Annotated[float, typer.Option(help="Days of history to generate.")] = 7.0,
             end: Annotated[str | None, typer.Option(
                 help="End of the history (ISO 8601, UTC). Default: the start of this minute.")]
             = None,
             sample_s: Annotated[int, typer.Option(help="Seconds between readings.")] = 60,
             ) -> None:
    """Write N days of simulated readings straight into the landing zone (same schema and
    quality flags as the live poller), from the same twin the simulator serves."""
    from rich.progress import BarColumn, Progress, TimeRemainingColumn

    from device_io.simulator.history import generate_history

    settings = cli_settings(config_dir, park_file, data_root)
    end_utc = parse_utc(end) or dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    start_utc = end_utc - dt.timedelta(days=days)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  "{task.completed}/{task.total} days", TimeRemainingColumn(),
                  console=console) as progress:
        task = progress.add_task("backfilling", total=None)

        def on_day(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = generate_history(settings, start_utc, end_utc, sample_s=sample_s,
                                   on_day=on_day)
    console.print(f"{summary.rows:,} readings from {summary.devices} devices, "
                  f"{start_utc:%Y-%m-%d %H:%M} to {end_utc:%Y-%m-%d %H:%M} UTC, "
                  f"{len(summary.files)} files under {settings.landing_root}/readings")


@app.command("generate-park")
def generate_park_command(
        devices: Annotated[int, typer.Option(min=10, help="Number of devices.")] = 1000,
        out: Annotated[Path, typer.Option(help="Where to write the park YAML.")] = Path(
            "park-generated.yaml"),
        seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
        base_port: Annotated[int, typer.Option(help="First Modbus TCP port.")] = 15020) -> None:
    """Write a synthetic park of N devices (for benchmarks and scale tests)."""
    from device_io.simulator.park_generator import generate_park
    from jobs.common.park_yaml import write_park_yaml

    config = generate_park(devices, seed=seed, base_port=base_port)
    write_park_yaml(config, out)
    console.print(f"wrote {out}: {len(config['devices'])} devices, "
                  f"{len(config['enterprises'])} enterprises")


@app.command()
def demo(config_dir: ConfigDir = None, data_root: DataRoot = None,
         days: Annotated[float, typer.Option(help="Days of history to backfill.")] = 3.0,
         cycles: Annotated[int, typer.Option(help="Live harvest cycles.")] = 4) -> None:
    """Run the platform end to end on the embedded demo park and summarise what happened."""
    from jobs.demo import run_demo

    settings = cli_settings(config_dir, None, data_root)
    run_demo(settings, console, days=days, cycles=cycles)
