"""Shopify's ``Created at`` (``2024-05-06 09:14:00 +0200``) is read without strptime on
its own layout; every spelling must read exactly as strptime reads it (or be left as it
is for the order model to refuse, when strptime refuses it)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from orderwell.channels.shopify_csv import _created_at

LAYOUT = "2024-05-06 09:14:00 +0200"


def _strptime_reading(text: str) -> str:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").isoformat()
    except ValueError:
        return text


def test_shopify_layout_reads_as_iso() -> None:
    assert _created_at(LAYOUT) == "2024-05-06T09:14:00+02:00"
    assert _created_at("2024-05-06 09:14:00 -0530") == "2024-05-06T09:14:00-05:30"
    assert _created_at("") == ""
    # Offsets of 60-99 minutes, a missing colon, a T: strptime refuses, so must we.
    for odd in (
        "2024-05-06 09:14:00 +0260",
        "2024-05-06 09414900 +0200",
        "2024-05-06T09:14:00 +0200",
    ):
        assert _created_at(odd) == odd


@settings(max_examples=3000, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(LAYOUT) - 1), st.sampled_from("0123456789-+: TaZ.")),
        min_size=1,
        max_size=4,
    )
)
def test_every_spelling_reads_as_strptime_reads_it(edits: list[tuple[int, str]]) -> None:
    text = list(LAYOUT)
    for at, char in edits:
        text[at] = char
    spelled = "".join(text)
    assert _created_at(spelled) == _strptime_reading(spelled)
