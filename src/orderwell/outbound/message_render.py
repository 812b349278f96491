"""Rendering customer messages from Jinja2 templates.

Each kind of message has a text and an HTML template (``mail_templates/<kind>.txt.j2`` and
``mail_templates/<kind>.html.j2``); the HTML ones extend ``base.html.j2``, which carries the
sales channel's branding, so one template set serves every shop on the system.

Choices, and why:

* ``StrictUndefined``: a missing variable raises instead of rendering an empty string. A
  shipping message without its tracking link is worse than a message sent a minute later
  after the bug is fixed.
* HTML is autoescaped (product names come from channels and are not trusted), and links
  pass the ``http_url`` filter, which refuses anything but http(s): ``javascript:`` in a
  tracking URL must never become a clickable link.
* Subjects live in one table, :data:`MESSAGE_KINDS`, as data, along with whether a kind is
  *essential* (concerns the contract or money and is sent even to customers who turned
  updates off).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from orderwell.domain.branding import Branding, check_http_url
from orderwell.domain.errors import InvalidInput

TEMPLATES_DIR = Path(__file__).parent / "mail_templates"


@dataclass(frozen=True, slots=True)
class MessageKind:
    subject: str  # a Jinja template over the same context as the body
    essential: bool  # sent even when the customer opted out of updates


MESSAGE_KINDS: dict[str, MessageKind] = {
    "order_received": MessageKind("Thank you for your order {{ order_number }}", True),
    "backordered": MessageKind("Some items of order {{ order_number }} are delayed", True),
    "on_hold": MessageKind("Your order {{ order_number }} is on hold", True),
    "shipped": MessageKind("Your order {{ order_number }} is on its way", False),
    "out_for_delivery": MessageKind("Your order {{ order_number }} arrives today", False),
    "delivered": MessageKind("Your order {{ order_number }} has been delivered", False),
    "delivery_delayed": MessageKind("Your order {{ order_number }} is delayed", True),
    "partly_cancelled": MessageKind("Some items of order {{ order_number }} were cancelled", True),
    "short_shipped": MessageKind("Some items of order {{ order_number }} could not ship", True),
    "cancelled": MessageKind("Your order {{ order_number }} was cancelled", True),
    "return_authorized": MessageKind("Your return {{ rma_number }} is approved", True),
    "return_received": MessageKind("We have received your return {{ rma_number }}", True),
    "refund_issued": MessageKind("Your refund for order {{ order_number }}", True),
}


@dataclass(frozen=True, slots=True)
class Wording:
    """A shop's own subject and bodies for one kind (``message_templates``), in place of the
    package's. The bodies may extend ``base.*.j2`` and use the macros, like the originals."""

    subject: str
    text_body: str
    html_body: str


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _http_url(value: object) -> str:
    return check_http_url(value, "context")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Sandboxed: a shop may write its own templates in the console, and a template must not
    # reach Python's internals (``{{ ''.__class__ }}``) or change the values it is given.
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["http_url"] = _http_url
    return env


def may_send(kind: str, *, updates_opted_out: bool, muted_kinds: Collection[str] = ()) -> bool:
    """Whether a customer who set these preferences should get a message of ``kind``.

    Essential kinds (cancellations, refunds, delays...) are transactional: they concern
    money or the contract and go out regardless, which is also what email law allows.
    """
    spec = _kind(kind)
    if spec.essential:
        return True
    return not updates_opted_out and kind not in muted_kinds


def _kind(kind: str) -> MessageKind:
    try:
        return MESSAGE_KINDS[kind]
    except KeyError:
        raise InvalidInput(f"'{kind}' is not a message kind", field="kind") from None


def _one_line(text: str) -> str:
    # A subject is a header: newlines would be header injection, so collapse whitespace.
    return " ".join(text.split())


def render_message(
    kind: str, context: Mapping[str, Any], branding: Branding, wording: Wording | None = None
) -> RenderedMessage:
    """Subject, plain text and HTML of one message, in the shop's ``wording`` if it has
    one. Raises ``jinja2.UndefinedError`` naming the variable when the context lacks one the
    template needs."""
    spec = _kind(kind)
    if "brand" in context or "subject" in context:
        raise InvalidInput("'brand' and 'subject' are reserved names", field="context")
    env = _environment()
    subject_source = spec.subject
    if wording is not None:
        own = DictLoader(
            {f"{kind}.txt.j2": wording.text_body, f"{kind}.html.j2": wording.html_body}
        )
        loaders: list[BaseLoader] = [own, FileSystemLoader(TEMPLATES_DIR)]
        env = env.overlay(loader=ChoiceLoader(loaders))
        subject_source = wording.subject
    values: dict[str, Any] = {**context, "brand": branding, "kind": kind}
    subject = _one_line(env.from_string(subject_source).render(values))
    if not subject:
        raise InvalidInput(f"the subject of '{kind}' rendered empty", field="subject")
    values["subject"] = subject
    text = env.get_template(f"{kind}.txt.j2").render(values)
    html = env.get_template(f"{kind}.html.j2").render(values)
    return RenderedMessage(subject=subject, text=text, html=html)


def package_wording(kind: str) -> Wording:
    """The wording shipped in the package, as a shop would start editing it."""
    spec = _kind(kind)
    return Wording(
        spec.subject,
        (TEMPLATES_DIR / f"{kind}.txt.j2").read_text(encoding="utf-8"),
        (TEMPLATES_DIR / f"{kind}.html.j2").read_text(encoding="utf-8"),
    )
