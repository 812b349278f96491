"""ANSI X12 syntax: interchanges, functional groups and transaction sets, read and written.

Only the envelope and segment syntax live here, no transaction-set rules. The separators
come from the ISA segment of each interchange, never assumed: ISA is fixed width, so its
4th character is the element separator, its 105th the component separator and its 106th
the segment terminator (ISA11 is the repetition separator from version 00402 on). A file
may hold several interchanges, an interchange several groups, a group several sets.

Errors are ``X12Error`` values carrying what a 997 must name: the transaction set, the
segment and its position, the element position and the X12 error code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ISA_LENGTH = 106

# 997 codes (X12 4010): AK3-04 segment errors, AK4-03 element errors, AK5/AK9 set/group.
SEGMENT_UNRECOGNIZED = "1"
SEGMENT_MANDATORY_MISSING = "3"
SEGMENT_HAS_ELEMENT_ERRORS = "8"
ELEMENT_MANDATORY_MISSING = "1"
ELEMENT_INVALID_CODE = "7"
ELEMENT_INVALID_DATE = "8"
ELEMENT_INVALID_VALUE = "6"  # "invalid character in data element": not a number, etc.
SET_TRAILER_MISSING = "2"
SET_CONTROL_MISMATCH = "3"
SET_SEGMENT_COUNT_WRONG = "4"
SET_SEGMENTS_IN_ERROR = "5"
GROUP_CONTROL_MISMATCH = "4"
GROUP_SET_COUNT_WRONG = "5"


@dataclass(frozen=True, slots=True)
class Separators:
    element: str = "*"
    segment: str = "~"
    component: str = ">"
    repetition: str = "U"  # "U" in 4010 means "no repetition separator" (ISA11 is a code)


@dataclass(slots=True)
class X12Error(Exception):
    """One thing wrong with an interchange, located as a 997 locates it."""

    message: str
    segment: str | None = None  # tag, e.g. "PO1"
    position: int | None = None  # segment position in its transaction set, ST = 1
    element: int | None = None  # element position in the segment, 1-based
    code: str = SEGMENT_HAS_ELEMENT_ERRORS  # AK4-03 when ``element`` is set, else AK3-04
    value: str | None = None  # the bad data, copied into AK4-04
    set_control: str | None = None  # ST02 of the set in error, when inside one
    group_control: str | None = None  # GS06

    def __str__(self) -> str:
        where = ""
        if self.segment:
            where = f" at {self.segment}"
            if self.element is not None:
                where += f"{self.element:02d}"
            if self.position is not None:
                where += f" (segment {self.position} of its set)"
        return f"{self.message}{where}"


@dataclass(frozen=True, slots=True)
class Segment:
    tag: str
    elements: tuple[str, ...]  # elements[0] is ELEMENT 01
    position: int = 0  # in its transaction set (ST = 1); 0 for envelope segments

    def get(self, n: int) -> str:
        """Element ``n`` (1-based, as X12 numbers them), "" when absent."""
        return self.elements[n - 1] if 0 < n <= len(self.elements) else ""

    def error(self, n: int | None, message: str, code: str = ELEMENT_INVALID_VALUE) -> X12Error:
        return X12Error(
            message,
            segment=self.tag,
            position=self.position,
            element=n,
            code=code,
            value=self.get(n) if n else None,
        )


@dataclass(slots=True)
class TransactionSet:
    set_id: str  # ST01: 850, 855, 856, 810, 997
    control: str  # ST02
    segments: list[Segment]  # between ST and SE, exclusive; positions count ST as 1

    def find(self, tag: str) -> Segment | None:
        return next((s for s in self.segments if s.tag == tag), None)


@dataclass(slots=True)
class Group:
    functional_id: str  # GS01: PO, PR, SH, IN, FA
    sender: str  # GS02
    receiver: str  # GS03
    control: str  # GS06
    version: str  # GS08, e.g. 004010VICS
    sets: list[TransactionSet] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)  # set trailer errors (AK5)


@dataclass(slots=True)
class Interchange:
    separators: Separators
    sender_qualifier: str
    sender_id: str  # ISA06, trailing blanks removed
    receiver_qualifier: str
    receiver_id: str
    date: str  # YYMMDD
    time: str
    version: str  # ISA12
    control: str  # ISA13
    usage: str  # ISA15: P production, T test
    groups: list[Group] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)  # envelope and count errors


def is_count(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit() and len(text) <= 12


def separators_of(text: str) -> Separators:
    """The separators of the interchange starting at ``text`` (its ISA segment)."""
    if not text.startswith("ISA") or len(text) < ISA_LENGTH:
        raise X12Error("an interchange must start with a 106-character ISA segment", "ISA")
    element, component, segment = text[3], text[104], text[105]
    if len({element, component, segment}) != 3 or element.isalnum() or segment.isalnum():
        raise X12Error("ISA separators are not distinct punctuation", "ISA", code="7")
    if text[3:ISA_LENGTH].count(element) != 16:
        raise X12Error("ISA must have exactly 16 fixed-width elements", "ISA", code="7")
    isa = text[:ISA_LENGTH].split(element)
    repetition = isa[11] if isa[12] >= "00402" else "U"
    return Separators(element, segment, component, repetition)


def parse(data: bytes | str) -> list[Interchange]:
    """Every interchange in a file. Envelope mistakes are recorded, not raised, so that a
    997 can name them; what cannot be read as X12 at all raises X12Error."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    if "\x00" in text:  # not in X12's character sets, and no database stores it in text
        raise X12Error(f"NUL character at offset {text.index(chr(0))}", "ISA", code="6")
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise X12Error("the file is empty", "ISA", code=SEGMENT_MANDATORY_MISSING)
    found: list[Interchange] = []
    while text:
        seps = separators_of(text)
        segments, text = _until_iea(text, seps)
        found.append(_interchange(segments, seps))
        text = text.lstrip(" \t\r\n")
    return found


def _until_iea(text: str, seps: Separators) -> tuple[list[Segment], str]:
    """The segments of the interchange at the start of ``text``, and the text after it."""
    segments: list[Segment] = []
    start = 0
    while start < len(text):
        stop = text.find(seps.segment, start)
        raw = text[start : len(text) if stop < 0 else stop].strip("\r\n \t")
        start = len(text) if stop < 0 else stop + 1
        if raw:
            tag, *elements = raw.split(seps.element)
            segments.append(Segment(tag.strip(), tuple(elements)))
            if segments[-1].tag == "IEA":
                return segments, text[start:]
    raise X12Error("the interchange has no IEA trailer", "IEA", code=SEGMENT_MANDATORY_MISSING)


def _interchange(segments: list[Segment], seps: Separators) -> Interchange:
    isa = segments[0]
    ic = Interchange(
        seps,
        isa.get(5).strip(),
        isa.get(6).strip(),
        isa.get(7).strip(),
        isa.get(8).strip(),
        isa.get(9),
        isa.get(10),
        isa.get(12),
        isa.get(13),
        isa.get(15),
    )
    group: Group | None = None
    current: TransactionSet | None = None
    for seg in segments[1:]:
        if seg.tag == "GS":
            group = Group(seg.get(1), seg.get(2), seg.get(3), seg.get(6), seg.get(8))
            ic.groups.append(group)
        elif seg.tag == "ST":
            if group is None:
                ic.errors.append(X12Error("ST outside a functional group", "ST", code="2"))
                continue
            current = TransactionSet(seg.get(1), seg.get(2), [])
            group.sets.append(current)
        elif seg.tag == "SE":
            if current is None or group is None:
                ic.errors.append(X12Error("SE without ST", "SE", code="2"))
                continue
            _check_se(current, seg, group)
            current = None
        elif seg.tag == "GE":
            if group is None:
                ic.errors.append(X12Error("GE without GS", "GE", code="2"))
                continue
            if current is not None:
                group.errors.append(_set_error(current, group, "SE trailer missing", "2"))
                current = None
            _check_ge(ic, group, seg)
            group = None
        elif seg.tag == "IEA":
            _check_iea(ic, seg)
        elif current is not None:
            pos = len(current.segments) + 2  # ST is 1
            current.segments.append(Segment(seg.tag, seg.elements, pos))
        else:
            ic.errors.append(X12Error(f"segment {seg.tag} outside a transaction set", seg.tag))
    return ic


def _set_error(ts: TransactionSet, group: Group, message: str, code: str) -> X12Error:
    return X12Error(message, "SE", code=code, set_control=ts.control, group_control=group.control)


def _check_se(ts: TransactionSet, se: Segment, group: Group) -> None:
    counted = len(ts.segments) + 2
    if se.get(2) != ts.control:
        group.errors.append(
            _set_error(ts, group, f"SE02 {se.get(2)} is not ST02 {ts.control}", "3")
        )
    elif not is_count(se.get(1)) or int(se.get(1)) != counted:
        group.errors.append(
            _set_error(ts, group, f"SE01 says {se.get(1)} segments, the set has {counted}", "4")
        )


def _check_ge(ic: Interchange, group: Group, ge: Segment) -> None:
    if ge.get(2) != group.control:
        ic.errors.append(
            X12Error(f"GE02 {ge.get(2)} is not GS06 {group.control}", "GE", element=2, code="4")
        )
    if not is_count(ge.get(1)) or int(ge.get(1)) != len(group.sets):
        ic.errors.append(
            X12Error(
                f"GE01 says {ge.get(1)} transaction sets, the group has {len(group.sets)}",
                "GE",
                element=1,
                code="5",
                group_control=group.control,
            )
        )


def _check_iea(ic: Interchange, iea: Segment) -> None:
    if iea.get(2) != ic.control:
        ic.errors.append(X12Error(f"IEA02 {iea.get(2)} is not ISA13 {ic.control}", "IEA", 0, 2))
    if not is_count(iea.get(1)) or int(iea.get(1)) != len(ic.groups):
        ic.errors.append(
            X12Error(f"IEA01 says {iea.get(1)} groups, there are {len(ic.groups)}", "IEA", 0, 1)
        )


# --- writing ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who and what an outbound interchange is; control numbers come from the partner."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    gs_sender: str
    gs_receiver: str
    interchange_control: int
    group_control: int
    date: str  # YYYYMMDD
    time: str  # HHMM
    usage: str = "P"
    version: str = "004010"


def write_interchange(
    env: Envelope,
    functional_id: str,
    sets: Iterable[tuple[str, int, list[list[str]]]],
    seps: Separators = Separators(),
) -> str:
    """One interchange with one group. ``sets``: (ST01, ST02, segments as element lists,
    each starting with the tag, ST and SE excluded). Counts are computed, never given."""
    e, t = seps.element, seps.segment + "\n"

    def line(elements: list[str]) -> str:
        for value in elements:
            if seps.element in value or seps.segment in value or seps.component in value:
                raise X12Error(f"value {value!r} contains a separator", elements[0])
        return e.join(elements).rstrip(e) + t

    isa = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        env.sender_qualifier.ljust(2),
        env.sender_id.ljust(15)[:15],
        env.receiver_qualifier.ljust(2),
        env.receiver_id.ljust(15)[:15],
        env.date[2:],
        env.time,
        "U",
        "00401",
        f"{env.interchange_control:09d}",
        "0",
        env.usage,
        seps.component,
    ]
    out = [e.join(isa) + t]
    gs = ["GS", functional_id, env.gs_sender, env.gs_receiver, env.date, env.time]
    out.append(line([*gs, str(env.group_control), "X", env.version]))
    count = 0
    for set_id, control, segments in sets:
        count += 1
        st_control = f"{control:04d}"
        out.append(line(["ST", set_id, st_control]))
        out.extend(line(s) for s in segments)
        out.append(line(["SE", str(len(segments) + 2), st_control]))
    out.append(line(["GE", str(count), str(env.group_control)]))
    out.append(line(["IEA", "1", f"{env.interchange_control:09d}"]))
    return "".join(out)
