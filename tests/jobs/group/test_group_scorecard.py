"""The group scorecard to the group's management, from the hand-made parks' group warehouse,
through the scorecards' mail path to a real SMTP server on loopback: zh by default, en for
who asks, the figures computed by hand, and a re-run sends nothing twice. The group config
file is refused with the file, the key and the reason."""

from __future__ import annotations

import email
import email.policy
import subprocess

import pytest
import yaml

from jobs.common.config_errors import ConfigError
from jobs.group.config import load_group
from jobs.group.scorecard import monthly_group_scorecard
from jobs.group.scorecard_words import GROUP_WORDS
from jobs.scorecards.i18n import missing_translations
from jobs.scorecards.smtp_catcher import SmtpCatcher
from tests.jobs.group.hand_parks import NAMES, OCTOBER

MANAGEMENT = [{"name": "王总", "email": "ceo@group.example.cn"},
              {"name": "Ms Lin", "email": "cfo@group.example.cn", "language": "en"}]


def _group_file(folder, **overrides):
    (folder / "parks.yaml").write_text(yaml.safe_dump({"parks": [
        {"id": park, "config_dir": park, "data_root": f"data/{park}"}
        for park in ("p-a", "p-b", "p-c", "p-gone")]}), encoding="utf-8")
    config = {"group": {"id": "east", "name_zh": "华东园区集团", "name_en": "East China Parks"},
              "registry": "parks.yaml", "root": "store", "warehouse_path": "group.duckdb",
              "management": MANAGEMENT, **overrides}
    path = folder / "group.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _read(path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _pdf_text(pdf: bytes, folder) -> str:
    """What a reader of the PDF reads: pdftotext (poppler), not our own renderer."""
    path = folder / "card.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True)
    return " ".join(done.stdout.decode("utf-8").split())  # lines wrap anywhere: one line


def test_the_group_scorecard_goes_once_to_each_manager_in_their_language(rolled_up, tmp_path):
    _, _, root = rolled_up
    with SmtpCatcher(root / "mail") as catcher:
        group = load_group(_group_file(root, mail={"host": "127.0.0.1", "port": catcher.port,
                                                   "security": "none"}))
        run = monthly_group_scorecard(group, OCTOBER)
        assert run.report.counts()["sent"] == 2
        again = monthly_group_scorecard(group, OCTOBER)
        counts = again.report.counts()
        assert (counts["skipped_already_sent"], counts["sent"]) == (2, 0)
        received = [_read(path) for path in catcher.messages]
    assert len(received) == 2
    by_address = {message["To"].addresses[0].addr_spec: message for message in received}
    zh = by_address["ceo@group.example.cn"]
    en = by_address["cfo@group.example.cn"]
    assert zh["Subject"] == "华东园区集团 2026年10月 集团月度碳排放成绩单"
    assert en["Subject"] == "East China Parks: group carbon scorecard for October 2026"
    text = en.get_body(("plain",)).get_content()
    # by hand: 3.371625 tCO2 / 1.4 tce = 2.408; (100+250)/5000 = 7.0 %; 0.2/1.4 = 14.3 %
    assert "2.408 tCO2/tce" in text and "7.0 %" in text and "14.3 %" in text
    # league by the core indicator: p-c (1.5), p-a (2.0), p-b (3.0), named by their names
    league = [line.split(" | ")[1] for line in text.splitlines()
              if line[:2] in ("1 ", "2 ", "3 ") and line.count(" | ") == 6]
    assert league == [NAMES["p-c"][1], NAMES["p-a"][1], NAMES["p-b"][1]]
    assert "p-gone" in text and "No data exported yet" in text  # left out (no name), and why
    assert "单位能耗碳排放" in zh.get_body(("html",)).get_content()
    assert sorted(path.rsplit("/", 1)[1] for path in run.kept) == [
        "group-scorecard.en.html", "group-scorecard.en.pdf", "group-scorecard.zh.html",
        "group-scorecard.zh.pdf"]
    assert missing_translations(GROUP_WORDS) == []

    # the PDF each reader gets, as pdftotext reads it: names, figures, basis and period
    pdfs = {}
    for language, message in (("zh", zh), ("en", en)):
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"east-2026-10.{language}.pdf"
        pdfs[language] = _pdf_text(attachment.get_content(), tmp_path)
    # pdftotext reads a table column by column and a wrapped cell line by line: names and
    # Chinese phrases are looked for with every space taken out
    squeezed = {language: pdf.replace(" ", "") for language, pdf in pdfs.items()}
    for language, pdf in pdfs.items():
        names = [NAMES[park][0 if language == "zh" else 1] for park in ("p-c", "p-a", "p-b")]
        positions = [squeezed[language].find(name.replace(" ", "")) for name in names]
        assert -1 not in positions, (language, names)  # (the order: the text part, above)
        assert " p-a " not in pdf and " p-b " not in pdf  # named, not by id
        assert "2.408 tCO2/tce" in pdf and "7.0 %" in pdf and "14.3 %" in pdf
        assert "3.37 tCO2" in pdf and "1.40 tce" in pdf  # by hand: 3.371625, 1.4
        # GHG Protocol by hand: Scope 1 1+0+2; Scope 2 market 4+9+0.5; Scope 1+2 16.5
        assert "3.00 tCO2" in pdf and "13.5 tCO2" in pdf and "16.5 tCO2" in pdf
        assert "910" in pdf and "p-gone" in pdf
    assert "2026年10月（自然月）" in squeezed["zh"] and "2026年1月至10月" in squeezed["zh"]
    assert "温室气体核算体系" in squeezed["zh"] and "基于市场" in squeezed["zh"]
    assert "Period: October 2026 (calendar month)" in pdfs["en"]
    assert "January to October 2026" in pdfs["en"] and "GHG Protocol" in pdfs["en"]
    assert "market-based" in pdfs["en"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"management": []}, "management"),
    ({"warehouse_path": "s3://bucket/group.duckdb"}, "must be a local path"),
    ({"management": [MANAGEMENT[0], MANAGEMENT[0]]}, "lists ceo@group.example.cn twice"),
    ({"colour": "green"}, "colour"),
])
def test_a_bad_group_file_is_refused_naming_file_and_reason(tmp_path, overrides, message):
    path = _group_file(tmp_path, **overrides)
    with pytest.raises(ConfigError, match=message) as caught:
        load_group(path)
    assert str(path) in str(caught.value)


def test_no_group_file_named_says_what_to_set(monkeypatch):
    monkeypatch.delenv("PARK_GROUP_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="set PARK_GROUP_CONFIG"):
        load_group()


def test_park_group_names_a_bad_group_file_without_a_traceback(tmp_path):
    from typer.testing import CliRunner

    from jobs.cli import app

    path = _group_file(tmp_path, management=[])
    result = CliRunner().invoke(app, ["group", "rollup", "--group-config", str(path)])
    assert result.exit_code == 2
    assert "Config rejected" in result.output and "management" in result.output
    assert "Traceback" not in result.output
