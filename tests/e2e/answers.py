"""Check real answers against what /openapi.json declares for them.

``AnswerCheck`` is installed on the ``api`` client of every HTTP test (tests/e2e/conftest),
so each response any test receives from a documented operation must have a documented
status, a documented content type, and - for JSON - a body that validates against the
declared schema (errors against ``Problem``). A member the schema does not list fails
too: the answers' schemas are closed.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs

# Operations whose SUCCESS answers have no declared schema: none now, every route names its
# answer. test_api_schemas fails if an operation outside this set lacks a schema, or if one
# inside it gains one, so the set can only shrink, and it is empty.
UNTYPED: frozenset[tuple[str, str]] = frozenset()


class AnswerCheck:
    def __init__(self, openapi: dict[str, Any]) -> None:
        self.openapi = openapi
        self.checked = 0
        self._validators: dict[str, Any] = {}
        # Literal paths before templated ones: /products/bulk is not /products/{sku}.
        self._paths = sorted(
            (
                (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p)) + "$"), p)
                for p in openapi["paths"]
            ),
            key=lambda item: item[1].count("{"),
        )

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self._paths:
            operation = self.openapi["paths"][template].get(method.lower())
            if operation is not None and pattern.match(path):
                return template, operation
        return None

    def _validator(self, schema: dict[str, Any]) -> Any:
        key = repr(schema)
        if key not in self._validators:
            root = {**schema, "components": self.openapi["components"]}
            self._validators[key] = jsonschema_rs.validator_for(root)
        return self._validators[key]

    def __call__(self, response: httpx.Response) -> None:
        request = response.request
        found = self.operation(request.method, request.url.path)
        if found is None or request.method == "HEAD":
            return
        template, operation = found
        where = f"{request.method} {template} -> {response.status_code}"
        answer = operation["responses"].get(str(response.status_code))
        if (request.method, template) in UNTYPED:
            return  # not yet described: see UNTYPED
        assert answer is not None, f"{where}: status not documented"
        if response.status_code == 204:
            return
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        content = answer.get("content", {})
        assert media_type in content, f"{where}: {media_type} not documented ({list(content)})"
        schema = content[media_type].get("schema")
        assert schema, f"{where}: no schema for {media_type}"
        if media_type.endswith("json"):
            response.read()
            body = response.json()
            errors = [str(e) for e in self._validator(schema).iter_errors(body)]
            assert not errors, f"{where}: answer does not match its schema:\n" + "\n".join(
                errors[:3]
            )
        self.checked += 1
