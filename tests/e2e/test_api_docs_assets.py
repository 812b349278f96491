"""The docs pages load their scripts from this server, never from a CDN."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_docs_pages_name_no_outside_host(api: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        html = api.get(path).text
        assert "cdn.jsdelivr" not in html and "fonts.googleapis" not in html, path
        assert "/docs-assets/" in html
    assert api.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert api.get("/docs-assets/redoc.standalone.js").status_code == 200
