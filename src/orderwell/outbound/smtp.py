"""Sending rendered customer messages over SMTP (smtplib: a real protocol, no SDK).

Every message is multipart/alternative (plain text first, HTML second, so clients that
cannot or will not show HTML still read it) and carries:

* a ``Message-ID`` derived from the outbox event id, so a retried send after a crash is
  the same message to every mail system that deduplicates on it;
* ``List-Unsubscribe`` (and RFC 8058 one-click ``List-Unsubscribe-Post`` for https
  links) when the caller has an unsubscribe link: large mailbox providers require it for
  bulk senders and it keeps shipping updates out of spam folders.

Failures are reported as :class:`SendFailed` with ``permanent`` set from the SMTP reply
code (5xx) so the outbox worker can stop retrying a mailbox that does not exist while
still retrying a server that is merely busy (4xx, connection errors).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from orderwell.domain.branding import Branding, check_address
from orderwell.domain.errors import InvalidInput
from orderwell.outbound.message_render import RenderedMessage, may_send

__all__ = [
    "Branding",
    "SendFailed",
    "SmtpSender",
    "build_email",
    "is_opted_out",
    "make_message_id",
]

# Headers we set ourselves; a caller overriding them would break threading or dedup.
_RESERVED_HEADERS = frozenset(
    {"from", "to", "subject", "message-id", "date", "mime-version", "content-type"}
)


class SendFailed(Exception):
    """The message was not accepted. ``permanent`` means retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool, smtp_code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.smtp_code = smtp_code


def make_message_id(event_id: str, sender: str) -> str:
    """``<event_id@sender-domain>``: stable across retries of the same outbox event."""
    domain = check_address(sender, "sender").rpartition("@")[2]
    safe = "".join(ch for ch in event_id if ch.isalnum() or ch in "-._")
    if not safe:
        raise InvalidInput("an event id is needed for the Message-ID", field="message_id")
    return f"<{safe}@{domain}>"


def is_opted_out(kind: str, *, updates_opted_out: bool, muted_kinds: frozenset[str]) -> bool:
    """True when the customer's preferences say not to send this kind (see ``may_send``)."""
    return not may_send(kind, updates_opted_out=updates_opted_out, muted_kinds=muted_kinds)


def build_email(
    sender: str,
    recipient: str,
    rendered: RenderedMessage,
    message_id: str,
    headers: Mapping[str, str] | None = None,
    *,
    unsubscribe_url: str | None = None,
    unsubscribe_mailto: str | None = None,
) -> EmailMessage:
    """The multipart/alternative message, ready for any transport."""
    check_address(sender, "sender")
    check_address(recipient, "recipient")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = recipient
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    targets = []
    if unsubscribe_url:
        targets.append(f"<{unsubscribe_url}>")
    if unsubscribe_mailto:
        targets.append(f"<mailto:{check_address(unsubscribe_mailto, 'unsubscribe_mailto')}>")
    if targets:
        msg["List-Unsubscribe"] = ", ".join(targets)
        if unsubscribe_url and unsubscribe_url.startswith("https://"):
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in (headers or {}).items():
        if name.lower() in _RESERVED_HEADERS:
            raise InvalidInput(f"the {name} header is set by the sender", field=f"headers.{name}")
        msg[name] = value
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg


class SmtpSender:
    """Sends through one SMTP server; a new connection per message keeps it stateless
    (the outbox worker sends a few messages a second at most, and a stale pooled
    connection is a classic source of lost mail)."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise InvalidInput("give both username and password, or neither", field="username")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self.ssl_context = ssl_context

    def send(
        self,
        sender: str,
        recipient: str,
        rendered: RenderedMessage,
        message_id: str,
        headers: Mapping[str, str] | None = None,
        *,
        unsubscribe_url: str | None = None,
        unsubscribe_mailto: str | None = None,
    ) -> str:
        """Send one message; returns its Message-ID. Raises :class:`SendFailed`."""
        msg = build_email(
            sender,
            recipient,
            rendered,
            message_id,
            headers,
            unsubscribe_url=unsubscribe_url,
            unsubscribe_mailto=unsubscribe_mailto,
        )
        envelope_from = check_address(sender, "sender")
        envelope_to = Address(addr_spec=check_address(recipient, "recipient")).addr_spec
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=self.ssl_context or ssl.create_default_context())
                    smtp.ehlo()
                if self.username is not None and self.password is not None:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(msg, from_addr=envelope_from, to_addrs=[envelope_to])
        except smtplib.SMTPRecipientsRefused as exc:
            code = next(iter(exc.recipients.values()))[0] if exc.recipients else None
            raise SendFailed(
                f"recipient refused: {exc.recipients}", permanent=_permanent(code), smtp_code=code
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise SendFailed(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                permanent=_permanent(exc.smtp_code),
                smtp_code=exc.smtp_code,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, TLS failures: the server may come back.
            raise SendFailed(f"{type(exc).__name__}: {exc}", permanent=False) from exc
        if refused:
            code = next(iter(refused.values()))[0]
            raise SendFailed(f"recipient refused: {refused}", permanent=_permanent(code))
        return str(msg["Message-ID"])


def _permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600
