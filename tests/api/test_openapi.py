"""The committed OpenAPI file is the contract integrators build on; it must not drift."""

import json
import re
from typing import Any

from fastapi import FastAPI
from openapi_spec_validator import validate

from api import openapi

# Ids already published: client generators name methods after them, so they never change.
PUBLISHED_OPERATION_IDS = {
    "auth-register",
    "auth-token",
    "auth-refresh",
    "auth-logout",
    "me-read",
    "me-update",
    "neighbourhoods-create",
    "neighbourhoods-read",
    "neighbourhoods-appoint-connector",
    "neighbourhoods-remove-connector",
    "categories-list-all",
    "offers-create",
    "offers-list-nearby",
    "offers-read",
    "offers-update",
    "offers-withdraw",
    "requests-create",
    "requests-list-nearby",
    "requests-read",
    "requests-update",
    "requests-cancel",
    "trust-block",
    "trust-list-blocks",
    "trust-unblock",
    "trust-ask-to-connect",
    "trust-list-connections",
    "trust-accept-connection",
    "trust-decline-connection",
    "trust-end-connection",
    "trust-vouch",
    "trust-list-vouches",
    "trust-revoke-vouch",
    "residents-read-profile",
    "me-circle",
    "me-export",
    "me-erase",
    "events-create",
    "events-list-occurrences",
    "events-read",
    "events-update",
    "events-cancel",
    "events-cancel-occurrence",
    "events-move-occurrence",
    "events-rsvp",
    "events-attendees",
    "events-check-in-code",
    "events-check-in",
    "events-list-check-ins",
    "events-keep-in-touch",
    "requests-candidates",
    "matches-propose",
    "matches-list-matches",
    "matches-read",
    "matches-accept",
    "matches-decline",
    "matches-confirm",
    "matches-complete",
    "matches-cancel",
    "matches-thank",
    "matches-disclosures",
    "crisis-plan",
    "crisis-read-plan",
    "crisis-plan-pairs",
    "crisis-commit-plan",
    "moderation-approve-match",
    "moderation-reject-match",
    "audit-list-entries",
    "residents-record-verification",
    "residents-suspend",
    "residents-reinstate",
    "moderation-queue",
    "neighbourhoods-health",
    "neighbourhoods-outreach",
    "assisted-register",
    "assisted-list-assisted",
    "assisted-ask-for-help",
    "assisted-their-matches",
    "assisted-take-step",
    "notifications-inbox",
    "notifications-mark-read",
    "notifications-stream",
    "sync-changes",
    "webhooks-create",
    "webhooks-list-webhooks",
    "webhooks-remove",
    "webhooks-deliveries",
    "api-keys-issue",
    "api-keys-list-keys",
    "api-keys-revoke",
    "devices-register",
    "devices-list-devices",
    "devices-forget",
    "reports-raise-report",
    "reports-list-reports",
    "reports-resolve-report",
    "events-list-hosts",
    "events-invite-host",
    "events-accept-hosting",
    "events-remove-host",
    "events-event-calendar",
    "events-rotate-calendar-feed",
    "events-stop-calendar-feed",
    "events-calendar-feed",
    "ops-healthz",
    "ops-readyz",
    "ops-metrics",
}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


async def test_committed_file_matches_the_app(app: FastAPI) -> None:
    committed = openapi.OPENAPI_PATH.read_text(encoding="utf-8")
    assert committed == openapi.render(app), "run `kith openapi` and commit the result"


def test_the_committed_file_is_a_valid_openapi_document() -> None:
    # What an integrator's code generator reads: it must pass the reference validator.
    validate(json.loads(openapi.OPENAPI_PATH.read_text(encoding="utf-8")))


async def test_operation_ids_are_readable_unique_and_stable(app: FastAPI) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(app.openapi())]

    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", op_id) for op_id in ids), ids
    assert PUBLISHED_OPERATION_IDS <= set(ids)


async def test_every_error_is_documented_as_a_problem(app: FastAPI) -> None:
    for method, path, operation in _operations(app.openapi()):
        assert operation.get("tags"), (method, path)
        assert operation.get("description"), (method, path)
        responses = operation["responses"]
        assert "500" in responses, (method, path)
        if "requestBody" in operation:
            assert "413" in responses, (method, path)
            assert "422" in responses, (method, path)
        for status, response in responses.items():
            if int(status) >= 400 and path not in ("/readyz",):
                assert list(response["content"]) == ["application/problem+json"], (path, status)


async def test_rate_limits_are_declared_wherever_they_apply(app: FastAPI) -> None:
    for method, path, operation in _operations(app.openapi()):
        responses = operation["responses"]
        if path in ("/healthz", "/readyz", "/metrics"):
            assert "429" not in responses, (method, path)
            continue
        assert "Retry-After" in responses["429"]["headers"], (method, path)
        for status, response in responses.items():
            if status.startswith("2"):
                assert {"RateLimit", "RateLimit-Policy"} <= response["headers"].keys(), path


def _unbounded(schema: dict[str, Any], components: dict[str, Any], where: str) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _unbounded(components[name], components, f"{where}->{name}")
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for index, option in enumerate(schema.get(key, [])):
            found += _unbounded(option, components, f"{where}[{index}]")
    kind = schema.get("type")
    if kind == "string" and not ({"maxLength", "enum", "const", "format"} & schema.keys()):
        found.append(where)
    if kind == "array":
        if "maxItems" not in schema:
            found.append(where)
        found += _unbounded(schema.get("items", {}), components, f"{where}[]")
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded(prop, components, f"{where}.{name}")
    return found


async def test_every_input_string_and_list_is_bounded(app: FastAPI) -> None:
    schema = app.openapi()
    components = schema["components"]["schemas"]
    unbounded = []
    for method, path, operation in _operations(schema):
        body = operation.get("requestBody", {}).get("content", {})
        for media in body.values():
            unbounded += _unbounded(media["schema"], components, f"{method} {path}")
    assert unbounded == []
