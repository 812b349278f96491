"""The tracking page's return section says what the customer can do, in each case."""

from __future__ import annotations

from typing import Any

from orderwell.outbound.tracking_page import _templates


def _render(**context: Any) -> str:
    base: dict[str, Any] = {
        "order_number": "OW-000001",
        "customer_name": "Ada",
        "steps": [],
        "story": [],
        "lines": [],
        "returnable": [],
        "shipped": False,
        "reasons": [("damaged", "It arrived damaged")],
        "return_action": "/track/t/return",
    }
    return _templates().get_template("track.html").render(**{**base, **context})


def test_not_shipped_yet() -> None:
    assert "once they have been shipped" in _render()


def test_everything_already_returned() -> None:
    page = _render(shipped=True)
    assert "already returned" in page and "once they have been shipped" not in page


def test_returnable_lines_get_a_form() -> None:
    page = _render(shipped=True, returnable=[{"line_no": 1, "name": "Beanie", "max": 2}])
    assert 'name="line_1"' in page and 'max="2"' in page and "Request a return" in page
