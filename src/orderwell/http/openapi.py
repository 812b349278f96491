"""The OpenAPI document as the API really behaves, built once per app.

FastAPI documents what it validates itself. Two things it cannot know are added here:

- errors: every operation gets the error statuses it can answer (``problems.statuses_of``
  plus what the route declares in ``responses=``), each as ``application/problem+json``
  with the ``Problem`` schema; FastAPI's own 422 ``HTTPValidationError``, which our
  handler never sends, is replaced by the same problem;
- raw bodies: a route that reads its body itself (CSV or JSON, a carrier's webhook)
  documents it with ``openapi_extra=raw_body(...)``, whose models land in components.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from orderwell.http.problems import ERROR_STATUSES, PROBLEM_JSON, Problem, statuses_of

_REF = "#/components/schemas/{model}"
# Models named by raw_body(); registered as routes are declared, added to components.
_BODY_MODELS: dict[str, Any] = {}


def raw_body(content: dict[str, Any], description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that parses its own body: ``content`` maps a media
    type to a model (a TypedDict or pydantic class), ``list[model]``, or a JSON Schema."""
    documented: dict[str, Any] = {}
    for media_type, shape in content.items():
        if isinstance(shape, dict):
            schema = shape
        elif getattr(shape, "__origin__", None) is list:
            (item,) = shape.__args__
            _BODY_MODELS[item.__name__] = item
            schema = {"type": "array", "items": {"$ref": _REF.format(model=item.__name__)}}
        else:
            _BODY_MODELS[shape.__name__] = shape
            schema = {"$ref": _REF.format(model=shape.__name__)}
        documented[media_type] = {"schema": schema}
    return {"requestBody": {"required": True, "description": description, "content": documented}}


def _components(model: Any) -> dict[str, Any]:
    schema = TypeAdapter(model).json_schema(ref_template=_REF)
    defs = schema.pop("$defs", {})
    return {**defs, schema.get("title", model.__name__): schema}


def document(openapi: dict[str, Any]) -> None:
    """Give each operation of ``openapi`` its problem+json error responses, in place."""
    problem = {PROBLEM_JSON: {"schema": {"$ref": _REF.format(model="Problem")}}}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            for status in statuses_of(operation):
                answers.setdefault(str(status), {"description": ERROR_STATUSES[status]})
            for status, answer in answers.items():
                if status.startswith("4"):
                    if "HTTPValidationError" in str(answer.get("content")):
                        answer["description"] = ERROR_STATUSES[422]
                    answer["content"] = problem
            operation["responses"] = dict(sorted(answers.items()))
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    for model in (Problem, *_BODY_MODELS.values()):
        schemas.update(_components(model))


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document. FastAPI caches its document
    and rebuilds it only when the routes change; each build is completed once."""

    def openapi() -> dict[str, Any]:
        schema = FastAPI.openapi(app)
        if "Problem" not in schema.get("components", {}).get("schemas", {}):
            document(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
