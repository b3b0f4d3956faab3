"""A run over many files: each file is judged alone, a bad one is moved aside with its reason
and the others land; a failure of the platform leaves the file for the next run; a process
killed in the middle of a run leaves every file landed whole or not at all, and the next run
finishes the job without landing anything twice."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobs.common.settings import Settings
from jobs.inbox import load as inbox_load
from jobs.inbox.load import load_inbox
from tests.jobs.inbox.conftest import NOW, TODAY, landed_files, write_csv

OV = ["enterprise_id", "month", "output_value_10k_cny", "note"]
CERT = ["enterprise_id", "month", "certificates_retired", "serial_from", "serial_to"]
REPO = Path(__file__).resolve().parents[3]


def _good(inbox: Path, name: str, value: str, mtime: int) -> Path:
    path = write_csv(inbox / name, OV, [["haoyu-newenergy", "2026-09", value, ""]])
    os.utime(path, (mtime, mtime))
    return path


def _landed_values(settings: Settings) -> list[tuple[str, float]]:
    return sorted((row["source_file"], row["output_value_10k_cny"])
                  for path in landed_files(settings) for row in pq.read_table(path).to_pylist())


def test_a_file_that_crashed_the_checks_no_longer_stops_the_run(settings: Settings,
                                                                 inbox: Path):
    """A 5,000-digit serial made int() raise inside the serial rules: the whole run died."""
    bad = write_csv(inbox / "certificates_bad.csv", CERT, [
        ["xinghu-autoparts", "2026-08", "1", "GEC" + "9" * 5000, "GEC" + "9" * 5000]])
    os.utime(bad, (1_000, 1_000))
    _good(inbox, "output_value_b.csv", "2", 2_000)
    results = load_inbox(settings, now=NOW)
    assert [(r.source.name, r.accepted) for r in results] == [
        ("certificates_bad.csv", False), ("output_value_b.csv", True)]
    assert_rejected_whole_without_landing_check(results[0])
    assert {(p.row, p.column) for p in results[0].problems} == {
        (2, 'D "serial_from"'), (2, 'E "serial_to"')}
    assert _landed_values(settings) == [("output_value_b.csv", 2.0)]


def assert_rejected_whole_without_landing_check(result: inbox_load.InboxResult) -> None:
    folder = result.source.parent / "rejected" / TODAY
    assert result.archived_to == folder / result.source.name and result.archived_to.exists()
    assert result.errors_path == folder / f"{result.source.name}.errors.txt"
    assert not result.source.exists()


def test_a_folder_named_like_an_inbox_file_is_moved_aside_with_its_reason(settings: Settings,
                                                                          inbox: Path):
    folder = inbox / "output_value_2026-09.csv"
    folder.mkdir()
    (folder / "inside.txt").write_text("kept")
    (inbox / "photos").mkdir()  # not named like an inbox file: none of the inbox's business
    _good(inbox, "output_value_b.csv", "2", 2_000)
    results = {r.source.name: r for r in load_inbox(settings, now=NOW)}
    assert set(results) == {"output_value_2026-09.csv", "output_value_b.csv"}
    refused = results["output_value_2026-09.csv"]
    assert [str(p) for p in refused.problems] == [
        "output_value_2026-09.csv: a folder, not a file: put the files themselves into the inbox"]
    assert refused.archived_to == inbox / "rejected" / TODAY / "output_value_2026-09.csv"
    assert (refused.archived_to / "inside.txt").read_text() == "kept"
    assert refused.errors_path is not None and refused.errors_path.exists()
    assert results["output_value_b.csv"].accepted
    assert (inbox / "photos").is_dir()


def test_a_folder_given_by_name_is_named_as_a_folder(settings: Settings, inbox: Path,
                                                     tmp_path: Path):
    folder = tmp_path / "output_value_x.csv"
    folder.mkdir()
    [result] = load_inbox(settings, [folder], now=NOW)
    assert not result.accepted and folder.is_dir()  # outside the inbox: left where it is
    assert [p.message for p in result.problems] == [
        "a folder, not a file: put the files themselves into the inbox"]


def test_a_platform_failure_leaves_the_file_for_the_next_run_and_the_run_goes_on(
        settings: Settings, inbox: Path, monkeypatch: pytest.MonkeyPatch):
    first = _good(inbox, "output_value_a.csv", "1", 1_000)
    _good(inbox, "output_value_b.csv", "2", 2_000)
    real_land = inbox_load._land

    def disk_full_for_a(root, validated, kind, file_name, *args):  # type: ignore[no-untyped-def]
        if file_name == "output_value_a.csv":
            raise OSError(28, "No space left on device")
        return real_land(root, validated, kind, file_name, *args)

    monkeypatch.setattr(inbox_load, "_land", disk_full_for_a)
    failed, landed = load_inbox(settings, now=NOW)
    assert not failed.accepted and failed.failed is not None
    assert "No space left on device" in failed.failed and "stays in the inbox" in failed.failed
    assert first.exists() and not (inbox / "rejected").exists()
    assert landed.accepted
    monkeypatch.undo()
    [again] = load_inbox(settings, now=NOW + dt.timedelta(minutes=5))
    assert again.accepted and not first.exists()
    assert _landed_values(settings) == [("output_value_a.csv", 1.0), ("output_value_b.csv", 2.0)]


_CRASHING_RUN = textwrap.dedent("""
    import datetime as dt, os, sys
    from jobs.common.settings import load_settings
    from jobs.inbox.load import load_inbox

    data_root, victim, point = sys.argv[1:]
    real_replace = os.replace

    def replace(source, destination):
        source, destination = str(source), str(destination)
        landing = point == "landing" and destination.endswith(".parquet")
        archive = point in ("archive", "reject") and os.path.basename(source) == victim
        if (landing and os.path.basename(destination).startswith(victim.split(".")[0])
                or archive):
            os._exit(9)  # the power goes: no cleanup, no finally, no flush
        real_replace(source, destination)

    os.replace = replace
    load_inbox(load_settings(data_root=data_root),
               now=dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC))
    sys.exit(0)
""")


@pytest.mark.parametrize(("point", "victim"), [
    pytest.param("landing", "output_value_b.csv", id="killed while landing"),
    pytest.param("archive", "output_value_b.csv", id="killed after landing, before archiving"),
    pytest.param("reject", "output_value_bad.csv", id="killed before moving a rejected file"),
])
def test_a_run_killed_midway_leaves_whole_files_and_the_next_run_finishes(
        settings: Settings, inbox: Path, point: str, victim: str):
    _good(inbox, "output_value_a.csv", "1", 1_000)
    _good(inbox, "output_value_b.csv", "2", 2_000)
    bad = write_csv(inbox / "output_value_bad.csv", OV, [["acme", "2026-09", "1", ""]])
    os.utime(bad, (2_500, 2_500))
    _good(inbox, "output_value_c.csv", "3", 3_000)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", _CRASHING_RUN, settings.data_root, victim, point],
                         cwd=REPO, env=env, capture_output=True, timeout=120)
    assert run.returncode == 9, run.stderr.decode()

    # whole files or nothing: what landed reads back completely, the rest waits in the inbox
    landed_before_crash = {"landing": [("output_value_a.csv", 1.0)],
                           "archive": [("output_value_a.csv", 1.0), ("output_value_b.csv", 2.0)],
                           "reject": [("output_value_a.csv", 1.0), ("output_value_b.csv", 2.0)]}
    assert _landed_values(settings) == landed_before_crash[point]
    assert (inbox / victim).exists() and (inbox / "output_value_c.csv").exists()

    waiting = {p.name for p in inbox.iterdir() if p.is_file()}
    results = load_inbox(settings, now=NOW + dt.timedelta(minutes=5))
    assert {r.source.name: r.accepted for r in results} == {
        name: name != "output_value_bad.csv" for name in waiting}
    assert _landed_values(settings) == [("output_value_a.csv", 1.0),
                                        ("output_value_b.csv", 2.0), ("output_value_c.csv", 3.0)]
    assert sorted(p.name for p in inbox.iterdir()) == ["processed", "rejected"]
    assert sorted(p.name for p in (inbox / "processed" / TODAY).iterdir()) == [
        "output_value_a.csv", "output_value_b.csv", "output_value_c.csv"]
    assert sorted(p.name for p in (inbox / "rejected" / TODAY).iterdir()) == [
        "output_value_bad.csv", "output_value_bad.csv.errors.txt"]
    assert load_inbox(settings, now=NOW + dt.timedelta(minutes=10)) == []  # nothing left to do


def test_a_file_with_a_very_long_name_is_archived_under_a_shorter_one(settings: Settings,
                                                                       inbox: Path):
    """A name of 250 bytes left no room for '.errors.txt' (255 at most): the run crashed."""
    name = "output_value_" + "产值报表" * 19 + ".csv"  # 13 + 228 + 4 = 245 bytes
    write_csv(inbox / name, OV, [["acme", "2026-09", "1", ""]])
    [result] = load_inbox(settings, now=NOW)
    assert not result.accepted and result.failed is None
    assert result.archived_to is not None and result.archived_to.exists()
    assert result.errors_path is not None and result.errors_path.exists()
    assert len(result.errors_path.name.encode()) <= 255
    assert result.archived_to.name.startswith("output_value_产值报表")
    assert "unknown enterprise 'acme'" in result.errors_path.read_text(encoding="utf-8")
    assert not (inbox / name).exists()


def test_a_good_file_with_a_very_long_name_lands(settings: Settings, inbox: Path):
    name = "output_value_" + "产值报表" * 19 + ".csv"
    write_csv(inbox / name, OV, [["haoyu-newenergy", "2026-09", "412.5", ""]])
    [result] = load_inbox(settings, now=NOW)
    assert result.accepted, result.failed
    assert result.landed_path is not None
    assert len(Path(result.landed_path).name.encode()) <= 255
    assert _landed_values(settings) == [(name, 412.5)]  # provenance keeps the full name
