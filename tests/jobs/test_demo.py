"""`park demo`, the newcomer's one command, end to end in a subprocess on a temporary data
root with a day of history: it exits cleanly, every step left its mark where the final summary
says (setpoints audited in the warehouse, scorecard and valuation emails as .eml files, the
valuation in its mart, the dbt docs), and no process it started is left running."""

from __future__ import annotations

import email
import email.policy
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import CONFIG_DIR, PROJECT_ROOT

pytestmark = pytest.mark.integration


def test_the_demo_runs_the_whole_chain(tmp_path):
    data_root = tmp_path / "data"
    finished = subprocess.run(
        [sys.executable, "-m", "jobs.cli", "demo", "--config-dir", str(CONFIG_DIR),
         "--data-root", str(data_root), "--days", "1", "--cycles", "2"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    demo = data_root / "demo"
    park_file = demo / "park-with-faults.yaml"
    leftover = subprocess.run(["pgrep", "-f", str(park_file)], capture_output=True, text=True)
    assert leftover.stdout.strip() == "", f"still running: {leftover.stdout}"

    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted((demo / "mail").glob("*.eml"))]
    subjects = [str(m["Subject"]) for m in messages]
    assert any("碳资产" in s for s in subjects), subjects  # the valuation report
    assert sum("碳资产" not in s for s in subjects) >= 10  # a scorecard per enterprise contact
    assert all(any(p.get_content_type() == "application/pdf" for p in m.iter_attachments())
               for m in messages)
    with duckdb.connect(str(demo / "warehouse.duckdb"), read_only=True) as connection:
        outcomes = dict(connection.execute(
            "select outcome, count(*) from fct_setpoint_audit group by all").fetchall())
        cases = connection.execute(
            "select count(*) from fct_asset_valuation where basis = 'twin_case'").fetchone()[0]
    assert outcomes.get("written", 0) > 0, outcomes
    assert cases == 1
    assert (demo / "dbt" / "target" / "index.html").exists()
    assert "demo finished in" in finished.stdout
