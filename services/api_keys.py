"""Issuing, listing, revoking and checking API keys."""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.api_keys import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyPublic, Scope
from models.base import Page, utcnow
from models.residents import Resident, ResidentStatus
from models.trust import ResidentRef
from services import neighbourhoods
from services.errors import Forbidden, NotFound, Unauthenticated
from services.posts import FeedKey, paginate

KEY_PREFIX = "kith_"
# Recording every use would make every read a write; once a minute is plenty to see use.
LAST_USED_EVERY = timedelta(minutes=1)


def looks_like_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _public(key: ApiKey, acts_as: Resident) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        acts_as=ResidentRef(id=acts_as.id, display_name=acts_as.display_name),
        scopes=key.scopes,
        neighbourhood_id=key.neighbourhood_id,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


async def issue(session: AsyncSession, admin: Resident, data: ApiKeyCreate) -> ApiKeyCreated:
    acts_as = await session.get(Resident, data.resident_id)
    if acts_as is None or acts_as.status != ResidentStatus.active:
        raise NotFound("No such resident.")
    if data.neighbourhood_id is not None:
        await neighbourhoods.get(session, data.neighbourhood_id)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=data.name,
        key_hash=_hash(secret),
        prefix=secret[:12],
        resident_id=acts_as.id,
        scopes=sorted({s.value for s in data.scopes}),
        neighbourhood_id=data.neighbourhood_id,
        created_by=admin.id,
    )
    session.add(key)
    await session.flush()
    return ApiKeyCreated(**_public(key, acts_as).model_dump(), key=secret)


async def listing(session: AsyncSession, cursor: str | None, limit: int) -> Page[ApiKeyPublic]:
    rows = (
        await session.exec(
            select(ApiKey, Resident).join(Resident, col(Resident.id) == ApiKey.resident_id)
        )
    ).all()
    page, next_cursor = paginate(
        ((FeedKey.of(0, k.created_at, k.id), (k, r)) for k, r in rows), cursor, limit
    )
    return Page[ApiKeyPublic](items=[_public(k, r) for k, r in page], next_cursor=next_cursor)


async def revoke(session: AsyncSession, key_id: uuid.UUID) -> None:
    """Safe to repeat; a revoked key stops working at once."""
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("No such API key.")
    key.revoked_at = key.revoked_at or utcnow()
    session.add(key)


async def authenticate(session: AsyncSession, credential: str) -> tuple[Resident, ApiKey]:
    found = (await session.exec(select(ApiKey).where(ApiKey.key_hash == _hash(credential)))).first()
    if found is None or found.revoked_at is not None:
        raise Unauthenticated("This API key is not valid.")
    acts_as = await session.get(Resident, found.resident_id)
    if acts_as is None or acts_as.status != ResidentStatus.active:
        raise Unauthenticated("This API key's account cannot use Kith right now.")
    return acts_as, found


def require(key: ApiKey, scope: Scope) -> None:
    if scope.value not in key.scopes:
        raise Forbidden(f"This API key lacks the `{scope.value}` scope.")


def due_for_use_mark(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is None or key.last_used_at <= now - LAST_USED_EVERY
