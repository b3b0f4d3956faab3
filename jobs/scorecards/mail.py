"""Scorecards by email: each message (mime.py) sent over one SMTP connection with
retries, each outcome in the send log so a re-run sends nothing twice.

Sending is plain, synchronous `smtplib`: messages go one after another over one connection (a
server throttles parallel ones anyway), a month's run is a few dozen messages, and the caller
is a Prefect task that already runs in a worker thread; async would add a loop and nothing else.
From async code, call `deliver` through `asyncio.to_thread`.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

from jobs.common.config_errors import ConfigError
from jobs.common.park_config import MailSettings
from jobs.common.settings import Settings
from jobs.scorecards.mime import Message, build_mime, envelope_address
from jobs.scorecards.sendlog import SendLog

PASSWORD_ENV = "PARK_SMTP_PASSWORD"

SENT = "sent"
FAILED = "failed"
REJECTED_ADDRESS = "rejected_address"
SKIPPED_ALREADY_SENT = "skipped_already_sent"
STATUSES = (SENT, FAILED, REJECTED_ADDRESS, SKIPPED_ALREADY_SENT)



class SmtpUnreachable(RuntimeError):
    """The mail server could not be reached: nothing was sent."""


class DeliveryFailed(RuntimeError):
    """Some messages of a batch could not be sent."""


@dataclass(frozen=True)
class SendOutcome:
    status: str  # STATUSES
    detail: str
    attempts: int  # SMTP transactions tried; 0 when nothing was sent


@dataclass(frozen=True)
class Delivery:
    message: Message
    outcome: SendOutcome


@dataclass(frozen=True)
class DeliveryReport:
    deliveries: list[Delivery]

    def counts(self) -> dict[str, int]:
        found = Counter(d.outcome.status for d in self.deliveries)
        return {status: found.get(status, 0) for status in STATUSES}

    def rows(self) -> list[dict[str, str]]:
        """Rows for a Prefect table artifact."""
        return [{"key": d.message.key, "recipient": d.message.recipient.email,
                 "language": d.message.language,
                 "status": d.outcome.status, "detail": d.outcome.detail}
                for d in self.deliveries]

    def raise_for_failures(self) -> None:
        """For a scheduled run: raise when a message failed
        (the server, not the address), so the run fails and the platform team is notified;
        a re-run sends only what has not gone."""
        failed = [d for d in self.deliveries if d.outcome.status == FAILED]
        if failed:
            raise DeliveryFailed(f"{len(failed)} of {len(self.deliveries)} message(s) not sent, "
                                 f"e.g. to {failed[0].message.recipient.email}: "
                                 f"{failed[0].outcome.detail}")

    def problems(self) -> list[dict[str, str]]:
        """The rows of messages neither sent now nor before (refused, failed)."""
        return [row for row in self.rows()
                if row["status"] not in (SENT, SKIPPED_ALREADY_SENT)]



def smtp_password(mail: MailSettings) -> str | None:
    """PARK_SMTP_PASSWORD, else the Prefect Secret block `mail.password_block`, else None."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if mail.password_block is None:
        return None
    from prefect.blocks.system import Secret

    # load() dispatches on the caller (a coroutine inside an event loop): force the sync path
    secret = Secret.load(mail.password_block, _sync=True)  # type: ignore[call-arg]
    assert isinstance(secret, Secret)
    value = secret.get()
    if isinstance(value, str):
        return value
    # get() parses JSON, so a password like 123456 comes back as an int: take the raw text
    raw = secret.value.get_secret_value()
    if isinstance(raw, str):
        return raw
    raise ConfigError(f"Prefect Secret block {mail.password_block!r} does not hold a string")


class SmtpSender:
    """One SMTP connection, opened at the first message and reused, re-opened after a failure.

    A refused recipient is that message's outcome and does not touch the others; connection
    errors and 4xx replies are retried `retries` times after `retry_delay_s`, doubling; 5xx
    replies fail the message at once. A server that cannot be reached at all (connection
    refused, unknown host: nothing listens, so seconds apart nothing changes; or a connect that
    still fails after the retries) is marked unreachable, and every later message of the batch
    fails at once instead of waiting through its own retries: a batch against a server that is
    down ends in seconds, and the caller's retry (minutes apart) sends what did not go."""

    def __init__(self, mail: MailSettings, password: str | None = None, *,
                 ssl_context: ssl.SSLContext | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if mail.username and not password:
            raise ConfigError(f"mail.username is set but there is no password: set "
                              f"{PASSWORD_ENV} or mail.password_block")
        if password and not password.isascii():
            raise ConfigError("the SMTP password must be ASCII: smtplib sends AUTH in ASCII")
        self.mail = mail
        self._password = password
        self._ssl_context = ssl_context
        self._sleep = sleep
        self._smtp: smtplib.SMTP | None = None
        self.unreachable: str | None = None  # why the server could not be reached, once known

    def check(self) -> None:
        """Open the connection now (before anything is rendered), or raise SmtpUnreachable."""
        attempts = 0
        while self.unreachable is None:
            attempts += 1
            try:
                self._connection()
                return
            except Exception as exc:
                self._note_connect_failure(exc, attempts)
                if self.unreachable is None:
                    self._sleep(self.mail.retry_delay_s * 2 ** (attempts - 1))
        raise SmtpUnreachable(self.unreachable)

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def send(self, message: Message) -> SendOutcome:
        try:
            recipient = envelope_address(message.recipient.email)
        except ValueError as exc:
            return SendOutcome(REJECTED_ADDRESS, str(exc), 0)
        mime = build_mime(message, self.mail.sender)
        attempts = 0
        while True:
            if self.unreachable is not None:
                return SendOutcome(FAILED, f"not attempted: {self.unreachable}", attempts)
            attempts += 1
            try:
                connection = self._connection()
            except Exception as exc:
                self._note_connect_failure(exc, attempts)
                if self.unreachable is None:
                    self._sleep(self.mail.retry_delay_s * 2 ** (attempts - 1))
                continue
            try:
                refused = connection.send_message(mime, self.mail.sender, [recipient])
                if refused:  # only some recipients refused; there is only one
                    return SendOutcome(REJECTED_ADDRESS, _reply(refused[recipient]), attempts)
                return SendOutcome(SENT, f"accepted by {self.mail.host}:{self.mail.port}",
                                   attempts)
            except smtplib.SMTPRecipientsRefused as exc:
                replies = list(exc.recipients.values())
                detail = "; ".join(_reply(r) for r in replies)
                if not all(400 <= code < 500 for code, _ in replies):
                    return SendOutcome(REJECTED_ADDRESS, detail, attempts)
                transient = True  # 4xx: a full mailbox, greylisting; smtplib has sent RSET
            except Exception as exc:  # one bad message must not stop the others
                self.close()
                detail, transient = _classify(exc)
            if not transient or attempts > self.mail.retries:
                return SendOutcome(FAILED, detail, attempts)
            self._sleep(self.mail.retry_delay_s * 2 ** (attempts - 1))

    def _note_connect_failure(self, failure: Exception, attempts: int) -> None:
        """After a failed connect: mark the server unreachable when retrying cannot help (or
        the retries are spent); an answer it gave (a 4xx/5xx greeting, a refused login) is
        judged like any reply."""
        detail, transient = _classify(failure)
        hopeless = isinstance(failure, (ConnectionRefusedError, socket.gaierror))
        if hopeless or not transient or attempts > self.mail.retries:
            self.unreachable = (f"no connection to the SMTP server {self.mail.host}:"
                                f"{self.mail.port} ({detail})")

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:  # the server may have dropped an idle connection between messages
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        self._smtp = self._open()
        return self._smtp

    def _open(self) -> smtplib.SMTP:
        mail = self.mail
        context = self._ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if mail.security == "ssl":
            smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout_s,
                                    context=context)
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_s)
        try:
            if mail.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if mail.username:
                smtp.login(mail.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def _reply(reply: tuple[int, bytes | str]) -> str:
    code, text = reply
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _classify(failure: Exception) -> tuple[str, bool]:
    """(detail, worth retrying on a new connection)."""
    if isinstance(failure, smtplib.SMTPResponseException):
        detail = f"{type(failure).__name__}: {_reply((failure.smtp_code, failure.smtp_error))}"
        return detail, 400 <= failure.smtp_code < 500
    detail = f"{type(failure).__name__}: {failure}"
    if isinstance(failure, ssl.SSLCertVerificationError):
        return detail, False  # the server's certificate will not be any better next time
    return detail, isinstance(failure, (smtplib.SMTPServerDisconnected, OSError))


def checked_sender(settings: Settings, pairs: Iterable[tuple[str, str]], *, force: bool,
                   sender: SmtpSender | None) -> tuple[SmtpSender | None, bool]:
    """Before anything is rendered: the sender to use (made from the config when None) with its
    connection open, or SmtpUnreachable; (None, False) when the send log says every
    (key, address) pair has gone already. The bool says whether the caller owns (closes) it."""
    done = set() if force else SendLog.for_data_root(settings.data_root).sent_pairs()
    if all((key, address.lower()) in done for key, address in pairs):
        return sender, False
    owned = sender is None
    if sender is None:
        sender = SmtpSender(settings.park.mail, smtp_password(settings.park.mail))
    try:
        sender.check()
    except SmtpUnreachable:
        if owned:
            sender.close()
        raise
    return sender, owned


def deliver(settings: Settings, messages: Iterable[Message], *, force: bool = False,
            sender: SmtpSender | None = None, log: SendLog | None = None,
            on_delivery: Callable[[Delivery], None] | None = None) -> DeliveryReport:
    """Send each message not already sent to its recipient (all of them with `force`), logging
    every outcome. Without a `sender`, one is made from `settings.park.mail` and the password
    from the environment or Prefect, only if there is anything to send."""
    log = log or SendLog.for_data_root(settings.data_root)
    deliveries = []
    owned: SmtpSender | None = None
    with log.lock():
        done = set() if force else log.sent_pairs()
        try:
            for message in messages:
                pair = (message.key, message.recipient.email.lower())
                if pair in done:
                    deliveries.append(Delivery(message, SendOutcome(
                        SKIPPED_ALREADY_SENT, "in the send log; force to send again", 0)))
                    if on_delivery is not None:
                        on_delivery(deliveries[-1])
                    continue
                if sender is None:
                    mail = settings.park.mail
                    sender = owned = SmtpSender(mail, smtp_password(mail))
                outcome = sender.send(message)
                log.record(message.key, message.recipient.email, outcome.status,
                           outcome.detail, outcome.attempts, message.content_sha256())
                if outcome.status == SENT:  # once per batch, even with force
                    done.add(pair)
                deliveries.append(Delivery(message, outcome))
                if on_delivery is not None:  # progress, as each message goes
                    on_delivery(deliveries[-1])
        finally:
            if owned is not None:
                owned.close()
    return DeliveryReport(deliveries)
