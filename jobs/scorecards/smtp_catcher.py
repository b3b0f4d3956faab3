"""A local SMTP server that keeps every message as an .eml file: where the demo and the
benchmark send scorecards, and what the tests deliver to. It speaks what a real relay does:
STARTTLS or implicit TLS with a certificate from a throwaway CA (trustme), AUTH, and refusals
of chosen recipients.
"""

from __future__ import annotations

import errno
import hmac
import logging
import re
import ssl
import threading
import warnings
from collections.abc import Mapping
from email import message_from_bytes, policy
from pathlib import Path
from types import TracebackType
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from device_io.simulator.ports import free_ports

HOST = "127.0.0.1"


# aiosmtpd 1.4 warns after every AUTH about the deprecated Session.login_data it sets itself,
# and counts only STARTTLS as TLS, so AUTH over implicit TLS looks to it like AUTH in the clear
_AIOSMTPD_NOISE = ("Session.login_data is deprecated",
                   "auth_required == True but auth_require_tls == False")
logging.getLogger("mail.log").addFilter(
    lambda record: not record.getMessage().startswith(_AIOSMTPD_NOISE))


class _Handler:
    def __init__(self, catcher: SmtpCatcher) -> None:
        self.catcher = catcher

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        refusal = self.catcher.refuse.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert envelope.original_content is not None
        self.catcher.save(envelope.original_content)
        return "250 Message accepted for delivery"


class SmtpCatcher:
    """`with SmtpCatcher(folder) as catcher:` serves on 127.0.0.1:`catcher.port` (free, or the
    one given) in a thread of its own until `stop()`.

    `starttls` offers and requires STARTTLS; `implicit_tls` speaks TLS from the first byte (the
    `security: ssl` of MailSettings); either way `client_ssl_context()` trusts the certificate.
    `auth` (username, password) makes AUTH required. `refuse` maps an address to the reply its
    RCPT gets, e.g. {"gone@x.cn": "550 5.1.1 no such user"}."""

    def __init__(self, folder: Path, *, port: int | None = None, starttls: bool = False,
                 implicit_tls: bool = False, auth: tuple[str, str] | None = None,
                 refuse: Mapping[str, str] | None = None) -> None:
        if starttls and implicit_tls:
            raise ValueError("starttls and implicit_tls exclude each other")
        self.folder = Path(folder)
        self.requested_port = port
        self.port = port or 0
        self.auth = auth
        self.refuse = {address.lower(): reply for address, reply in (refuse or {}).items()}
        self.ca = trustme.CA() if starttls or implicit_tls else None
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._lock = threading.Lock()
        self._messages: list[Path] = []
        self._numbered_from = 0  # .eml files already in the folder are not overwritten
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[Path]:
        """The .eml files received so far, in order."""
        with self._lock:
            return list(self._messages)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this catcher's certificate (and nothing else)."""
        if self.ca is None:
            raise ValueError("this catcher speaks no TLS")
        context = ssl.create_default_context()
        context.load_verify_locations(cadata=self.ca.cert_pem.bytes().decode("ascii"))
        return context

    def start(self) -> SmtpCatcher:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self._messages:
            self._numbered_from = len(list(self.folder.glob("*.eml")))
        for attempt in range(3):  # a free port can be taken between the check and the bind
            self.port = self.requested_port or free_ports(1, HOST)[0]
            controller = Controller(_Handler(self), hostname=HOST, port=self.port,
                                    **self._server_options())
            try:
                controller.start()
            except BaseException as exc:
                self._stop_controller(controller)
                taken = isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE
                if taken and not self.requested_port and attempt < 2:
                    continue
                raise
            self._controller = controller
            return self
        raise AssertionError("unreachable")

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            self._stop_controller(controller)

    def __enter__(self) -> SmtpCatcher:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def save(self, content: bytes) -> Path:
        subject = str(message_from_bytes(content, policy=policy.default)["subject"] or "")
        safe = re.sub(r"[^\w\-]+", "-", subject).strip("-")[:60] or "no-subject"
        with self._lock:
            number = self._numbered_from + len(self._messages) + 1
            path = self.folder / f"{number:04d}-{safe}.eml"
            temporary = path.with_suffix(".part")
            temporary.write_bytes(content)
            temporary.rename(path)  # a reader of the folder never sees half a message
            self._messages.append(path)
        return path

    def _server_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"server_hostname": "localhost"}  # no DNS lookup at start
        if self.ca is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert(HOST, "localhost").configure_cert(context)
            if self._implicit_tls:
                options["ssl_context"] = context
            else:
                options.update(tls_context=context, require_starttls=True)
        if self.auth is not None:
            if self._implicit_tls:  # set at each start: pytest restores filters after a test
                warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS",
                                        UserWarning, "aiosmtpd.smtp")
            options.update(authenticator=self._authenticate, auth_required=True,
                           # aiosmtpd counts only STARTTLS as TLS; implicit TLS is TLS too
                           auth_require_tls=not self._implicit_tls)
        return options

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        assert self.auth is not None
        username, password = self.auth
        ok = (isinstance(auth_data, LoginPassword)
              and hmac.compare_digest(auth_data.login, username.encode())
              and hmac.compare_digest(auth_data.password, password.encode()))
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd replies 535

    @staticmethod
    def _stop_controller(controller: Controller) -> None:
        """Stops its thread and closes its loop, also after a start that failed half-way."""
        controller.stop(no_assert=True)
        if not controller.loop.is_closed():  # a failed bind leaves the loop open
            controller.loop.close()
