"""`park inbox`: loads what waits in the inbox, prints a table, exits 1 if a file was rejected."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jobs.cli import app
from jobs.common.settings import Settings
from jobs.inbox.load import inbox_dir
from jobs.inbox.samples import write_sample_inbox

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


def test_park_inbox_loads_samples_then_rejects_a_bad_file(settings: Settings):
    data_root = settings.data_root
    folder = inbox_dir(settings)
    paths = write_sample_inbox(settings, ["2025-06", "2025-07"], folder)  # past months
    result = runner.invoke(app, ["inbox", "--data-root", data_root], env=WIDE)
    assert result.exit_code == 0, result.output
    assert result.output.count("accepted") == len(paths)

    bad = folder / "output_value_bad.csv"
    bad.write_text("enterprise_id,month,output_value_10k_cny\nacme,2025-06,1\n", encoding="utf-8")
    result = runner.invoke(app, ["inbox", "--data-root", data_root], env=WIDE)
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "output_value_bad.csv" in flat and "rejected" in flat
    assert "row 2, column A \"enterprise_id\": unknown enterprise 'acme'" in flat
    assert (folder / "rejected").is_dir()


def test_park_inbox_with_nothing_waiting(settings: Settings):
    result = runner.invoke(app, ["inbox", "--data-root", settings.data_root], env=WIDE)
    assert result.exit_code == 0 and "nothing waiting" in result.output


def test_park_inbox_loads_a_named_file_of_a_given_kind(settings: Settings, tmp_path: Path):
    named = tmp_path / "产值.csv"
    named.write_text("enterprise_id,month,output_value_10k_cny\ngusu-data,2025-06,55\n",
                     encoding="utf-8")
    result = runner.invoke(app, ["inbox", str(named), "--kind", "output_value",
                                 "--data-root", settings.data_root], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output
    result = runner.invoke(app, ["inbox", str(named), "--kind", "nonsense",
                                 "--data-root", settings.data_root], env=WIDE)
    assert result.exit_code == 2


def test_park_inbox_shows_where_a_rejected_file_went(settings: Settings):
    folder = inbox_dir(settings)
    folder.mkdir(parents=True)
    (folder / "output_value_bad.csv").write_text(
        "enterprise_id,month,output_value_10k_cny\nhaoyu-newenergy,1899-12,1\n", encoding="utf-8")
    result = runner.invoke(app, ["inbox", "--data-root", settings.data_root], env=WIDE)
    assert result.exit_code == 1
    flat = "".join(result.output.split())  # the table wraps long paths anywhere
    moved = folder / "rejected"
    assert "1899-12ismorethan10yearsago" in flat
    assert "movedto" in flat and "".join(str(moved).split()) in flat
    assert "output_value_bad.csv.errors.txt" in flat


def test_park_inbox_prints_brackets_in_files_as_they_are(settings: Settings):
    """A header like "[/]" was taken for console markup and the command crashed."""
    folder = inbox_dir(settings)
    folder.mkdir(parents=True)
    (folder / "output_value_[x].csv").write_text(
        "enterprise_id,month,output_value_10k_cny,[/]\nhaoyu-newenergy,2025-06,1,[red]\n",
        encoding="utf-8")
    result = runner.invoke(app, ["inbox", "--data-root", settings.data_root], env=WIDE)
    assert result.exit_code == 1, result.output
    flat = " ".join(result.output.split())
    assert "output_value_[x].csv" in flat and 'column D "[/]": unknown column' in flat
