"""Stable, readable operation ids, problem+json on every error, and the committed file."""

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.errors import PROBLEM_MEDIA_TYPE, Problem

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def operation_id(route: APIRoute) -> str:
    """`<tag>-<function name>`, e.g. `auth-register`, `neighbourhoods-appoint-connector`.

    Client generators name methods after these, so renaming a route function is a breaking
    change; `tests/api/test_openapi.py` keeps the published ones from drifting.
    """
    tag = str(route.tags[0]) if route.tags else "misc"
    return f"{tag}-{route.name.replace('_', '-')}"


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
    }


def _add_problem_schemas(schema: dict[str, Any]) -> None:
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    # FastAPI's own 422 shape is never sent: validation errors are problems too.
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


_RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": {
        "description": "The quotas this request counted against (draft-ietf-httpapi-ratelimit-"
        'headers), e.g. `"address";q=3600;w=60, "resident";q=600;w=60`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": "The quota nearest to refusing: remaining requests and seconds until it "
        'resets, e.g. `"resident";r=598;t=60`.',
        "schema": {"type": "string"},
    },
}
_RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}


def _declare_rate_limits(schema: dict[str, Any]) -> None:
    """Every operation but the probes and metrics (`ops`) is rate limited: its answers name
    the quotas, and it may answer 429 (api/rate_limits.py)."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if operation.get("tags") == ["ops"]:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {}).update(_RATE_LIMIT_HEADERS)
            too_many = responses.setdefault("429", _problem(429))
            too_many["headers"] = {**_RATE_LIMIT_HEADERS, "Retry-After": _RETRY_AFTER}


def _declare_common_errors(schema: dict[str, Any]) -> None:
    """Errors any operation can meet: 500 and 503 everywhere, 413 wherever a body is accepted,
    and 422 (as a problem, replacing FastAPI's own shape) wherever there is input to validate."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("413", _problem(413))
            if "requestBody" in operation or operation.get("parameters"):
                responses["422"] = _problem(422)
            responses.setdefault("500", _problem(500))
            # The database out of reach (api/db_faults.py): nothing was saved, try again.
            responses.setdefault("503", _problem(503))


def build(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        _add_problem_schemas(schema)
        _declare_common_errors(schema)
        _declare_rate_limits(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def install(app: FastAPI) -> None:
    app.openapi = lambda: build(app)  # type: ignore[method-assign]


def render(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(app: FastAPI, path: Path = OPENAPI_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(app), encoding="utf-8")
    return path
