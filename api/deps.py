"""The only way routes reach infrastructure: `Annotated` dependency aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from api.db import Database
from api.ratelimit import RateLimiter
from api.settings import Settings
from models.residents import Resident
from services.auth import TokenSettings, signed_in_resident
from services.errors import NotFound, Unauthenticated
from services.geocoding import Geocoder
from services.matching import MatchingWeights
from services.passwords import PasswordHasher
from services.trust import TrustSettings
from services.webhook_urls import WebhookPolicy

_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _tokens(request: Request) -> TokenSettings:
    tokens: TokenSettings = request.app.state.tokens
    return tokens


def _trust(request: Request) -> TrustSettings:
    trust: TrustSettings = request.app.state.trust
    return trust


def _matching(request: Request) -> MatchingWeights:
    weights: MatchingWeights = request.app.state.matching
    return weights


def _geocoder(request: Request) -> Geocoder:
    geocoder: Geocoder = request.app.state.geocoder
    return geocoder


def _webhook_policy(request: Request) -> WebhookPolicy:
    policy: WebhookPolicy = request.app.state.webhook_policy
    return policy


def _hasher(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.hasher
    return hasher


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.db
    reads_only = request.method in ("GET", "HEAD", "OPTIONS")
    async with database.transaction(writes=not reads_only) as session:
        yield session


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
GeocoderDep = Annotated[Geocoder, Depends(_geocoder)]
WebhookPolicyDep = Annotated[WebhookPolicy, Depends(_webhook_policy)]
HasherDep = Annotated[PasswordHasher, Depends(_hasher)]
LimiterDep = Annotated[RateLimiter, Depends(_limiter)]
ClientAddress = Annotated[str, Depends(client_address)]
# scope="function": the commit happens before the response is sent, so a client never sees
# success for a write that then fails to commit.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
WritingSessionDep = Annotated[AsyncSession, Depends(_writing_session, scope="function")]


async def _current_resident(
    session: SessionDep, tokens: TokensDep, token: Annotated[str | None, Depends(_bearer)]
) -> Resident:
    if token is None:
        raise Unauthenticated("Sign in first: send `Authorization: Bearer <access token>`.")
    return await signed_in_resident(session, tokens, token)


CurrentResident = Annotated[Resident, Depends(_current_resident)]


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
