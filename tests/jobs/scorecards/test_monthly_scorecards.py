"""The month's scorecards end to end on the warehouse built from the twin: rendered, kept on
disk and sent through a real SMTP server on loopback (STARTTLS and AUTH); the received
messages are parsed back and their figures compared with the marts; a bad address costs only
its own message; a re-run sends nothing unless forced."""

from __future__ import annotations

import base64
import copy
import email
import email.policy
import io
import re
import shutil
from pathlib import Path

import duckdb
import PIL.Image
import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from device_io.simulator.ports import free_ports
from jobs.cli import app
from jobs.scorecards.mail import SmtpSender, SmtpUnreachable
from jobs.scorecards.run import monthly_scorecards
from jobs.scorecards.sendlog import SendLog
from jobs.scorecards.smtp_catcher import SmtpCatcher
from tests.conftest import CONFIG_DIR, write_park_file
from tests.jobs.scorecards.conftest import JUNE, _with_config

pytestmark = pytest.mark.integration
REFUSED = "gone@example.cn"


def _configure(park, settings, port, render_processes=None):
    def change(changed):
        changed.setdefault("scorecards", {})["render_processes"] = render_processes
        enterprises = changed["enterprises"]
        enterprises[0]["contacts"] = [
            {"name": "王经理", "email": "wang@example.cn"},
            {"name": "Anna Lee", "email": "anna@example.cn", "language": "en"}]
        enterprises[1]["contacts"] = [{"name": "李工", "email": "li@example.cn"},
                                      {"name": "离职", "email": REFUSED}]
        changed["recipients"] = {"park_management": [
            {"name": "园区管委会", "email": "office@park.example.cn"}]}
        changed["mail"] = {"host": "127.0.0.1", "port": port, "security": "starttls",
                           "username": "bot", "retry_delay_s": 0.01}
    return _with_config(park, settings.data_root, change)


def _parse(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _pdf_text(message) -> str:
    [attachment] = [p for p in message.iter_attachments()
                    if p.get_content_type() == "application/pdf"]
    document = pdfium.PdfDocument(attachment.get_content())
    return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


# None: this small month renders in the test's process; 2: in two spawned workers
@pytest.mark.parametrize("render_processes", [None, 2])
def test_scorecards_reach_their_readers_with_the_warehouse_figures(built, tmp_path,
                                                                   monkeypatch,
                                                                   render_processes):
    park, settings, ids = built
    monkeypatch.setenv("PARK_SMTP_PASSWORD", "s3cret")
    # the warehouse (and with it the send log) is shared by the package: start unsent
    SendLog.for_data_root(settings.data_root).path.unlink(missing_ok=True)
    with SmtpCatcher(tmp_path / "mail", starttls=True, auth=("bot", "s3cret"),
                     refuse={REFUSED: "550 no such user"}) as catcher:
        configured = _configure(park, settings, catcher.port, render_processes)
        sender = SmtpSender(configured.park.mail, "s3cret",
                            ssl_context=catcher.client_ssl_context())
        run = monthly_scorecards(configured, JUNE, sender=sender)
        report, kept = run.report, run.kept
        counts = report.counts()
        received = {str(_parse(p)["To"]): _parse(p) for p in catcher.messages}
        first_run = len(catcher.messages)

        again = monthly_scorecards(configured, JUNE, sender=sender).report
        forced = monthly_scorecards(configured, JUNE, sender=sender, force=True).report
        sender.close()

    contacts = [c for e in configured.park.enterprises for c in e.contacts] \
        + configured.park.recipients.park_management
    expected = len(contacts) - 1  # all but the refused address
    assert counts["sent"] == expected and counts["rejected_address"] == 1
    assert first_run == expected
    assert run.processes == (render_processes or 1)
    assert len(catcher.messages) == 2 * expected  # the forced re-run sent them again
    assert again.counts()["skipped_already_sent"] == expected and again.counts()["sent"] == 0
    assert forced.counts()["sent"] == expected
    renderings = {(row["key"], row["language"]) for row in report.rows()}
    assert all(path.endswith((".html", ".pdf")) for path in kept)
    assert len(kept) == 2 * len(renderings)  # one HTML and one PDF per card and language
    for path in (p for p in kept if p.endswith(".html")):
        _assert_opens_with_its_images(Path(path).read_text(encoding="utf-8"))

    with duckdb.connect(settings.warehouse_path, read_only=True) as connection:
        kwh = connection.execute(
            "select electricity_kwh from fct_enterprise_monthly_kpis where entity_id = ? "
            "and month = ?", [ids[0], JUNE]).fetchone()[0]
    name_zh = configured.park.enterprises[0].name_zh
    chinese = next(m for to, m in received.items() if "wang@example.cn" in to)
    english = next(m for to, m in received.items() if "anna@example.cn" in to)
    assert name_zh in str(chinese["Subject"]) and "scorecard" in str(english["Subject"])
    html = chinese.get_body(("html",)).get_content()
    assert f"{kwh:,.0f} 千瓦时" in html
    cids = {part["Content-ID"].strip("<>") for part in chinese.walk()
            if part.get_content_type() == "image/png"}
    assert cids == set(re.findall(r'src="cid:([^"]+)"', html)) and len(cids) == 4
    pdf_text = _pdf_text(chinese)
    assert name_zh in pdf_text and f"{kwh:,.0f}" in pdf_text
    park_card = next(m for to, m in received.items() if "office@park.example.cn" in to)
    assert configured.park.park.name_zh in str(park_card["Subject"])
    assert "单位能耗碳排放" in _pdf_text(park_card)
    assert not any(REFUSED in to for to in received)


def test_a_mail_server_that_is_down_fails_the_batch_before_rendering(built, monkeypatch):
    park, settings, _ = built
    monkeypatch.setenv("PARK_SMTP_PASSWORD", "s3cret")
    configured = _configure(park, settings, free_ports(1)[0])  # nothing listens there
    folder = Path(configured.data_root) / "reports" / "scorecards" / f"{JUNE:%Y-%m}"
    shutil.rmtree(folder, ignore_errors=True)
    with pytest.raises(SmtpUnreachable, match="ConnectionRefusedError"):
        monthly_scorecards(configured, JUNE, force=True)
    assert not folder.exists()  # nothing rendered, nothing half-sent


def test_the_command_says_what_is_wrong_and_where_to_go(built, monkeypatch, tmp_path):
    """`park scorecards` with the mail server down: nothing rendered, exit 1 and what to do;
    with no --month and last month empty in the warehouse: exit 2 naming the months held."""
    park, settings, _ = built
    monkeypatch.setenv("PARK_SMTP_PASSWORD", "s3cret")
    changed = copy.deepcopy(park)
    changed["mail"] = {"host": "127.0.0.1", "port": free_ports(1)[0], "username": "bot"}
    park_file = write_park_file(changed, tmp_path / "park.yaml")
    common = ["scorecards", "--config-dir", str(CONFIG_DIR), "--park-file", str(park_file),
              "--data-root", str(settings.data_root)]
    down = CliRunner().invoke(app, [*common, "--month", f"{JUNE:%Y-%m}", "--force"])
    assert down.exit_code == 1, down.output
    said = " ".join(down.output.split())  # the console wraps at 80 columns
    assert "nothing sent: no connection to the SMTP server 127.0.0.1" in said
    assert f"run `park scorecards --month {JUNE:%Y-%m}` again" in said
    assert down.exception is None or isinstance(down.exception, SystemExit)
    empty = CliRunner().invoke(app, common)  # last month: the warehouse holds June 2026 only
    assert empty.exit_code == 2, empty.output
    said = " ".join(empty.output.split())
    assert "has no data in the warehouse" in said and "2026-06" in said.split("it holds")[1]

def _assert_opens_with_its_images(html: str) -> None:
    """A kept HTML file shows its charts from a folder: no cid: left, each image a data: URI
    holding a PNG that decodes."""
    assert "cid:" not in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert sources, "a kept scorecard without its charts"
    for source in sources:
        prefix = "data:image/png;base64,"
        assert source.startswith(prefix)
        with PIL.Image.open(io.BytesIO(base64.b64decode(source[len(prefix):]))) as image:
            image.verify()

