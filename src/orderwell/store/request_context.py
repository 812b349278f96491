"""The id of the HTTP request being served, for the timeline and the logs.

Set by the HTTP layer for each request; read by ``store.timeline`` so every timeline
event says which request made it, and the problem+json answer and the log line carry
the same id. Outside a request (worker, CLI, demo) it is None.
"""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("orderwell_request_id", default=None)
