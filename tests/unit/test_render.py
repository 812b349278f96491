"""Customer message templates: every kind renders, escapes, and fails loudly."""

from __future__ import annotations

import html

import jinja2
import pytest

from orderwell.domain.branding import Branding
from orderwell.domain.errors import InvalidInput
from orderwell.outbound.message_render import (
    MESSAGE_KINDS,
    TEMPLATES_DIR,
    may_send,
    render_message,
)
from orderwell.outbound.message_samples import (
    SAMPLE_BRAND,
    SAMPLE_COMMON,
    SAMPLE_CONTEXTS,
    SAMPLE_TRACKING,
)

BRAND = SAMPLE_BRAND
CONTEXTS = SAMPLE_CONTEXTS
COMMON = SAMPLE_COMMON
TRACKING = SAMPLE_TRACKING


def test_every_kind_has_both_templates_and_a_context_here() -> None:
    assert set(CONTEXTS) == set(MESSAGE_KINDS)
    for kind in MESSAGE_KINDS:
        assert (TEMPLATES_DIR / f"{kind}.txt.j2").is_file()
        assert (TEMPLATES_DIR / f"{kind}.html.j2").is_file()


@pytest.mark.parametrize("kind", sorted(MESSAGE_KINDS))
def test_every_kind_renders_with_branding(kind: str) -> None:
    msg = render_message(kind, {**COMMON, **CONTEXTS[kind]}, BRAND)
    assert msg.subject and "\n" not in msg.subject
    assert "Ana Souza" in msg.text and "Ana Souza" in msg.html
    assert "K-100234" in msg.text
    assert "Kite & Co GmbH" in msg.text
    assert "Kite &amp; Co GmbH" in msg.html  # autoescaped
    assert "#0b6e4f" in msg.html
    assert 'src="https://kite.example/logo.png"' in msg.html
    assert msg.html.lstrip().startswith("<!DOCTYPE html>")
    assert "{{" not in msg.text and "{%" not in msg.html


def test_shipped_has_tracking_link_in_both_parts() -> None:
    msg = render_message("shipped", {**COMMON, **CONTEXTS["shipped"]}, BRAND)
    assert msg.subject == "Your order K-100234 is on its way"
    assert TRACKING in msg.text
    assert f'href="{html.escape(TRACKING)}"' in msg.html


def test_delay_says_what_happens_next() -> None:
    msg = render_message("delivery_delayed", {**COMMON, **CONTEXTS["delivery_delayed"]}, BRAND)
    assert "What happens next: It is still on its way" in msg.text


def test_return_authorized_has_label_link() -> None:
    msg = render_message("return_authorized", {**COMMON, **CONTEXTS["return_authorized"]}, BRAND)
    assert "https://kite.example/labels/RMA-5521.pdf" in msg.text
    assert 'href="https://kite.example/labels/RMA-5521.pdf"' in msg.html
    assert msg.subject == "Your return RMA-5521 is approved"


def test_missing_variable_fails_loudly() -> None:
    context = {**COMMON, **CONTEXTS["shipped"]}
    del context["tracking_url"]
    with pytest.raises(jinja2.UndefinedError, match="tracking_url"):
        render_message("shipped", context, BRAND)


def test_optional_variables_may_be_left_out() -> None:
    msg = render_message("cancelled", COMMON, BRAND)
    assert "You have not been charged." in msg.text


def test_html_escapes_untrusted_values_and_refuses_script_links() -> None:
    context = {**COMMON, **CONTEXTS["shipped"], "customer_name": "<script>x()</script>"}
    msg = render_message("shipped", context, BRAND)
    assert "<script>" not in msg.html
    assert "&lt;script&gt;" in msg.html
    context["tracking_url"] = "javascript:alert(1)"
    with pytest.raises(InvalidInput):
        render_message("shipped", context, BRAND)


def test_subject_cannot_inject_headers() -> None:
    msg = render_message(
        "on_hold", {**CONTEXTS["on_hold"], **COMMON, "order_number": "K-1\r\nBcc: x@y.z"}, BRAND
    )
    assert "\n" not in msg.subject and "\r" not in msg.subject


def test_unknown_kind_and_reserved_names_are_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        render_message("promo", COMMON, BRAND)
    assert info.value.field == "kind"
    with pytest.raises(InvalidInput):
        render_message("cancelled", {**COMMON, "brand": "x"}, BRAND)


def test_light_brand_colour_gets_dark_text() -> None:
    assert Branding(shop_name="A", sender="a@b.cd", colour="#ffee00").text_on_colour == "#1f2328"
    assert Branding(shop_name="A", sender="a@b.cd", colour="#003").text_on_colour == "#ffffff"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"colour": "red;background:url(x)"},
        {"logo_url": "javascript:alert(1)"},
        {"shop_name": " "},
    ],
)
def test_bad_branding_is_refused(kwargs: dict[str, str]) -> None:
    base = {"shop_name": "Kite", "sender": "k@kite.example"}
    with pytest.raises(InvalidInput):
        Branding(**{**base, **kwargs})


def test_opt_out_mutes_updates_but_not_essential_messages() -> None:
    assert may_send("shipped", updates_opted_out=False)
    assert not may_send("shipped", updates_opted_out=True)
    assert not may_send("delivered", updates_opted_out=False, muted_kinds={"delivered"})
    assert may_send("refund_issued", updates_opted_out=True)
    assert may_send("delivery_delayed", updates_opted_out=True, muted_kinds={"delivery_delayed"})
