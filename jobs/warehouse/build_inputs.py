"""What a build read, and which of it changed since: an hourly build runs only what changed.

A warm hourly build costs dbt about 0.07-0.11 CPU-s per node whatever the node computes
(docs/warehouse_speed.md), and most nodes (the inbox's and reference data's staging views,
the monthly and reference-fed marts, the seeds, their tests) read inputs that do not change
from one hour to the next. So each published version records a digest of everything its
nodes read: the project itself (models, macros, seeds, tests, dbt_project.yml, profiles.yml,
the vars) and each dbt source's files in the landing zone (path, size, modification time, as
the landing manifest does). The next build compares:

- the project changed (a deployment, an edited seed or model, other vars), or no record: every
  node runs, as before;
- otherwise only the nodes downstream of a changed source run (`source:<name>+`, with their
  tests), and the landing freshness test, which depends on the clock, not on files. The seeds
  are in the project's digest: they are loaded when their CSV or config changed, not hourly.

Every node left out read exactly the inputs it read when it last ran, so its rows are those a
run would write. The digests are taken before dbt starts: a file landing during the build
counts as new at the next build (a node may run once more, never once less).
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

import duckdb
import fsspec
import pyarrow as pa
import yaml

from jobs.warehouse.late_data import HELPERS_SCHEMA
from jobs.warehouse.warm_dbt import PROJECT_PARTS  # what the parse and the seeds read

STATE_TABLE = "park_build_inputs"
PROJECT_KEY = "project"
# Nodes that depend on the clock rather than on files: they run in every build
ALWAYS_RUN = ("test_name:landing_is_fresh",)
_LANDING_ROOT = re.compile(r"""\{\{\s*env_var\(\s*["']PARK_LANDING_ROOT["']\s*\)\s*\}\}""")
_READ_PARQUET = re.compile(r"""read_parquet\(\s*'([^']+)'""")


def project_digest(project_dir: Path, vars_: dict[str, object]) -> str:
    """Every project file's relative path and content, the vars the models see, and the
    versions of dbt, its adapter and DuckDB (an upgrade may compile or compute differently)."""
    engines = {name: metadata.version(name) for name in ("dbt-core", "dbt-duckdb", "duckdb")}
    digest = hashlib.sha256(json.dumps([vars_, engines], sort_keys=True, default=str).encode())
    for part in PROJECT_PARTS:
        root = project_dir / part
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in paths:
            digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def source_globs(project_dir: Path, landing_root: str) -> dict[str, str | None]:
    """Each dbt source table (`landing.readings`) and the glob of the files it reads (None:
    its location could not be read from the YAML, so it counts as changed every time)."""
    globs: dict[str, str | None] = {}
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in sorted((project_dir / "models").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if "sources:" not in text:  # the models' YAML is most of it: 0.28 CPU-s to parse
            continue
        document = yaml.load(text, Loader=loader) or {}  # noqa: S506 (a safe loader)
        for source in document.get("sources") or []:
            location = (source.get("meta") or {}).get("external_location", "")
            for table in source.get("tables") or []:
                own = (table.get("meta") or {}).get("external_location") or location
                found = _READ_PARQUET.search(own or "")
                glob = None
                if found:
                    glob = _LANDING_ROOT.sub(landing_root.rstrip("/"), found.group(1))
                    glob = glob.replace("{name}", table["name"])
                globs[f"{source['name']}.{table['name']}"] = glob
    return globs


def files_digest(glob: str) -> str:
    """The files a source reads: path, size and modification time of each (landing files are
    written once, atomically; reference files are rewritten only when their content changes)."""
    fs, pattern = fsspec.core.url_to_fs(glob)
    found = fs.glob(pattern, detail=True)
    listing = sorted((path, int(info.get("size") or 0),
                      str(info.get("mtime") or info.get("LastModified")))
                     for path, info in found.items())
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def input_digests(project_dir: Path, landing_root: str,
                  vars_: dict[str, object]) -> dict[str, str]:
    digests = {PROJECT_KEY: project_digest(project_dir, vars_)}
    for name, glob in source_globs(project_dir, landing_root).items():
        digests[f"source:{name}"] = files_digest(glob) if glob else "unknown"
    return digests


def read_state(connection: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The digests the version was built from; None if it has no record (older or new)."""
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?", [HELPERS_SCHEMA, STATE_TABLE]).fetchone()
    if not exists or not exists[0]:
        return None
    rows = connection.execute(
        f"select input, digest from {HELPERS_SCHEMA}.{STATE_TABLE}").fetchall()
    return dict(rows)


def write_state(connection: duckdb.DuckDBPyConnection, digests: dict[str, str]) -> None:
    table = pa.table({"input": list(digests), "digest": list(digests.values())})
    connection.register("build_input_digests", table)
    connection.execute(f"create schema if not exists {HELPERS_SCHEMA}")
    connection.execute(f"create or replace table {HELPERS_SCHEMA}.{STATE_TABLE} as "
                       "select * from build_input_digests")
    connection.unregister("build_input_digests")


def changed_inputs(built: dict[str, str] | None, now: dict[str, str]) -> list[str] | None:
    """The sources whose files changed since `built`; None when every node must run (no
    record, or the project or vars changed)."""
    if built is None or built.get(PROJECT_KEY) != now[PROJECT_KEY]:
        return None
    return [key for key, digest in now.items()
            if key != PROJECT_KEY and (digest == "unknown" or built.get(key) != digest)]


def selection(changed: list[str]) -> list[str]:
    """dbt `--select` arguments: everything downstream of a changed source, with its tests,
    and the clock's tests."""
    return [f"{key}+" for key in changed] + list(ALWAYS_RUN)
