"""Signing in: credentials, short-lived access tokens and rotating refresh tokens."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Uuid, bindparam, func, true, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.auth import RefreshToken, TokenPair
from models.base import utcnow
from models.residents import Resident, ResidentStatus
from services.errors import Unauthenticated
from services.passwords import PasswordHasher

_ALGORITHM = "HS256"
_ISSUER = "kith"


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta


class RefreshTokenReused(Unauthenticated):
    """A spent refresh token came back: its family is revoked, and that must be kept."""

    keeps_changes = True


def _digest(raw_token: str) -> str:
    # Refresh tokens carry 256 random bits, so a plain hash is enough to make a stolen
    # table useless; a slow hash would only slow every refresh.
    return hashlib.sha256(raw_token.encode()).hexdigest()


async def authenticate(
    session: AsyncSession, hasher: PasswordHasher, email: str, password: str
) -> Resident:
    """The resident these credentials belong to; unknown email and wrong password look alike."""
    resident = (
        await session.exec(select(Resident).where(Resident.email == email.strip().lower()))
    ).first()
    if resident is not None and (
        resident.status == ResidentStatus.erased or not resident.password_hash
    ):
        resident = None  # erased, or assisted by a connector: no sign-in of their own
    matched, rehashed = await hasher.verify_and_update(
        password, resident.password_hash if resident else None
    )
    if resident is None or not matched:
        raise Unauthenticated("The email or password is not right.")
    if resident.status != ResidentStatus.active:
        raise Unauthenticated("This account is suspended. A community connector can help.")
    if rehashed is not None:
        # The argon2 cost was raised since this password was set: bring the hash up to it.
        resident.password_hash = rehashed
        session.add(resident)
    return resident


def _access_token(settings: TokenSettings, resident_id: uuid.UUID, family_id: uuid.UUID) -> str:
    now = utcnow()
    claims = {
        "sub": str(resident_id),
        "fam": str(family_id),
        "iss": _ISSUER,
        "iat": now,
        "exp": now + settings.access_ttl,
    }
    return jwt.encode(claims, settings.secret, algorithm=_ALGORITHM)


async def issue_tokens(
    session: AsyncSession,
    settings: TokenSettings,
    resident_id: uuid.UUID,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    """A new access token and the next refresh token of `family_id` (a new family if None)."""
    family_id = family_id or uuid.uuid4()
    raw = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            family_id=family_id,
            resident_id=resident_id,
            token_hash=_digest(raw),
            expires_at=utcnow() + settings.refresh_ttl,
        )
    )
    await session.flush()
    return TokenPair(
        access_token=_access_token(settings, resident_id, family_id),
        expires_in=int(settings.access_ttl.total_seconds()),
        refresh_token=raw,
    )


async def _find(session: AsyncSession, raw_token: str) -> RefreshToken | None:
    found = await session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == _digest(raw_token))
    )
    return found.first()


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id)
        .where(col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def refresh(session: AsyncSession, settings: TokenSettings, raw_token: str) -> TokenPair:
    """Spend a refresh token for a new pair. A second spend revokes the whole family."""
    token = (
        await session.exec(
            select(RefreshToken).where(RefreshToken.token_hash == _digest(raw_token))
        )
    ).first()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthenticated("This refresh token is not valid. Sign in again.")
    # Claimed with a conditional update, so two concurrent refreshes cannot both win; the
    # revocation condition is re-checked under the row lock, after a racing revocation.
    claimed = await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.id) == token.id)
        .where(col(RefreshToken.used_at).is_(None))
        .where(col(RefreshToken.revoked_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        await _revoke_family(session, token.family_id)
        raise RefreshTokenReused(
            "This refresh token was already used, so this sign-in has been ended on every "
            "device. Sign in again."
        )
    if not await _family_live(session, token.family_id, token.resident_id):
        raise Unauthenticated("This sign-in has ended. Sign in again.")
    resident = await session.get(Resident, token.resident_id)
    if resident is None or resident.status != ResidentStatus.active:
        raise Unauthenticated("This account cannot sign in.")
    return await issue_tokens(session, settings, resident.id, token.family_id)


def _family_is_live(links: int, revoked: int) -> bool:
    """A sign-in lives while it has links and none of them was ever revoked.

    "Any revoked link ends the family" (rather than "some link is unrevoked") matters under
    races: a link issued by a refresh that committed just after a revocation is still dead.
    """
    return links > 0 and revoked == 0


async def _family_live(session: AsyncSession, family_id: uuid.UUID, resident_id: uuid.UUID) -> bool:
    counts = await session.exec(
        select(func.count(), func.count(col(RefreshToken.revoked_at)))
        .where(RefreshToken.family_id == family_id)
        .where(RefreshToken.resident_id == resident_id)
    )
    links, revoked = counts.one()
    return _family_is_live(links, revoked)


async def signed_in_at(session: AsyncSession, family_id: uuid.UUID) -> datetime | None:
    """When this sign-in began: the password was given then. Its first link is kept while
    the family lives (a spent link must stay, or a replay of it would go unnoticed)."""
    started = await session.exec(
        select(func.min(RefreshToken.created_at)).where(RefreshToken.family_id == family_id)
    )
    return started.one()


async def logout(session: AsyncSession, raw_token: str) -> None:
    """End the sign-in that this refresh token belongs to. Unknown tokens are ignored."""
    token = (
        await session.exec(
            select(RefreshToken).where(RefreshToken.token_hash == _digest(raw_token))
        )
    ).first()
    if token is not None:
        await _revoke_family(session, token.family_id)


def access_token_subject(settings: TokenSettings, access_token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The resident and sign-in (family) a genuine, unexpired access token names. Reads no
    database, so whether that sign-in has since ended is `signed_in_resident`'s to check."""
    try:
        claims = jwt.decode(
            access_token,
            settings.secret,
            algorithms=[_ALGORITHM],
            issuer=_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "fam"]},
        )
        # str() first: a claim of another JSON type is a malformed id, not a crash.
        return uuid.UUID(str(claims["sub"])), uuid.UUID(str(claims["fam"]))
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthenticated("The access token is missing, expired or not valid.") from exc


async def signed_in_resident(
    session: AsyncSession, settings: TokenSettings, access_token: str
) -> Resident:
    """The active resident an access token speaks for, if its sign-in has not been ended.

    Checking the sign-in's family costs one indexed lookup per request; it is what makes
    "sign out" and a detected token replay take effect at once rather than at expiry.
    """
    resident_id, family_id = access_token_subject(settings, access_token)
    found = (
        await session.exec(
            _SIGNED_IN_RESIDENT, params={"resident": resident_id, "family": family_id}
        )
    ).first()
    if found is None or not _family_is_live(found[1], found[2]):
        raise Unauthenticated("This sign-in has ended. Sign in again.")
    resident: Resident = found[0]
    if resident.status != ResidentStatus.active:
        raise Unauthenticated("This account cannot use Kith right now.")
    return resident


def _signed_in_resident() -> Any:
    """Every request's one query: the resident, with their sign-in family's link and
    revocation counts (built once; the ids are bound per call)."""
    resident, family = bindparam("resident", type_=Uuid()), bindparam("family", type_=Uuid())
    counts = (
        select(
            func.count().label("links"), func.count(col(RefreshToken.revoked_at)).label("revoked")
        )
        .where(RefreshToken.family_id == family, RefreshToken.resident_id == resident)
        .subquery()
    )
    # Joined on true: the counts are one row, beside the one resident.
    return (
        select(Resident, counts.c.links, counts.c.revoked)
        .join(counts, true())
        .where(Resident.id == resident)
    )


_SIGNED_IN_RESIDENT = _signed_in_resident()
