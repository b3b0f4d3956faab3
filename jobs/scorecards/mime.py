"""A scorecard or report as an email: the `Message` a job composes (text, HTML with inline
images by Content-ID, attachments) and its MIME form, with the subject and address encodings
that survive real servers and readers. Sending it: mail.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError, MessageDefect
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from jobs.common.park_config import Contact

_CID = re.compile(r"""cid:([^"'\s)>]+)""")
_DNS_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class Message:
    key: str  # the scorecard, e.g. enterprise/<id>/2026-10; the send log's key
    recipient: Contact
    subject: str
    text: str  # the plain-text alternative
    html: str  # refers to inline images as cid:<name>
    inline_images: dict[str, bytes] = field(default_factory=dict)  # cid name -> PNG
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # name, bytes, type
    language: str = "zh"  # the language it is written in (for reports)

    def content_sha256(self) -> str:
        """Of what the recipient reads (not of the MIME bytes, whose Date and Message-ID
        change every run), so the log tells a re-send of the same content from a new one."""
        digest = hashlib.sha256()
        parts: list[bytes] = [self.key.encode(), self.recipient.email.encode(),
                              self.subject.encode(), self.text.encode(), self.html.encode()]
        for name in sorted(self.inline_images):
            parts += [name.encode(), self.inline_images[name]]
        for filename, content, mime_type in self.attachments:
            parts += [filename.encode(), mime_type.encode(), content]
        for part in parts:  # length-prefixed, so no two different messages hash alike
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        return digest.hexdigest()



def envelope_address(address: str) -> str:
    """The address as it goes on the SMTP envelope (an internationalised domain in its ASCII
    form); ValueError with the reason when the address would not survive a server."""
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, MessageDefect, ValueError, IndexError) as exc:
        raise ValueError(f"not a valid address {address!r}: {exc}") from exc
    if not parsed.username or not parsed.username.isascii():
        raise ValueError(f"not a valid address {address!r}: the local part must be ASCII")
    try:
        domain = parsed.domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"not a valid address {address!r}: bad domain ({exc})") from exc
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
        raise ValueError(f"not a valid address {address!r}: bad domain {parsed.domain!r}")
    return f"{parsed.username}@{domain}"


class EncodedSubject(str):
    """A Subject folded by `email.header.Header`, which keeps every space inside its encoded
    words. `email.policy.default` folds long non-ASCII subjects at a space *between* encoded
    words, and a reader drops whitespace between encoded words (RFC 2047, 6.2), so
    "公司 · 2026年" arrived as "公司 ·2026年". The policy calls `fold` on a header value
    that carries its own `name`."""

    name = "Subject"

    def fold(self, *, policy) -> str:  # noqa: ANN001 (email's policy protocol)
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(
            linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def build_mime(message: Message, sender: str) -> EmailMessage:
    """multipart/mixed [ alternative [ text, related [ html, PNGs by Content-ID ] ],
    attachments... ]; header and filename encodings are left to `email.policy.default`
    (RFC 2047 and 2231, UTF-8), bodies are base64 so no server needs 8BITMIME."""
    missing = set(_CID.findall(message.html)) - set(message.inline_images)
    if missing:
        raise ValueError(f"{message.key}: the HTML refers to images it lacks: {sorted(missing)}")
    recipient = envelope_address(message.recipient.email)
    user, domain = recipient.split("@")
    mime = EmailMessage()
    mime["Subject"] = EncodedSubject(message.subject)
    mime["From"] = sender
    mime["To"] = Address(display_name=message.recipient.name, username=user, domain=domain)
    mime["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    mime["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    mime["X-Scorecard-Key"] = message.key
    mime.set_content(message.text, cte="base64")
    mime.add_alternative(message.html, subtype="html", cte="base64")
    html_part = mime.get_body(("html",))
    assert html_part is not None
    for name, png in message.inline_images.items():
        html_part.add_related(png, "image", "png", cid=f"<{name}>", disposition="inline",
                              filename=f"{name}.png")
    for filename, content, mime_type in message.attachments:
        maintype, _, subtype = mime_type.partition("/")
        if not subtype:
            raise ValueError(f"{message.key}: {filename}: not a MIME type {mime_type!r}")
        mime.add_attachment(content, maintype, subtype, filename=filename)
    return mime
