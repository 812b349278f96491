"""Settings > message templates in the console: read, preview, reword, refuse, reset, on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.store.db import Database
from tests.e2e.console_support import logged_in

PAGE = "/console/settings/messages/shipped"
TEXT = '{% extends "base.txt.j2" %}{% block body %}Ahoy {{ customer_name }}: {{ tracking_number }}{% endblock %}'
HTML = '{% extends "base.html.j2" %}{% block body %}<p>Ahoy {{ customer_name }}</p>{% endblock %}'


def _post(client: TestClient, path: str, token: str, **form: Any) -> Any:
    return client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


def test_a_manager_rewords_a_message_sees_it_previewed_and_resets_it(
    db: Database, api: TestClient
) -> None:
    token = logged_in(api, db, Role.MANAGER)
    assert f'href="{PAGE}"' in api.get("/console/settings").text
    before = api.get(PAGE)
    assert before.status_code == 200
    assert "Your order K-100234 is on its way" in before.text  # previewed with a made-up order
    assert "The wording Orderwell ships with." in before.text

    bad = _post(
        api, PAGE, token, subject="On its way", text_body="{{ parcel_colour }}", html_body=HTML
    )
    assert bad.status_code == 422
    assert "parcel_colour" in bad.text and 'aria-invalid="true"' in bad.text
    assert "{{ parcel_colour }}" in bad.text  # what was typed is still there to fix

    empty = _post(api, PAGE, token, subject="", text_body=TEXT, html_body=HTML)
    assert empty.status_code == 422 and "subject: String should have at least 1" in empty.text
    assert "Ahoy {{ customer_name }}" in empty.text  # the bodies typed are kept

    good = _post(
        api, PAGE, token, subject="Ahoy! {{ order_number }}", text_body=TEXT, html_body=HTML
    )
    assert good.status_code == 303
    page = api.get(PAGE).text
    assert "Ahoy! K-100234" in page and "Ahoy Ana Souza: JD014600003" in page
    assert "the shop&#39;s own" in api.get("/console/settings").text
    preview = api.get(PAGE + "/preview.html")
    assert "<p>Ahoy Ana Souza</p>" in preview.text
    assert "script-src" not in preview.headers["content-security-policy"]
    assert "default-src 'none'" in preview.headers["content-security-policy"]

    assert _post(api, PAGE + "/reset", token).status_code == 303
    assert "Your order K-100234 is on its way" in api.get(PAGE).text


def test_only_those_who_may_change_settings_reword_and_never_without_csrf(
    db: Database, api: TestClient
) -> None:
    logged_in(api, db, Role.MANAGER)
    form = {"subject": "x", "text_body": TEXT, "html_body": HTML}
    assert api.post(PAGE, data=form, follow_redirects=False).status_code == 403  # no CSRF
    wes = logged_in(api, db, Role.WAREHOUSE, name="wes")
    assert _post(api, PAGE, wes, **form).status_code == 403
    assert api.get(PAGE, follow_redirects=False).status_code == 403
