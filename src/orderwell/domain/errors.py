"""The one error tree of Orderwell.

Every error a caller can see is an ``OrderwellError`` with a stable ``code`` (part of the
public API: clients switch on it), a message a person understands, the ``field`` at fault
when there is one (a JSON-pointer-like dotted path such as ``lines.2.quantity``) and any
data a caller needs to act on it. ``http/errors.py`` maps each class to one HTTP status.

    OrderwellError
    ├── InvalidInput          422  a value is malformed or out of range
    │   └── UnknownReference  422  names a SKU, warehouse, bin... that does not exist
    ├── NotFound              404  the thing addressed by the URL does not exist
    ├── Conflict              409  the request clashes with the current state
    │   ├── IdempotencyConflict   409  same key or external id, different body
    │   ├── InvalidTransition     409  the lifecycle table does not allow this move
    │   ├── InsufficientStock     409  not enough on hand / available for the change
    │   └── AlreadyDone           409  a second confirm of something done once
    ├── Unauthorized          401  no or bad credentials
    └── Forbidden             403  the role may not do this
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


class Forbidden(OrderwellError):
    code = "forbidden"
    title = "Forbidden"
