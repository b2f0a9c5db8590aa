"""Sign-up, sign-in, token refresh and sign-out."""

import hashlib
from typing import Annotated

from fastapi import APIRouter, Form, status

from api.deps import (
    ClientAddress,
    HasherDep,
    LimiterDep,
    SessionDep,
    SettingsDep,
    TokensDep,
)
from api.errors import problems
from models.auth import PasswordForm, RefreshRequest, TokenPair
from models.residents import MePublic, ResidentCreate
from services import auth, residents

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, 422, 429),
)
async def register(
    data: ResidentCreate,
    session: SessionDep,
    hasher: HasherDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> MePublic:
    """Create an account. Only the H3 cell around `home` is kept; the point itself is dropped."""
    await limiter.hit(settings.rate_limits.register_per_client, "register", client)
    resident = await residents.register(session, hasher, data)
    return await residents.me(session, resident)


@router.post("/token", responses=problems(401, 422, 429))
async def token(
    form: Annotated[PasswordForm, Form()],
    session: SessionDep,
    hasher: HasherDep,
    tokens: TokensDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> TokenPair:
    """Sign in with email (as `username`) and password; starts a new refresh-token family."""
    # Throttled before the password is checked: each check costs ~0.1 s of CPU.
    await limiter.hit(settings.rate_limits.login_per_client, "login-client", client)
    # Keyed by a digest: the limiter's store (Redis) should not hold a list of emails.
    account = hashlib.sha256(form.username.strip().lower().encode()).hexdigest()
    await limiter.hit(settings.rate_limits.login_per_account, "login-account", account)
    resident = await auth.authenticate(session, hasher, form.username, form.password)
    return await auth.issue_tokens(session, tokens, resident.id)


@router.post("/refresh", responses=problems(401, 422, 429))
async def refresh(
    data: RefreshRequest,
    session: SessionDep,
    tokens: TokensDep,
    limiter: LimiterDep,
    settings: SettingsDep,
    client: ClientAddress,
) -> TokenPair:
    """Trade a refresh token for a new pair. Each refresh token works once."""
    await limiter.hit(settings.rate_limits.refresh_per_client, "refresh", client)
    return await auth.refresh(session, tokens, data.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=problems(422))
async def logout(data: RefreshRequest, session: SessionDep) -> None:
    """End this sign-in on every device that shares it. Safe to repeat."""
    await auth.logout(session, data.refresh_token)
