"""Statuses and event types are named once, in the domain; the code uses the names.

These tests read the source (an AST walk of src/orderwell) so that a status or event
type written as a bare string in a comparison, an assignment or a ``record()`` call fails
here, where it is cheap to fix, instead of silently never matching in production.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orderwell.cli import app
from orderwell.domain import statuses as st
from orderwell.domain.errors import InvalidTransition
from orderwell.domain.events import (
    CATALOGUE,
    TRACKING_EVENTS,
    EventType,
    catalogue_markdown,
    check_event_filter,
)
from orderwell.domain.lifecycle import Bucket, OrderStatus

SRC = Path(__file__).resolve().parents[2] / "src" / "orderwell"
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Where the names are defined (and the migrations, which are history and keep their text).
CATALOGUE_MODULES = {"domain/statuses.py", "domain/events.py", "domain/lifecycle.py"}

STATUS_ENUMS = (
    OrderStatus,
    Bucket,
    st.WaveStatus,
    st.PickListStatus,
    st.PickStatus,
    st.PickScanResult,
    st.ShipmentStatus,
    st.PackageStatus,
    st.TrackingStatus,
    st.ReturnStatus,
    st.PaymentStatus,
    st.DeliveryStatus,
    st.PublicationStatus,
    st.MessageStatus,
)
STATUS_VALUES = {m.value for kind in STATUS_ENUMS for m in kind} | {st.LABEL_VOIDED}
EVENT_VALUES = {e.value for e in EventType}
# Columns, payload keys and variables that hold a status.
STATUS_KEYS = {"status", "tracking_status", "payment_status", "result", "return_status"}
# Wire values that look like a status and are not one: (module, value, why).
NOT_STATUSES = {
    ("app.py", "ok"),  # GET /health answers {"status": "ok"}: the process is up
    ("http/ops_routes.py", "ok"),  # the same answer, where /health now lives
    # The shops' own vocabulary, not Orderwell's: Shopify's financial_status and
    # fulfillment-order status, WooCommerce's order status.
    ("channels/shopify/mapping.py", "authorized"),
    ("channels/shopify/mapping.py", "voided"),
    ("channels/shopify/storefront.py", "open"),
    ("channels/shopify/storefront.py", "in_progress"),
    ("channels/woocommerce/storefront.py", "cancelled"),
}


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in CATALOGUE_MODULES or rel.startswith("store/migrations/"):
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"))


def _strings(node: ast.AST) -> Iterator[ast.Constant]:
    """String constants at ``node`` or directly inside a tuple/list/set literal there."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for item in node.elts:
            yield from _strings(item)


def _names_a_status(node: ast.AST) -> bool:
    """``x.status``, ``row["result"]``, ``payment_status``... anywhere in the expression."""
    for sub in ast.walk(node):
        name = (
            sub.attr
            if isinstance(sub, ast.Attribute)
            else sub.id
            if isinstance(sub, ast.Name)
            else sub.value
            if isinstance(sub, ast.Constant)
            else None
        )
        if isinstance(name, str) and name in STATUS_KEYS:
            return True
    return False


def _status_places(tree: ast.Module) -> Iterator[ast.Constant]:
    """Constants used as a status: compared with one, assigned to a status column or key."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = (node.left, *node.comparators)
            if any(_names_a_status(side) for side in sides):
                for side in sides:
                    yield from _strings(side)
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in STATUS_KEYS:
                    yield from _strings(kw.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in STATUS_KEYS:
                    yield from _strings(value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if node.value is not None and names & {"status", "STATUSES"}:
                yield from _strings(node.value)


def test_no_status_string_outside_the_enums() -> None:
    found = [
        f"{rel}:{c.lineno} {c.value!r}"
        for rel, tree in _modules()
        for c in _status_places(tree)
        if c.value in STATUS_VALUES and (rel, c.value) not in NOT_STATUSES
    ]
    assert found == [], "use the enums of domain/statuses.py or domain/lifecycle.py"


def test_no_event_type_string_outside_the_catalogue() -> None:
    # Event names are dotted and distinctive: any constant equal to one is a copy.
    found = [
        f"{rel}:{node.lineno} {node.value!r}"
        for rel, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in EVENT_VALUES
    ]
    assert found == [], "use EventType of domain/events.py"


def test_record_and_publish_take_a_catalogue_member() -> None:
    """No event type is built from pieces (f"order.{x}") where record() is called."""
    found = []
    for rel, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id in {"record", "publish_event"} and len(node.args) >= 3:
                arg = node.args[2] if node.func.id == "record" else node.args[1]
                if isinstance(arg, ast.JoinedStr | ast.Constant | ast.BinOp):
                    found.append(f"{rel}:{node.lineno}")
    assert found == []


def test_the_scan_would_catch_a_literal() -> None:
    tree = ast.parse(
        "if ship.status == 'labelled': pass\n"
        "q = t.update().values(status='done')\n"
        "row = {'status': 'pending'}\n"
        "ok = pick.status in ('open', 'short')\n"
        "if kind == 'shipped': pass\n"  # a message kind, not a status: not flagged
    )
    found = sorted(c.value for c in _status_places(tree))
    assert found == ["done", "labelled", "open", "pending", "short"]


def test_every_event_type_is_in_the_catalogue_with_a_meaning() -> None:
    assert set(CATALOGUE) == set(EventType)
    for event, info in CATALOGUE.items():
        assert info.meaning and info.area, event
        family, _, name = event.value.partition(".")
        assert family and name, event


def test_every_tracking_status_records_an_event() -> None:
    assert set(TRACKING_EVENTS) == set(st.TrackingStatus)
    for status, event in TRACKING_EVENTS.items():
        assert event.value == f"order.{status.value}"  # the wire names carriers' scans had


def test_every_payment_kind_records_its_event() -> None:
    from orderwell.aftersale.payment_rules import PAYMENT_EVENTS, PaymentKind

    assert {k: e.value for k, e in PAYMENT_EVENTS.items()} == {
        k: f"payment.{k.value}" for k in PaymentKind
    }


@pytest.mark.parametrize("wanted", ["*", "order.placed", "order.*", "return.*", "refund.issued"])
def test_subscription_filters_that_name_events(wanted: str) -> None:
    assert check_event_filter(wanted)


@pytest.mark.parametrize(
    "wanted", ["order.placd", "orders.*", "order", "Bad Type", "*.placed", "order.placed.*", ""]
)
def test_subscription_filters_that_name_nothing(wanted: str) -> None:
    assert not check_event_filter(wanted)


def test_docs_events_md_is_generated_from_the_code() -> None:
    committed = (DOCS / "events.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(), "run: orderwell docs events -o docs/events.md"
    for event in EventType:
        assert f"`{event.value}`" in committed


def test_docs_events_command_checks_and_writes(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "events.md"
    assert runner.invoke(app, ["docs", "events", "-o", str(out), "--check"]).exit_code == 1
    assert runner.invoke(app, ["docs", "events", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == catalogue_markdown()
    assert runner.invoke(app, ["docs", "events", "-o", str(out), "--check"]).exit_code == 0
    printed = runner.invoke(app, ["docs", "events"])
    assert printed.exit_code == 0 and printed.output == catalogue_markdown()


MOVE_TABLES = [
    (st.WAVE_MOVES, st.WaveStatus),
    (st.PICK_LIST_MOVES, st.PickListStatus),
    (st.PICK_MOVES, st.PickStatus),
    (st.SHIPMENT_MOVES, st.ShipmentStatus),
    (st.PACKAGE_MOVES, st.PackageStatus),
    (st.DELIVERY_MOVES, st.DeliveryStatus),
    (st.PUBLICATION_MOVES, st.PublicationStatus),
    (st.MESSAGE_MOVES, st.MessageStatus),
]


@pytest.mark.parametrize(("moves", "kind"), MOVE_TABLES)
def test_move_tables_name_only_their_own_statuses(moves: dict, kind: type) -> None:
    for (source, target), why in moves.items():
        assert isinstance(source, kind) and isinstance(target, kind) and why


def test_check_status_move_allows_the_table_and_refuses_the_rest() -> None:
    S = st.ShipmentStatus
    assert st.check_status_move(st.SHIPMENT_MOVES, "shipment", "labelled", S.SHIPPED) is S.SHIPPED
    with pytest.raises(InvalidTransition) as refused:
        st.check_status_move(st.SHIPMENT_MOVES, "shipment", S.PACKING, S.SHIPPED)
    assert refused.value.code == "invalid_transition"
    assert refused.value.data["allowed_to"] == ["cancelled", "packed"]
    with pytest.raises(InvalidTransition):  # nothing leaves a delivered shipment
        st.check_status_move(st.SHIPMENT_MOVES, "shipment", S.DELIVERED, S.CANCELLED)


def test_shipments_in_and_out_of_the_building_cover_every_status_once() -> None:
    S = st.ShipmentStatus
    assert set(st.UNSHIPPED) | set(st.LEFT_BUILDING) | {S.CANCELLED} == set(S)
    assert not set(st.UNSHIPPED) & set(st.LEFT_BUILDING)


def test_work_rows_share_one_pending_value() -> None:
    # outbound/claims.py claims every work table with one WHERE status = 'pending'.
    assert st.DeliveryStatus.PENDING == st.MessageStatus.PENDING == st.PublicationStatus.PENDING


def test_check_constraints_keep_the_values_the_migration_wrote() -> None:
    from orderwell.store import tables_outbound as t

    migration = (SRC / "store/migrations/versions/0003_outbound.py").read_text(encoding="utf-8")
    for table in (t.outbox_deliveries, t.stream_publications, t.customer_messages):
        (check,) = [c for c in table.constraints if str(c.name).endswith("status_known")]
        assert str(check.sqltext) in migration, table.name


MOVES_OF: dict[type[StrEnum], Mapping[Any, str]] = {kind: moves for moves, kind in MOVE_TABLES}
KINDS = {kind.__name__: kind for kind in MOVES_OF}


def _member(node: ast.AST) -> StrEnum | None:
    """``ShipmentStatus.PACKED`` -> the member, for the kinds that have a move table."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in KINDS
    ):
        return KINDS[node.value.id][node.attr]
    return None


def _is_status_column(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "status"


def _guarded_moves(tree: ast.AST) -> Iterator[tuple[int, StrEnum, StrEnum]]:
    """(line, from, to) of each ``update ... WHERE status <guard> ... .values(status=to)``."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "values":
            continue
        target = next((_member(kw.value) for kw in node.keywords if kw.arg == "status"), None)
        if target is None:
            continue
        kind = type(target)
        for sub in ast.walk(node.func.value):
            sources: set[StrEnum] = set()
            if isinstance(sub, ast.Compare) and _is_status_column(sub.left):
                member = _member(sub.comparators[0])
                if member is None or type(member) is not kind:
                    continue
                if isinstance(sub.ops[0], ast.Eq):
                    sources = {member}
                elif isinstance(sub.ops[0], ast.NotEq | ast.IsNot):
                    sources = set(kind) - {member}
            elif (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "in_"
                and _is_status_column(sub.func.value)
                and isinstance(sub.args[0], ast.Name)
                and hasattr(st, sub.args[0].id)
            ):
                sources = {m for m in getattr(st, sub.args[0].id) if type(m) is kind}
            for source in sorted(sources):
                yield node.lineno, source, target


def test_every_guarded_status_update_is_a_move_of_its_table() -> None:
    seen, refused = 0, []
    for rel, tree in _modules():
        for line, source, target in _guarded_moves(tree):
            seen += 1
            if (source, target) not in MOVES_OF[type(target)]:
                refused.append(f"{rel}:{line} {type(target).__name__} {source} -> {target}")
    assert refused == [], "add the move to its table in domain/statuses.py, or fix the code"
    assert seen >= 7  # label, ship, deliver, return to sender, pack, close a box, end a wave


def test_the_move_check_would_catch_a_move_the_table_lacks() -> None:
    tree = ast.parse(
        "sa.update(shipments).where(shipments.c.status == ShipmentStatus.DELIVERED)"
        ".values(status=ShipmentStatus.PACKING)\n"
        "sa.update(waves).where(waves.c.status != WaveStatus.DONE).values(status=WaveStatus.DONE)\n"
    )
    S, W = st.ShipmentStatus, st.WaveStatus
    assert list(_guarded_moves(tree)) == [(1, S.DELIVERED, S.PACKING), (2, W.RELEASED, W.DONE)]
