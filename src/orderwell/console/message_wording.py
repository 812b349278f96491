"""Settings > message templates: the shop writes its own wording of a customer message.

The page shows the wording in use (the shop's, or the package's to start from), a preview
rendered with a made-up order, and the form. A wording that cannot render comes back on
the same page with what was typed and the error, not lost in a redirect.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import InvalidInput
from orderwell.outbound.message_render import MESSAGE_KINDS, Wording, render_message
from orderwell.outbound.message_samples import SAMPLE_BRAND, sample_context
from orderwell.outbound.message_templates import (
    WordingIn,
    reset_wording,
    save_wording,
    wording_of,
)

router = APIRouter(prefix="/settings/messages")

# The preview is the e-mail's own HTML: inline styles and remote images allowed, no script,
# framed only by the console itself.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _screen(visit: Visit, kind: str, **extra: Any) -> HTMLResponse:
    with visit.db.read() as conn:
        current = wording_of(conn, kind)
    shown: Wording = extra.pop("typed", None) or current.wording
    preview = None
    if "error" not in extra:
        preview = render_message(kind, sample_context(kind), SAMPLE_BRAND, current.wording)
    return visit.render(
        "message.html",
        status_code=422 if "error" in extra else 200,
        kind=kind,
        spec=MESSAGE_KINDS[kind],
        customised=current.customised,
        wording=shown,
        preview=preview,
        **extra,
    )


@router.get("/{kind}", response_class=HTMLResponse)
def message_screen(kind: str, visit: Annotated[Visit, Depends(page("settings:read"))]) -> Response:
    with visit.db.read() as conn:
        wording_of(conn, kind)  # an unknown kind is refused, naming it
    return _screen(visit, kind)


@router.get("/{kind}/preview.html", response_class=HTMLResponse)
def message_preview(kind: str, visit: Annotated[Visit, Depends(page("settings:read"))]) -> Response:
    with visit.db.read() as conn:
        current = wording_of(conn, kind)
    shown = render_message(kind, sample_context(kind), SAMPLE_BRAND, current.wording)
    return HTMLResponse(shown.html, headers={"Content-Security-Policy": PREVIEW_CSP})


@router.post("/{kind}", response_class=HTMLResponse)
def save_message(kind: str, visit: Annotated[Visit, Depends(page("settings:write"))]) -> Response:
    typed = {f: visit.form.get(f, "").replace("\r\n", "\n") for f in WordingIn.model_fields}
    try:
        item = WordingIn.model_validate(typed)
        save_wording(visit.db, kind, item, actor=f"user:{visit.user.username}")
    except InvalidInput as exc:
        return _screen(visit, kind, typed=Wording(**typed), error=exc.message, field=exc.field)
    except ValidationError as exc:  # empty or too long: said on the page, the text kept
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        message = f"{field.replace('_', ' ')}: {first['msg']}"
        return _screen(visit, kind, typed=Wording(**typed), error=message, field=field)
    return done(f"/settings/messages/{kind}", ok=f"The {kind} message now reads as you wrote it")


@router.post("/{kind}/reset")
def reset_message(kind: str, visit: Annotated[Visit, Depends(page("settings:write"))]) -> Response:
    reset_wording(visit.db, kind)
    return done(f"/settings/messages/{kind}", ok=f"The {kind} message is back to Orderwell's")
