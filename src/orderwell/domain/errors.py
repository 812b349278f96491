"""The one error tree of Orderwell.

Every error a caller can see is an ``OrderwellError`` with a stable ``code`` (part of the
public API: clients switch on it), a message a person understands, the ``field`` at fault
when there is one (a JSON-pointer-like dotted path such as ``lines.2.quantity``) and any
data a caller needs to act on it. ``http/errors.py`` maps each class to one HTTP status.

    OrderwellError
    ├── InvalidInput          422  a value is malformed or out of range
    │   ├── UnknownReference  422  names a SKU, warehouse, bin... that does not exist
    │   ├── MalformedJson     400  the body is not JSON at all
    │   ├── UnsupportedMediaType 415  the body was not sent as JSON
    │   ├── WrongBin, WrongProduct, OverPick     a scan that does not match its pick
    │   └── NotShipped, ReturnWindowExpired, ReturnQuantityExceeded   a return request
    ├── NotFound              404  the thing addressed by the URL does not exist
    ├── Conflict              409  the request clashes with the current state
    │   ├── IdempotencyConflict   409  same key or external id, different body
    │   ├── InvalidTransition     409  the lifecycle table does not allow this move
    │   ├── InsufficientStock     409  not enough on hand / available for the change
    │   ├── AlreadyDone           409  a second confirm of something done once
    │   ├── WrongPickList, OrderOnHold, PartialShipmentNotAllowed, NothingToPack,
    │   │   ExtraUnit, PackageOpen, PackageContentsMismatch, NoCarrierService,
    │   │   NothingToManifest      the warehouse floor
    │   ├── RefundExceedsCapture, VoidExceedsAuthorization, CaptureExceedsTotal,
    │   │   ReturnExchanged        money after the sale
    │   └── NotConnected          the event stream publisher has no connection
    ├── Unauthorized          401  no or bad credentials
    └── Forbidden             403  the role may not do this

A few codes are answered by the HTTP layer itself, for requests that never reach a use
case (no route, wrong method, body too large, a bug); they are registered in
:data:`HTTP_CODES` so that every code a caller can see is listed here.
:func:`all_codes` is the whole list; ``docs/api.md``'s error table documents each one and
a test checks both that and that no code is raised outside this tree.
"""

from __future__ import annotations

from typing import Any


class OrderwellError(Exception):
    code = "error"
    title = "Request failed"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        **data: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        self.data = data

    def __str__(self) -> str:
        where = f" [{self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}"


class InvalidInput(OrderwellError):
    code = "invalid_input"
    title = "Invalid input"


class UnknownReference(InvalidInput):
    code = "unknown_reference"
    title = "Unknown reference"


class NotFound(OrderwellError):
    code = "not_found"
    title = "Not found"


class Conflict(OrderwellError):
    code = "conflict"
    title = "Conflict with current state"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
    title = "Idempotency conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Transition not allowed"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = "Insufficient stock"


class AlreadyDone(Conflict):
    code = "already_done"
    title = "Already done"


class Unauthorized(OrderwellError):
    code = "unauthorized"
    title = "Unauthorized"


class LockedOut(Unauthorized):
    """Too many failed console logins for a username within the lockout window."""

    code = "locked_out"
    title = "Locked out"


class Forbidden(OrderwellError):
    code = "forbidden"
    title = "Forbidden"


class MalformedJson(InvalidInput):
    """The body is not JSON at all; nothing in it could be checked."""

    code = "malformed_json"
    title = "Malformed JSON"


class UnsupportedMediaType(InvalidInput):
    """The body was sent as something other than JSON (say, a form)."""

    code = "unsupported_media_type"
    title = "Unsupported media type"


# The warehouse floor: scans and steps that do not fit what the system expects.


class WrongBin(InvalidInput):
    code = "wrong_bin"
    title = "Wrong bin scanned"


class WrongProduct(InvalidInput):
    code = "wrong_product"
    title = "Wrong product scanned"


class OverPick(InvalidInput):
    code = "over_pick"
    title = "More units scanned than the pick is for"


class WrongPickList(Conflict):
    code = "wrong_pick_list"
    title = "The pick is on another pick list"


class OrderOnHold(Conflict):
    code = "order_on_hold"
    title = "The order is on hold"


class PartialShipmentNotAllowed(Conflict):
    code = "partial_shipment_not_allowed"
    title = "The order may only ship complete"


class NothingToPack(Conflict):
    code = "nothing_to_pack"
    title = "Nothing picked to pack"


class ExtraUnit(Conflict):
    code = "extra_unit"
    title = "More units than the shipment holds"


class PackageOpen(Conflict):
    code = "package_open"
    title = "A package is still open"


class PackageContentsMismatch(Conflict):
    code = "package_contents_mismatch"
    title = "Packages do not hold the shipment's units"


class NoCarrierService(Conflict):
    code = "no_carrier_service"
    title = "No carrier service fits"


class NothingToManifest(Conflict):
    code = "nothing_to_manifest"
    title = "Nothing to put on a manifest"


# After the sale: returns and money.


class NotShipped(InvalidInput):
    code = "not_shipped"
    title = "Nothing has shipped yet"


class ReturnWindowExpired(InvalidInput):
    code = "return_window_expired"
    title = "Return window expired"


class ReturnQuantityExceeded(InvalidInput):
    code = "return_quantity_exceeded"
    title = "More units than can be returned"


class RefundExceedsCapture(Conflict):
    code = "refund_exceeds_capture"
    title = "Refund exceeds what was captured"


class VoidExceedsAuthorization(Conflict):
    code = "void_exceeds_authorization"
    title = "Void exceeds the open authorization"


class CaptureExceedsTotal(Conflict):
    code = "capture_exceeds_total"
    title = "Captures exceed the order total"


class ReturnExchanged(Conflict):
    code = "return_exchanged"
    title = "Return settled by exchange"


class NotConnected(Conflict):
    code = "not_connected"
    title = "Not connected"


# --- sales channels (docs/channels.md, docs/edi.md) ---------------------------------------


class ChannelNotConfigured(Conflict):
    code = "channel_not_configured"
    title = "The channel lacks a setting it needs"


class ChannelExists(Conflict):
    code = "channel_exists"
    title = "A channel of that name exists"


class ChannelDisabled(Conflict):
    code = "channel_disabled"
    title = "The channel is disabled"


class SecretsUnreadable(Conflict):
    code = "secrets_unreadable"
    title = "The channel's secrets cannot be read"


class ChannelKindNotPushed(Conflict):
    code = "channel_kind_not_pushed"
    title = "Orderwell pushes nothing to this kind of channel"


class InvalidInterchange(InvalidInput):
    code = "invalid_interchange"
    title = "Invalid interchange"


# Codes the HTTP layer answers without an exception of ours, with their titles.
HTTP_CODES: dict[str, str] = {
    "method_not_allowed": "Method not allowed",
    "payload_too_large": "Payload too large",
    "internal_error": "Internal error",
    "http_error": "HTTP error",
}


def error_classes() -> list[type[OrderwellError]]:
    """Every class of the tree, parents before children."""
    found: list[type[OrderwellError]] = []
    todo: list[type[OrderwellError]] = [OrderwellError]
    while todo:
        cls = todo.pop(0)
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def all_codes() -> dict[str, str]:
    """Every error code a caller can see, with its title."""
    codes = {cls.code: cls.title for cls in error_classes() if cls is not OrderwellError}
    return codes | HTTP_CODES
