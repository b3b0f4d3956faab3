"""Scorecards by email through a real SMTP server on loopback (aiosmtpd, STARTTLS or implicit
TLS with a trustme CA, AUTH required): what arrives, refusals, retries, the send log."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import re
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from prefect.blocks.system import Secret
from pydantic import SecretStr

from device_io.simulator.ports import free_ports
from jobs.common.config_errors import ConfigError
from jobs.common.park_config import Contact, Language, MailSettings
from jobs.common.settings import Settings
from jobs.scorecards.mail import (
    PASSWORD_ENV,
    SmtpSender,
    SmtpUnreachable,
    deliver,
    smtp_password,
)
from jobs.scorecards.mime import Message, build_mime, envelope_address
from jobs.scorecards.sendlog import SendLog
from jobs.scorecards.smtp_catcher import SmtpCatcher
from tests.conftest import CONFIG_DIR, settings_for

USER = "scorecards"
PASSWORD = "s3cret-only-in-the-environment"
PDF = b"%PDF-1.7\n% a scorecard\n" + bytes(range(256)) * 4
PDF_NAME = "2026年10月 碳排放记分卡.pdf"
SUBJECT = "【零碳园区】2026年10月 能碳记分卡 — 苏州浩宇新能源"


def png(name: str) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + name.encode() * 50


def scorecard(contact: Contact, key: str = "enterprise/haoyu-newenergy/2026-10") -> Message:
    html = ('<html><body><h1>能碳记分卡</h1><img src="cid:trend"><p>用电</p>'
            '<img src="cid:load-profile"></body></html>')
    return Message(key=key, recipient=contact, subject=SUBJECT, text="能碳记分卡(纯文本)",
                   html=html, inline_images={"trend": png("trend"),
                                             "load-profile": png("load")},
                   attachments=[(PDF_NAME, PDF, "application/pdf")],
                   language=contact.language.value if contact.language else "zh")


ZH = Contact(name="胡军", email="energy@haoyu-newenergy.example.com")
EN = Contact(name="Platform on-call", email="oncall@example.com", language=Language.EN)
GONE = Contact(name="离职员工", email="gone@haoyu-newenergy.example.com")


@pytest.fixture(scope="module")
def park_settings(demo_park_dict: dict, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(demo_park_dict, tmp_path_factory.mktemp("unused"))


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[SmtpCatcher]:
    with SmtpCatcher(tmp_path / "inbox", starttls=True, auth=(USER, PASSWORD),
                     refuse={GONE.email: "550 5.1.1 no such user"}) as server:
        yield server


def with_mail(settings: Settings, data_root: Path, **mail: object) -> Settings:
    park = settings.park.model_copy(update={"mail": MailSettings.model_validate(mail)})
    return dataclasses.replace(settings, park=park, data_root=str(data_root))


def sender_for(catcher: SmtpCatcher, sleeps: list[float] | None = None, **mail: object
               ) -> SmtpSender:
    settings = MailSettings.model_validate({"port": catcher.port, "username": USER,
                                            "retry_delay_s": 0.01, **mail})
    record = sleeps.append if sleeps is not None else (lambda _: None)
    return SmtpSender(settings, PASSWORD, ssl_context=catcher.client_ssl_context(),
                      sleep=record)


def parse(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def check_scorecard_mail(received: EmailMessage, contact: Contact) -> None:
    assert received["Subject"] == SUBJECT
    assert received["To"].addresses[0].addr_spec == contact.email
    assert received["To"].addresses[0].display_name == contact.name
    assert received["From"].addresses[0].addr_spec == "scorecards@park.example.cn"
    assert [p.get_content_type() for p in received.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "multipart/related",
        "text/html", "image/png", "image/png", "application/pdf"]
    plain, html_part = received.get_body(("plain",)), received.get_body(("html",))
    assert plain is not None and html_part is not None
    assert plain.get_content() == "能碳记分卡(纯文本)\n"
    html = html_part.get_content()
    assert "能碳记分卡" in html
    related = next(p for p in received.walk() if p.get_content_type() == "multipart/related")
    images = {p["Content-ID"].strip("<>"): p.get_content() for p in related.iter_parts()
              if p.get_content_type() == "image/png"}
    assert set(re.findall(r'src="cid:([^"]+)"', html)) == set(images) == {"trend",
                                                                          "load-profile"}
    assert images["trend"] == png("trend")
    attachment, = received.iter_attachments()
    assert attachment.get_filename() == PDF_NAME
    assert attachment.get_content() == PDF


@pytest.mark.integration
def test_scorecards_arrive_over_starttls_with_auth_from_the_environment(
        catcher: SmtpCatcher, park_settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # deliver() makes its own sender: the password from the environment, the default TLS
    # context, which trusts the test CA only through SSL_CERT_FILE
    assert catcher.ca is not None
    catcher.ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    settings = with_mail(park_settings, tmp_path / "data", port=catcher.port, username=USER)

    report = deliver(settings, [scorecard(ZH), scorecard(EN)])

    assert report.counts() == {"sent": 2, "failed": 0, "rejected_address": 0,
                             "skipped_already_sent": 0}
    assert [row["language"] for row in report.rows()] == ["zh", "en"]
    first, second = catcher.messages
    assert first.name.startswith("0001-") and first.suffix == ".eml"
    check_scorecard_mail(parse(first), ZH)
    check_scorecard_mail(parse(second), EN)
    # the password lives only in the environment: not in the config, not in the log
    assert PASSWORD not in settings.park.model_dump_json()
    assert PASSWORD not in (CONFIG_DIR / "park.yaml").read_text(encoding="utf-8")
    log_text = SendLog.for_data_root(settings.data_root).path.read_text(encoding="utf-8")
    assert PASSWORD not in log_text and log_text.count('"status": "sent"') == 2


@pytest.mark.integration
def test_a_wrong_password_fails_at_once(catcher: SmtpCatcher) -> None:
    sleeps: list[float] = []
    settings = MailSettings(port=catcher.port, username=USER, retries=3)
    with SmtpSender(settings, "wrong", ssl_context=catcher.client_ssl_context(),
                    sleep=sleeps.append) as sender:
        outcome = sender.send(scorecard(ZH))
    assert (outcome.status, outcome.attempts, sleeps) == ("failed", 1, [])
    assert "535" in outcome.detail and catcher.messages == []


@pytest.mark.integration
def test_a_refused_recipient_does_not_stop_the_others(catcher: SmtpCatcher) -> None:
    malformed = Contact.model_construct(name="typo", email="energy@@haoyu.example.com",
                                        role="manager", language=Language.ZH)
    with sender_for(catcher) as sender:
        outcomes = [sender.send(scorecard(contact)) for contact in (ZH, GONE, malformed, EN)]
    assert [o.status for o in outcomes] == ["sent", "rejected_address", "rejected_address",
                                            "sent"]
    assert outcomes[1].detail == "550 5.1.1 no such user" and outcomes[1].attempts == 1
    assert outcomes[2].attempts == 0 and "not a valid address" in outcomes[2].detail
    assert [parse(p)["To"].addresses[0].addr_spec for p in catcher.messages] == [
        ZH.email, EN.email]


@pytest.mark.integration
def test_a_temporary_refusal_is_retried_with_back_off_then_failed(catcher: SmtpCatcher
                                                                  ) -> None:
    catcher.refuse[ZH.email] = "450 4.2.1 mailbox busy, try later"
    sleeps: list[float] = []
    with sender_for(catcher, sleeps, retries=2) as sender:
        outcome = sender.send(scorecard(ZH))
        after = sender.send(scorecard(EN))
    assert (outcome.status, outcome.attempts) == ("failed", 3)
    assert "450 4.2.1" in outcome.detail
    assert sleeps == [0.01, 0.02]
    assert after.status == "sent" and len(catcher.messages) == 1


@pytest.mark.integration
def test_a_refused_connection_fails_the_batch_at_once_and_a_rerun_sends(tmp_path: Path
                                                                         ) -> None:
    """Nothing listening: retrying seconds apart cannot help (the run's own retry, minutes
    apart, does), so no back-off, and the rest of the batch is not attempted."""
    port = free_ports(1)[0]  # nothing listens there yet
    catcher = SmtpCatcher(tmp_path / "inbox", port=port, starttls=True, auth=(USER, PASSWORD))
    sleeps: list[float] = []
    settings = MailSettings(port=port, username=USER, retries=3, retry_delay_s=5)
    with SmtpSender(settings, PASSWORD, ssl_context=catcher.client_ssl_context(),
                    sleep=sleeps.append) as sender:
        outcomes = [sender.send(scorecard(ZH)), sender.send(scorecard(EN))]
    assert sleeps == []
    assert [(o.status, o.attempts) for o in outcomes] == [("failed", 1), ("failed", 0)]
    assert "ConnectionRefusedError" in outcomes[0].detail
    assert outcomes[1].detail.startswith(f"not attempted: no connection to the SMTP server "
                                         f"127.0.0.1:{port}")
    with catcher, SmtpSender(settings, PASSWORD, ssl_context=catcher.client_ssl_context(),
                             sleep=sleeps.append) as sender:
        assert sender.send(scorecard(ZH)).status == "sent"
    assert len(catcher.messages) == 1


@pytest.mark.integration
def test_check_raises_before_anything_is_rendered(tmp_path: Path) -> None:
    sleeps: list[float] = []
    settings = MailSettings(port=free_ports(1)[0], retries=3, retry_delay_s=5)
    with SmtpSender(settings, sleep=sleeps.append) as sender, \
            pytest.raises(SmtpUnreachable, match="no connection to the SMTP server"):
        sender.check()
    assert sleeps == []


@pytest.mark.integration
def test_a_server_lost_mid_batch_fails_the_rest_without_their_retries(tmp_path: Path) -> None:
    sleeps: list[float] = []
    catcher = SmtpCatcher(tmp_path / "inbox", starttls=True, auth=(USER, PASSWORD)).start()
    try:
        with sender_for(catcher, sleeps, retries=2) as sender:
            first = sender.send(scorecard(ZH))
            catcher.stop()
            rest = [sender.send(scorecard(c)) for c in (EN, ZH, EN)]
    finally:
        catcher.stop()
    assert first.status == "sent" and len(catcher.messages) == 1
    # the first message after the loss finds the server gone; the others are not attempted
    assert [(o.status, o.attempts) for o in rest] == [("failed", 1), ("failed", 0),
                                                      ("failed", 0)]
    assert sleeps == []


@pytest.mark.integration
def test_a_rerun_sends_nothing_unless_forced(catcher: SmtpCatcher, park_settings: Settings,
                                              tmp_path: Path) -> None:
    settings = with_mail(park_settings, tmp_path / "data")
    log = SendLog.for_data_root(settings.data_root)
    october = [scorecard(ZH), scorecard(EN), scorecard(GONE)]

    with sender_for(catcher) as sender:
        first = deliver(settings, october, sender=sender)
        again = deliver(settings, october, sender=sender)
        november = deliver(settings, [scorecard(ZH, "enterprise/haoyu-newenergy/2026-11")],
                           sender=sender)
        forced = deliver(settings, october, sender=sender, force=True)

    assert first.counts()["sent"] == 2 and first.counts()["rejected_address"] == 1
    # the refused address was never sent, so it is tried again; the others are skipped
    assert [d.outcome.status for d in again.deliveries] == [
        "skipped_already_sent", "skipped_already_sent", "rejected_address"]
    assert november.counts()["sent"] == 1
    assert forced.counts()["sent"] == 2
    assert len(catcher.messages) == 2 + 1 + 2
    assert len(log.records()) == 3 + 1 + 1 + 3  # skips are not logged
    assert log.already_sent("enterprise/haoyu-newenergy/2026-10", ZH.email.upper())
    assert not log.already_sent("enterprise/haoyu-newenergy/2026-10", GONE.email)
    assert {r.sha256 for r in log.records() if r.email == ZH.email and
            r.key.endswith("2026-10")} == {scorecard(ZH).content_sha256()}


@pytest.mark.integration
def test_implicit_tls(tmp_path: Path) -> None:
    with SmtpCatcher(tmp_path / "inbox", implicit_tls=True, auth=(USER, PASSWORD)) as catcher:
        with sender_for(catcher, security="ssl") as sender:
            outcome = sender.send(scorecard(ZH))
        assert outcome.status == "sent"
        check_scorecard_mail(parse(catcher.messages[0]), ZH)


@pytest.mark.integration
def test_the_catcher_stops_its_thread_and_port(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    catcher = SmtpCatcher(tmp_path / "inbox", starttls=True).start()
    server_thread, = set(threading.enumerate()) - before
    catcher.stop()
    assert not server_thread.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", catcher.port), timeout=1)


def test_a_torn_last_line_is_ignored_and_the_next_append_starts_clean(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = SendLog(tmp_path / "state" / "scorecard-sends.jsonl")
    log.record("enterprise/a/2026-10", ZH.email, "sent", "", 1, "00")
    with log.path.open("ab") as handle:  # the process died in the middle of a line
        handle.write(b'{"key": "enterprise/b/2026-10", "email": "x@y.cn", "sta')

    with caplog.at_level(logging.WARNING):
        assert [r.key for r in log.records()] == ["enterprise/a/2026-10"]
    assert "line 2 ignored" in caplog.text
    assert log.already_sent("enterprise/a/2026-10", ZH.email)
    assert not log.already_sent("enterprise/b/2026-10", "x@y.cn")

    log.record("enterprise/c/2026-10", EN.email, "sent", "", 1, "00")
    assert [r.key for r in log.records()] == ["enterprise/a/2026-10", "enterprise/c/2026-10"]


def test_the_password_comes_from_the_environment_or_a_prefect_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []

    def load(name: str, **_: object) -> Secret:
        loaded.append(name)
        # get() would parse this as the number 123456
        return Secret(value=SecretStr("123456"))

    monkeypatch.setattr(Secret, "load", load)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    assert smtp_password(MailSettings()) is None
    assert smtp_password(MailSettings(password_block="smtp-password")) == "123456"
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    assert smtp_password(MailSettings(password_block="smtp-password")) == "from-env"
    assert loaded == ["smtp-password"]
    with pytest.raises(ConfigError, match=PASSWORD_ENV):
        SmtpSender(MailSettings(username=USER), None)


def test_envelope_addresses() -> None:
    assert envelope_address("a.b@例子.中国") == "a.b@xn--fsqu00a.xn--fiqs8s"
    for bad in ("张三@example.cn", "a b@example.cn", "a@localhost", "a@-x.cn", "a@@x.cn"):
        with pytest.raises(ValueError, match="not a valid address"):
            envelope_address(bad)


def test_the_html_may_not_refer_to_an_image_it_lacks() -> None:
    message = dataclasses.replace(scorecard(ZH), inline_images={"trend": png("trend")})
    with pytest.raises(ValueError, match="load-profile"):
        build_mime(message, "scorecards@park.example.cn")


@pytest.mark.parametrize("subject", [
    # seen in the demo: the fold fell on the space after "·", and readers dropped it
    "苏州星湖汽车零部件有限公司 · 2026年12月 能碳月度记分卡",
    "苏州独墅纺织科技有限公司 · 2026年12月 能碳月度记分卡",
    "Suzhou Xinghu Auto Parts Co., Ltd. · December 2026 energy and carbon scorecard",
    # a space at every position around where a long Chinese subject folds
    *[("零" * n) + " · " + "2026年12月 能碳月度记分卡 " * 3 for n in range(8, 30)],
])
def test_subject_keeps_every_space_through_folding(subject: str) -> None:
    raw = build_mime(dataclasses.replace(scorecard(ZH), subject=subject),
                     "scorecards@park.example.cn").as_bytes()
    header_lines = raw.split(b"\n\n", 1)[0].split(b"\n")
    assert all(len(line.rstrip(b"\r")) <= 78 for line in header_lines)  # still folded
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["Subject"] == subject
