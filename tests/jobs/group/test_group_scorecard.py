"""The group scorecard to the group's management, from the hand-made parks' group warehouse,
through the scorecards' mail path to a real SMTP server on loopback: zh by default, en for
who asks, the figures computed by hand, and a re-run sends nothing twice. The group config
file is refused with the file, the key and the reason."""

from __future__ import annotations

import email
import email.policy

import pytest
import yaml

from jobs.common.config_errors import ConfigError
from jobs.group.config import load_group
from jobs.group.scorecard import monthly_group_scorecard
from jobs.group.scorecard_words import GROUP_WORDS
from jobs.scorecards.i18n import missing_translations
from jobs.scorecards.smtp_catcher import SmtpCatcher
from tests.jobs.group.hand_parks import OCTOBER

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


def test_the_group_scorecard_goes_once_to_each_manager_in_their_language(rolled_up):
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
    # league by the core indicator: p-c (1.5), p-a (2.0), p-b (3.0)
    league = [line.split(" | ")[1] for line in text.splitlines()
              if line[:1] in "123" and " | p-" in line]
    assert league == ["p-c", "p-a", "p-b"]
    assert "p-gone" in text and "not been exported" in text  # left out, and why
    assert "单位能耗碳排放" in zh.get_body(("html",)).get_content()
    assert [path.rsplit("/", 1)[1] for path in run.kept] == ["group-scorecard-en.html",
                                                             "group-scorecard-zh.html"]
    assert missing_translations(GROUP_WORDS) == []


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
