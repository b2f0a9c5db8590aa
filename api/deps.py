"""The only way routes reach infrastructure: `Annotated` dependency aliases."""

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import BackgroundTasks, Depends, Header, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from api import read_models
from api.db import Database
from api.live import Bus
from api.ratelimit import RateLimiter
from api.settings import Settings
from models.api_keys import ApiKey, Scope
from models.base import utcnow
from models.residents import Resident
from services import api_keys
from services.alerts import Alerting
from services.auth import TokenSettings, signed_in_resident
from services.errors import Forbidden, NotFound, Unauthenticated
from services.geocoding import Geocoder
from services.matching import MatchingWeights
from services.passwords import PasswordHasher
from services.rank_reads import RankReads
from services.trust import TrustSettings
from services.webhook_urls import WebhookPolicy

_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


T = TypeVar("T")


def _state(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency returning the app-wide object create_app put on `app.state.<name>`."""

    def dependency(request: Request) -> T:
        value: T = getattr(request.app.state, name)
        return value

    dependency.__name__ = f"_{name}"
    return dependency


_settings = _state("settings", Settings)
_tokens = _state("tokens", TokenSettings)
_trust = _state("trust", TrustSettings)
_matching = _state("matching", MatchingWeights)
_alerting = _state("alerting", Alerting)
_geocoder = _state("geocoder", Geocoder)
_webhook_policy = _state("webhook_policy", WebhookPolicy)
_hasher = _state("hasher", PasswordHasher)
_limiter = _state("limiter", RateLimiter)
_database = _state("db", Database)
_live = _state("live", Bus)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.db
    reads_only = request.method in ("GET", "HEAD", "OPTIONS")
    async with database.transaction(writes=not reads_only) as session:
        yield session


async def _feed_session(
    request: Request, session: Annotated[AsyncSession, Depends(_session, scope="function")]
) -> AsyncIterator[AsyncSession]:
    """A nearby feed reads the read replica, when there is one. A replica may lag a moment
    behind, which a feed of neighbours' posts can bear; your own posts (`mine=true`), just
    written, are read where they were written."""
    database: Database = request.app.state.db
    if database.replica is None or request.query_params.get("mine") in ("true", "1"):
        yield session
        return
    async with database.replica.transaction(writes=False) as replica_session:
        yield replica_session


async def _writing_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For the few reads that also write (a disclosure logged as it is shown)."""
    database: Database = request.app.state.db
    async with database.transaction(writes=True) as session:
        yield session


def client_address(request: Request) -> str:
    # Behind a proxy, uvicorn's --forwarded-allow-ips makes this the real client's address.
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(_settings)]
TokensDep = Annotated[TokenSettings, Depends(_tokens)]
TrustDep = Annotated[TrustSettings, Depends(_trust)]
MatchingDep = Annotated[MatchingWeights, Depends(_matching)]
AlertingDep = Annotated[Alerting, Depends(_alerting)]
GeocoderDep = Annotated[Geocoder, Depends(_geocoder)]
WebhookPolicyDep = Annotated[WebhookPolicy, Depends(_webhook_policy)]
HasherDep = Annotated[PasswordHasher, Depends(_hasher)]
LimiterDep = Annotated[RateLimiter, Depends(_limiter)]
# For what outlives the request's own transaction (a stream reads in transactions of its own).
DatabaseDep = Annotated[Database, Depends(_database)]
LiveDep = Annotated[Bus, Depends(_live)]
ClientAddress = Annotated[str, Depends(client_address)]
# Ranking's reads from this server's read model, or None: read the database.
ModelReadsDep = Annotated[RankReads | None, Depends(read_models.model_reads)]
# scope="function": the commit happens before the response is sent, so a client never sees
# success for a write that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
WritingSessionDep = Annotated[AsyncSession, Depends(_writing_session, scope="function")]
FeedSessionDep = Annotated[AsyncSession, Depends(_feed_session, scope="function")]


_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An integrator's API key (or send it as a bearer token). It acts as one "
    "account, on the operations its scopes name only.",
)


async def _mark_used(database: Database, key_id: uuid.UUID) -> None:
    async with database.transaction() as session:
        key = await session.get(ApiKey, key_id)
        if key is not None:
            key.last_used_at = utcnow()
            session.add(key)


async def _principal(
    request: Request,
    session: SessionDep,
    tokens: TokensDep,
    background: BackgroundTasks,
    token: Annotated[str | None, Depends(_bearer)],
    key_header: Annotated[str | None, Depends(_api_key)],
) -> Resident:
    """The account a request acts as: signed in with an access token, or through an API key
    (kept on `request.state.api_key` for the scope checks)."""
    request.state.api_key = None
    credential = key_header or token
    if credential is None:
        raise Unauthenticated("Sign in first: send `Authorization: Bearer <access token>`.")
    if not api_keys.looks_like_key(credential):
        return await signed_in_resident(session, tokens, credential)
    resident, key = await api_keys.authenticate(session, credential)
    request.state.api_key = key
    if api_keys.due_for_use_mark(key, utcnow()):
        # After the response, in a transaction of its own: a read stays a read.
        background.add_task(_mark_used, request.app.state.db, key.id)
    return resident


async def _current_resident(
    request: Request, resident: Annotated[Resident, Depends(_principal)]
) -> Resident:
    if request.state.api_key is not None:
        raise Forbidden("API keys work only on the operations their scopes name.")
    return resident


CurrentResident = Annotated[Resident, Depends(_current_resident)]


def _access_token(
    _resident: CurrentResident,
    token: Annotated[str | None, Depends(_bearer)],
    key_header: Annotated[str | None, Depends(_api_key)],
) -> str:
    # The credential _principal accepted, which for a resident is an access token.
    credential = key_header or token
    if credential is None:
        raise Unauthenticated("Sign in first: send `Authorization: Bearer <access token>`.")
    return credential


# A signed-in resident's access token itself, for a stream that checks it again as it goes.
AccessToken = Annotated[str, Depends(_access_token)]


def _scoped(scope: Scope) -> Any:
    async def dependency(
        request: Request, resident: Annotated[Resident, Depends(_principal)]
    ) -> Resident:
        key: ApiKey | None = request.state.api_key
        if key is not None:
            api_keys.require(key, scope)
        return resident

    return dependency


ReadsOffers = Annotated[Resident, Depends(_scoped(Scope.offers_read))]
ReadsRequests = Annotated[Resident, Depends(_scoped(Scope.requests_read))]
WritesRequests = Annotated[Resident, Depends(_scoped(Scope.requests_write))]
ReadsEvents = Annotated[Resident, Depends(_scoped(Scope.events_read))]
ReadsHealth = Annotated[Resident, Depends(_scoped(Scope.health_read))]


def _key_neighbourhood(
    request: Request, _resident: Annotated[Resident, Depends(_principal)]
) -> uuid.UUID | None:
    key: ApiKey | None = request.state.api_key
    return key.neighbourhood_id if key is not None else None


# The neighbourhood an API key is limited to, if the request came with such a key.
KeyNeighbourhood = Annotated[uuid.UUID | None, Depends(_key_neighbourhood)]


async def _admin(resident: CurrentResident) -> Resident:
    # Admin-only operations are invisible to everyone else: 404, not 403.
    if not resident.is_admin:
        raise NotFound("Not found.")
    return resident


CurrentAdmin = Annotated[Resident, Depends(_admin)]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Any unique string (a UUID is ideal). Retrying with the same key returns "
        "the first answer instead of creating twice.",
    ),
]
