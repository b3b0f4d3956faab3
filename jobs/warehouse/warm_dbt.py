"""dbt's start-up paid once per process: the parsed project is kept between builds.

A `park build` in a fresh process imports dbt (about 2.4 s on the benchmark machine) and
parses the project (partial parsing still reads and checks every file: about 1.5 s) before the
first model runs: most of an hourly build. A process that builds many times (the warehouse
service flow, the benchmark's warm builder) turns keeping on: it imports dbt once, parses once
and hands dbt the parsed manifest on every later invocation (`dbtRunner(manifest=...)`), which
dbt then uses as it is. A manifest depends on the project's files, the landing root (the
sources' external locations name it) and the vars (`var()` in configs is rendered at parse
time), so it is parsed again when any of them changes; a late-data build (its own
`rebuild_from`) therefore parses once more, as partial parsing would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Commands that run against a parsed project; anything else (parse, docs, debug) goes through
# dbt as usual.
USES_MANIFEST = frozenset({"build", "run", "test", "seed", "show", "compile"})
# What the parse reads, under the project directory
PROJECT_PARTS = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")

_keep = False
_parsed: dict[tuple, Any] = {}


def keep_parsed(enabled: bool = True) -> None:
    """For long-lived processes: from now on, parse once and reuse the manifest. A one-shot
    process (`park build`) leaves it off: the extra parse invocation would cost, not save."""
    global _keep
    _keep = enabled
    if not enabled:
        _parsed.clear()


def is_kept() -> bool:
    return _keep


def invoke(args: list[str], project_dir: Path):
    """Run dbt with `args` (command first, then options, as jobs.warehouse.build.dbt_args
    makes them), from a kept manifest when keeping is on."""
    from dbt.cli.main import dbtRunner

    if not _keep or args[0] not in USES_MANIFEST:
        return dbtRunner().invoke(args)
    key = (os.environ.get("PARK_LANDING_ROOT"), _option(args, "--vars"),
           _option(args, "--target-path"), project_fingerprint(project_dir))
    manifest = _parsed.get(key)
    if manifest is None:
        parsed = dbtRunner().invoke(["parse", *_parse_options(args)])
        if not parsed.success or parsed.result is None:
            return parsed  # a project that does not parse: dbt's own error, as without keeping
        manifest = parsed.result
        _parsed.clear()  # one project state is current; an older one is never wanted again
        _parsed[key] = manifest
    return dbtRunner(manifest=manifest).invoke(args)


def project_fingerprint(project_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Every project file's path, size and modification time: an edit (a deployment, an
    analyst's new model) makes the next build parse again."""
    entries = []
    for part in PROJECT_PARTS:
        root = project_dir / part
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            stat = path.stat()
            entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def _parse_options(args: list[str]) -> list[str]:
    """The options of `args` that `dbt parse` takes: where the project, profile, target and
    logs are, and the vars."""
    kept = ("--project-dir", "--profiles-dir", "--target-path", "--log-path", "--vars")
    options: list[str] = []
    for name in kept:
        value = _option(args, name)
        if value is not None:
            options += [name, value]
    if "--quiet" in args:
        options.append("--quiet")
    return options
