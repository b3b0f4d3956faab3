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
    write_sample_inbox(settings, ["2025-06", "2025-07"], folder)  # past months, whatever today
    result = runner.invoke(app, ["inbox", "--data-root", data_root], env=WIDE)
    assert result.exit_code == 0, result.output
    assert result.output.count("accepted") == 5

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
