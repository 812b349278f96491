"""CSRF checks: every state-changing console request carries a token an attacker's page
cannot read.

- Logged in: the session's token (synchronizer pattern), sent as the ``csrf_token``
  form field or, from htmx, the ``X-CSRF-Token`` header.
- The login form, before any session: a double-submit cookie -- a random value in a
  SameSite=Strict cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
LOGIN_COOKIE = "ow_login_csrf"


class CsrfRefused(Exception):
    """The request had no CSRF token, or the wrong one."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def sent_token(request: Request, form: dict[str, str]) -> str:
    return form.get(FIELD) or request.headers.get(HEADER, "")


def check(expected: str, sent: str) -> None:
    # compare_digest: the time taken does not tell how much of a guess was right.
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused()
