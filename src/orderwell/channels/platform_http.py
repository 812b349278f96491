"""HTTP to a storefront platform: one client per channel with an injectable transport.

A failure says whether trying again later can help (``retry``): transport errors, 5xx
and 429 can (the push stays in the outbox, with the wait the platform asked for); other
4xx cannot, and the push waits for a person (health shows it; retry sends it again).
A short ``Retry-After`` is waited out here, a long one is left to the outbox.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


class PlatformError(Exception):
    def __init__(
        self,
        message: str,
        *,
        retry: bool,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry
        self.status = status
        self.retry_after_s = retry_after_s


def retry_after(response: httpx.Response, default: float = 2.0) -> float:
    try:
        return max(float(response.headers.get("Retry-After", default)), 0.0)
    except ValueError:  # an HTTP date: not sent by these platforms; wait the default
        return default


class PlatformHttp:
    """Requests with the platform's error rules; subclasses add auth and rate limits."""

    name = "platform"
    max_inline_wait_s = 2.0
    attempts = 3

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
            headers={"Accept": "application/json", **(headers or {})},
            auth=auth,
        )
        self.sleep = sleep

    def close(self) -> None:
        self.http.close()

    def before(self) -> None:
        """Called before each request (a rate-limit pause)."""

    def after(self, response: httpx.Response) -> None:
        """Called after each response (to read rate-limit headers)."""

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        for attempt in range(1, self.attempts + 1):
            self.before()
            try:
                response = self.http.request(method, path, json=json, params=params)
            except httpx.HTTPError as exc:
                raise PlatformError(
                    f"{self.name} unreachable: {type(exc).__name__}: {exc}", retry=True
                ) from None
            self.after(response)
            status = response.status_code
            if status == 429:
                wait = retry_after(response)
                if wait <= self.max_inline_wait_s and attempt < self.attempts:
                    self.sleep(wait)
                    continue
                raise PlatformError(
                    f"{self.name} rate limit: 429, retry after {wait:g}s",
                    retry=True,
                    status=429,
                    retry_after_s=wait,
                )
            if status >= 400:
                raise PlatformError(
                    f"{self.name} answered {status} to {method} {path}: {response.text[:200]}",
                    retry=status >= 500 or status == 408,
                    status=status,
                )
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")
