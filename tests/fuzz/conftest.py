"""The app that schemathesis fuzzes in-process, and the residents it acts as.

Schemathesis calls an ASGI app from an event loop of its own (one thread for the whole run),
so the app opens its connection there, at lifespan startup, and rolls everything back at
shutdown: like the `app` fixture, a fuzz run leaves nothing behind in the test database.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, cast

import h3
import pytest
import requests
import schemathesis
from fastapi import FastAPI
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.python import asgi
from schemathesis.specs.openapi.schemas import OpenApiSchema

from api.app import create_app
from api.db import Database, make_engine, make_sessionmaker
from api.settings import AuthSettings, RateLimitSettings
from tests.conftest import test_settings
from tests.factories import HOME, registration

# Cases per operation, and whether to add schemathesis's coverage phase (boundary values of
# every parameter and property, a few dozen more cases per operation). CI runs the defaults,
# about a minute per database; the long run is
# `KITH_FUZZ_EXAMPLES=100 KITH_FUZZ_COVERAGE=1` (README, "Fuzzing").
FUZZ_EXAMPLES = int(os.environ.get("KITH_FUZZ_EXAMPLES", "10"))
FUZZ_COVERAGE = os.environ.get("KITH_FUZZ_COVERAGE", "") == "1"

# A neighbour about 1 km away: in reach of HOME's posts, never in its cell.
NEAR = {"lat": HOME["lat"] + 0.007, "lon": HOME["lon"] + 0.009}

# Fuzzing makes thousands of requests a minute as one resident from one address.
UNLIMITED = RateLimitSettings(**dict.fromkeys(RateLimitSettings.model_fields, "1000000/minute"))


class OneCellGeocoder:
    """Stands in for Nominatim: a test never leaves the machine. Every address is in the
    cell around HOME."""

    async def cell_of(self, address: str, resolution: int) -> str:
        return str(h3.latlng_to_cell(HOME["lat"], HOME["lon"], resolution))


@dataclass
class Resident:
    id: str
    email: str
    home_cell: str
    headers: dict[str, str]


def rolled_back_app(database_url: str) -> FastAPI:
    """The app as the `app` fixture builds it, but bound to its connection inside whatever
    event loop starts its lifespan."""
    settings = test_settings(
        database_url,
        rate_limits=UNLIMITED,
        # A long run outlives the default 15 minutes of an access token.
        auth=AuthSettings(argon2_time_cost=1, argon2_memory_kib=1024, access_ttl_s=86_400),
    )
    engine = make_engine(database_url)
    database = Database(engine=engine, sessionmaker=make_sessionmaker(engine))
    app = create_app(settings, database=database)
    app.state.geocoder = OneCellGeocoder()
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with engine.connect() as connection:
            transaction = await connection.begin()
            # Each request's commit becomes a SAVEPOINT release inside this transaction.
            database.sessionmaker = make_sessionmaker(
                connection, join_transaction_mode="create_savepoint"
            )
            try:
                async with serve(app) as state:
                    yield state
            finally:
                await transaction.rollback()
        await engine.dispose()

    app.router.lifespan_context = lifespan
    return app


@pytest.fixture
def fuzz_app(database_url: str) -> Iterator[FastAPI]:
    """One per test: schemathesis ends the lifespans of the ASGI apps it called when each
    test ends (rolling this one's transaction back), before any fixture's teardown."""
    app = rolled_back_app(database_url)
    try:
        yield app
    finally:
        asgi.shutdown_lifespans()  # already done, unless the test failed before any call


def client_for(app: FastAPI) -> asgi.ASGIClient:
    """A requests session that calls the app in schemathesis's own event loop."""
    return asgi.get_client(cast(Any, app))  # FastAPI's ASGI signature, spelled differently


def sign_up(client: requests.Session, home: dict[str, float], name: str) -> Resident:
    body: dict[str, Any] = registration(display_name=name, home=home)
    created = client.post("/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    tokens = client.post(
        "/v1/auth/token", data={"username": body["email"], "password": body["password"]}
    )
    assert tokens.status_code == 200, tokens.text
    return Resident(
        id=created.json()["id"],
        email=str(body["email"]),
        home_cell=created.json()["home_cell"],
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
    )


@pytest.fixture
def resident(fuzz_app: FastAPI) -> Resident:
    """A resident with a home, signed in."""
    with client_for(fuzz_app) as client:
        return sign_up(client, HOME, "Ash")


@pytest.fixture
def residents(fuzz_app: FastAPI) -> tuple[Resident, Resident]:
    """Two neighbours in reach of each other, with their homes set, signed in."""
    with client_for(fuzz_app) as client:
        return sign_up(client, HOME, "Ash"), sign_up(client, NEAR, "Bo")


# Signing in answers 401 to credentials that do not work; any other operation answering
# 401 means the fuzzing resident lost their sign-in, and the rest of the run would test
# nothing but that. Nor may the rate limits (`UNLIMITED`) refuse anything, except the
# streams one resident may hold open at once.
SIGN_IN_OPERATIONS = {"POST /v1/auth/token", "POST /v1/auth/refresh"}
STREAM = "/v1/notifications/stream"


def assert_still_signed_in(case: Case[Any], response: Response) -> None:
    if case.operation.label not in SIGN_IN_OPERATIONS:
        assert response.status_code != 401, f"signed out by now: {response.text}"
    if case.operation.path != STREAM:
        assert response.status_code != 429, f"rate limited: {response.text}"


def timeout_for(case: Case[Any]) -> float:
    """The notification stream never ends by itself: a case takes what it sent in a
    second or two. Anything else has schemathesis's default ten seconds."""
    return 2 if case.operation.path == STREAM else 10


def load_schema() -> OpenApiSchema:
    """The app's own OpenAPI document (the app is only asked for it: nothing runs), set up
    for fuzzing; each test names the app that answers (`fuzz_app`)."""
    document = create_app(test_settings("sqlite+aiosqlite://")).openapi()
    schema = schemathesis.openapi.from_dict(document)
    # The credentials are the residents' own (`residents`); invented ones only get 401s.
    schema.config.generation.update(max_examples=FUZZ_EXAMPLES, with_security_parameters=False)
    phases = ["examples", "fuzzing", "stateful"]
    schema.config.phases.update(phases=[*phases, "coverage"] if FUZZ_COVERAGE else phases)
    return schema
