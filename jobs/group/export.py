"""After a park's build: its published group marts as Parquet on the group's store, one file
per mart under `<group root>/<mart>/park_id=<id>/data.parquet`, then a manifest naming what
was exported and from which published version.

Each file is replaced whole (a rename on a local disk, one PUT on an object store: the
landing zone's write_atomically), so a reader sees the park's previous partition or its new
one, never part of one; a re-run writes the same names again, so it replaces, never adds.
The manifest is written last: a partition newer than its manifest is a run that died between
the two, which the rollup reads as it reads any partition (every file is whole)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from jobs.common import landing
from jobs.group.marts import GROUP_MARTS, manifest_url, partition_url
from jobs.warehouse.published import connect_published, published_version


class GroupExportError(RuntimeError):
    """A mart could not be exported; the message names the park, the mart and why."""


@dataclass
class ParkExport:
    park_id: str
    group_root: str
    source_version: str
    rows: dict[str, int] = field(default_factory=dict)
    exported_at_utc: str = ""

    def summary_line(self) -> str:
        marts = ", ".join(f"{mart} {rows}" for mart, rows in self.rows.items())
        return f"park {self.park_id}: exported to {self.group_root} ({marts} rows)"


def non_finite_columns(table: pa.Table) -> list[str]:
    """Floating-point columns holding NaN or ±inf (SQL nulls are allowed: no value)."""
    bad = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_floating(column.type) and len(column) and \
                not pc.all(pc.fill_null(pc.is_finite(column), True)).as_py():
            bad.append(name)
    return bad


def export_park_marts(park_id: str, warehouse_path: str | Path, group_root: str,
                      names: tuple[str, str] | None = None) -> ParkExport:
    """Export the park's published group marts (jobs.group.marts.GROUP_MARTS) to the group's
    store. Every mart is read from one published version before anything is written, and
    checked (present, every column the group reads, finite numbers): a bad mart exports
    nothing of this park, so its partitions stay as the last good export left them.
    `names`: the park's (name_zh, name_en) from its park.yaml, carried in the manifest so the
    group's scorecard names parks as their people do (without: the id stands in)."""
    version = published_version(str(warehouse_path))
    tables: dict[str, pa.Table] = {}
    with connect_published(str(warehouse_path)) as connection:
        present = {name for (name,) in connection.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
        for mart, needed in GROUP_MARTS.items():
            where = f"park {park_id}, {mart} in {version}"
            if mart not in present:
                raise GroupExportError(f"{where}: no such mart in the published warehouse")
            table = connection.sql(f"select * from main.{mart}").to_arrow_table()
            missing = [column for column in needed if column not in table.column_names]
            if missing:
                raise GroupExportError(f"{where}: missing column(s) {', '.join(missing)}")
            if bad := non_finite_columns(table):
                raise GroupExportError(f"{where}: non-finite numbers in {', '.join(bad)}")
            if "park_id" in table.column_names:  # the partition names the park
                table = table.drop_columns(["park_id"])
            tables[mart] = table
    export = ParkExport(park_id, group_root, str(version))
    for mart, table in tables.items():
        landing.write_atomically(partition_url(group_root, mart, park_id),
                                 landing.serialise_parquet(table))
        export.rows[mart] = table.num_rows
    export.exported_at_utc = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest = {"park_id": park_id, "exported_at_utc": export.exported_at_utc,
                "source_version": export.source_version, "rows": export.rows}
    if names is not None:
        manifest["name_zh"], manifest["name_en"] = names
    landing.write_atomically(manifest_url(group_root, park_id),
                             json.dumps(manifest, indent=1).encode())
    return export
