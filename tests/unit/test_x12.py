"""X12 syntax: every sample interchange reads with its own separators and correct counts."""

from __future__ import annotations

import pytest

from orderwell.channels.edi import x12
from orderwell.channels.edi.outbound import read_856
from tests.edi_support import fixture


@pytest.mark.parametrize(
    ("name", "interchanges", "set_id", "segments"),
    [
        ("850.edi", 1, "850", 31),
        ("850_fat.edi", 2, "850", 31),
        ("855.edi", 1, "855", 24),
        ("856.edi", 1, "856", 29),
    ],
)
def test_every_sample_interchange_parses_clean(
    name: str, interchanges: int, set_id: str, segments: int
) -> None:
    found = x12.parse(fixture(name))
    assert len(found) == interchanges
    for ic in found:
        assert ic.errors == []
        assert [g.errors for g in ic.groups] == [[]]
        (ts,) = ic.groups[0].sets
        assert ts.set_id == set_id and len(ts.segments) == segments
        assert ts.segments[0].position == 2  # ST is segment 1


def test_separators_come_from_isa_not_assumed() -> None:
    text = fixture("850.edi").decode()
    # The same interchange with other separators: | for elements, ^ for components, \n ends
    # segments. Every value must read the same.
    other = text.replace("*", "|").replace(">~", "^~").replace("~\n", "\n").replace("~", "\n")
    (a,), (b,) = x12.parse(text), x12.parse(other)
    assert b.separators == x12.Separators("|", "\n", "^", "U")
    assert [s.elements for s in a.groups[0].sets[0].segments] == [
        s.elements for s in b.groups[0].sets[0].segments
    ]


def test_856_repetition_separator_read_from_isa11() -> None:
    (ic,) = x12.parse(fixture("856.edi"))
    assert ic.version == "00406" and ic.separators.repetition == "-"
    notice = read_856(ic.groups[0].sets[0])
    assert notice.tracking_number == "5787970539" and notice.po_number == "99999817"
    assert notice.packages == {"": [("87787D", 24), ("99887D", 6)]}


def test_wrong_counts_and_control_numbers_are_reported() -> None:
    text = fixture("850.edi").decode()
    text = text.replace("SE*33*000000010", "SE*30*000000010").replace("GE*1*1421", "GE*2*1422")
    text = text.replace("IEA*1*000003438", "IEA*1*000003439")
    (ic,) = x12.parse(text)
    (group,) = ic.groups
    assert [(e.segment, e.code) for e in group.errors] == [("SE", x12.SET_SEGMENT_COUNT_WRONG)]
    assert [(e.segment, e.element) for e in ic.errors] == [("GE", 2), ("GE", 1), ("IEA", 2)]


@pytest.mark.parametrize(
    "text",
    ["", "hello", "ISA*00*short~", "ISA*00*          *00*          *ZZ*A              *ZZ*B"],
)
def test_what_is_not_x12_raises(text: str) -> None:
    with pytest.raises(x12.X12Error):
        x12.parse(text)


def test_written_interchange_reads_back_with_computed_counts() -> None:
    env = x12.Envelope("ZZ", "US", "12", "THEM", "US", "THEM", 42, 7, "20260301", "1015")
    text = x12.write_interchange(
        env, "PR", [("855", 5, [["BAK", "00", "AD", "PO1", "20260301"]]), ("855", 6, [["CTT"]])]
    )
    (ic,) = x12.parse(text)
    assert ic.errors == [] and ic.groups[0].errors == []
    assert (ic.control, ic.sender_id, ic.receiver_id) == ("000000042", "US", "THEM")
    assert [s.control for s in ic.groups[0].sets] == ["0005", "0006"]


def test_a_value_holding_a_separator_is_refused_not_written() -> None:
    env = x12.Envelope("ZZ", "US", "12", "THEM", "US", "THEM", 1, 1, "20260301", "1015")
    with pytest.raises(x12.X12Error, match="separator"):
        x12.write_interchange(env, "PR", [("855", 1, [["N1", "ST", "A*B"]])])


@pytest.mark.parametrize("count", ["²", "1²", "-", ""])
def test_counts_that_are_not_ascii_digits_are_errors_not_crashes(count: str) -> None:
    text = fixture("850.edi").decode().replace("SE*33*", f"SE*{count}*")
    (ic,) = x12.parse(text)
    assert [e.code for e in ic.groups[0].errors] == [x12.SET_SEGMENT_COUNT_WRONG]


def test_nul_is_refused() -> None:
    with pytest.raises(x12.X12Error, match="NUL"):
        x12.parse(fixture("850.edi").replace(b"SOLON", b"SO\x00LON"))


def test_997_of_a_file_with_other_separators_echoes_nothing_that_breaks_ours() -> None:
    from orderwell.channels.edi.outbound import ack_997

    text = fixture("850.edi").decode().replace("*", "|").replace("GS|PO|", "GS|P*O|")
    group = x12.parse(text)[0].groups[0]
    segs = ack_997(group, {}, rejected=True)
    env = x12.Envelope("ZZ", "US", "12", "THEM", "US", "THEM", 1, 1, "20260301", "1015")
    assert "AK1*PO*1421" in x12.write_interchange(env, "FA", [("997", 1, segs)])
