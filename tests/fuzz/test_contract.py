"""Every operation, fuzzed in-process as a signed-in resident: valid and invalid input alike
gets no server error, no undocumented status and no response outside its declared schema."""

from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import (
    NEAR,
    Resident,
    assert_still_signed_in,
    client_for,
    load_schema,
    sign_up,
    timeout_for,
)

CONTRACT = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]

# Erasing the account would leave every later case a 401: each gets a resident of its own.
ENDS_THE_ACCOUNT = {"DELETE /v1/me"}

schema = load_schema()


@schema.parametrize()
# One app (and resident) per operation, shared by its cases: what the fixtures are for.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_keeps_its_contract(
    case: Case[Any], fuzz_app: FastAPI, resident: Resident
) -> None:
    headers = dict(resident.headers)  # a copy: the transport adds its own to it
    if case.operation.label in ENDS_THE_ACCOUNT:
        with client_for(fuzz_app) as client:
            headers = sign_up(client, NEAR, "Cy").headers
    response = case.call_and_validate(
        app=fuzz_app, headers=headers, checks=CONTRACT, timeout=timeout_for(case)
    )
    assert_still_signed_in(case, response)
