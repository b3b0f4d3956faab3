"""Publishing without dbt: a warehouse file from before versioning becomes the last good
version on the first publish (a reader that has it open keeps reading it); no published
warehouse and a malformed --rebuild-from are clear errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from jobs.warehouse import published


def test_a_plain_warehouse_file_is_kept_as_the_last_good_version(tmp_path: Path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create table readings as select 1 as reading")
    reader = duckdb.connect(str(path), read_only=True)
    try:
        copy = published.VersionCopy(str(path), empty=False)
        building = copy.wait()
        with duckdb.connect(str(building)) as connection:
            connection.execute("insert into readings values (2)")
        published.checkpoint(building)
        final = published.publish(str(path), building)
        # the open reader still reads the file it opened
        assert reader.execute("select count(*) from readings").fetchall() == [(1,)]
    finally:
        reader.close()
    assert path.is_symlink() and path.resolve() == final
    assert final.name == "warehouse.duckdb"  # the same catalog name in every version
    with published.connect_published(str(path)) as connection:
        assert connection.execute("select count(*) from readings").fetchall() == [(2,)]
    legacy = published.versions_dir(str(path)) / "00000000T000000Z-legacy" / "warehouse.duckdb"
    with duckdb.connect(str(legacy), read_only=True) as connection:
        assert connection.execute("select count(*) from readings").fetchall() == [(1,)]


def test_no_published_warehouse_is_a_clear_error(tmp_path: Path):
    with pytest.raises(published.WarehouseNotPublishedError, match="run `park build` first"):
        published.connect_published(str(tmp_path / "warehouse.duckdb"))


def test_a_malformed_rebuild_from_builds_nothing_and_says_why(tmp_path: Path):
    from device_io.simulator.park_generator import generate_park
    from jobs.warehouse.build import build_warehouse
    from tests.conftest import settings_for

    settings = settings_for(generate_park(12, seed=1), tmp_path / "data")
    report = build_warehouse(settings, rebuild_from="last tuesday")
    assert not report.success and report.published_version is None
    assert "'last tuesday' is not a UTC date" in report.summary_markdown()
    assert not Path(settings.warehouse_path).exists()
