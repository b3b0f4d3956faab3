"""The export and the rollup on a real S3 API server on loopback (moto's standalone server),
reached as in production: s3:// URLs through fsspec/s3fs, configured by the AWS_* environment.
A park's partition is one object, replaced whole by a re-run (never a second one)."""

from __future__ import annotations

import boto3
import duckdb
import pyarrow as pa
import pytest

from jobs.group.export import export_park_marts
from jobs.group.marts import GROUP_MARTS
from jobs.group.rollup import run_group_rollup
from tests.jobs.common.test_object_store_s3 import BUCKET, s3_env  # noqa: F401 (fixture)
from tests.jobs.group.hand_parks import mart_tables, write_warehouse

pytestmark = pytest.mark.integration
ROOT = f"s3://{BUCKET}/group-warehouse"


def _keys(prefix: str) -> list[str]:
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                                         Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_exports_replace_the_parks_partition_and_the_rollup_reads_s3(s3_env, tmp_path):  # noqa: F811
    for park in ("p-a", "p-b"):
        export_park_marts(park, write_warehouse(tmp_path / park / "w.duckdb", mart_tables(park)),
                          ROOT)
    keys = _keys("group-warehouse/")
    expected = sorted([f"group-warehouse/{mart}/park_id={park}/data.parquet"
                       for mart in GROUP_MARTS for park in ("p-a", "p-b")]
                      + [f"group-warehouse/_parks/park_id={park}.json" for park in ("p-a", "p-b")])
    assert keys == expected
    # p-a rebuilt with more import: the re-run replaces its partition, adds nothing
    tables = mart_tables("p-a")
    national = tables["fct_park_national_monthly"]
    index = national.column_names.index("grid_import_kwh")
    tables["fct_park_national_monthly"] = national.set_column(
        index, "grid_import_kwh", pa.array([1500.0]))
    rebuilt = write_warehouse(tmp_path / "p-a-rebuilt" / "w.duckdb", tables)
    export_park_marts("p-a", rebuilt, ROOT)
    assert _keys("group-warehouse/") == expected
    summary = run_group_rollup(["p-a", "p-b"], ROOT, tmp_path / "group.duckdb")
    assert summary.included == ["p-a", "p-b"] and summary.problems == []
    with duckdb.connect(str(tmp_path / "group.duckdb"), read_only=True) as connection:
        assert connection.execute("select grid_import_kwh from fct_group_national_monthly"
                                  ).fetchall() == [(1500.0 + 3000.0,)]
        # the manifest dates each park's export and names the version it came from
        assert connection.execute("select park_id, source_version like '%p-a-rebuilt%' "
                                  "from dim_group_parks order by park_id").fetchall() == [
            ("p-a", True), ("p-b", False)]
