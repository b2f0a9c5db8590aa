"""General rate limits on every request, by API key or signed-in resident and by address,
announced in the RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers.

A pure middleware, so that a refused request never reaches a route (nor the database)."""

import asyncio
import hashlib
import logging
from collections.abc import Collection
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import domain_problem
from api.ratelimit import Quota, RateLimiter
from api.settings import RateLimitSettings
from services import api_keys
from services.auth import TokenSettings, access_token_subject
from services.errors import RateLimited, Unauthenticated

logger = logging.getLogger("kith.ratelimit")


@dataclass(frozen=True)
class Policy:
    name: str
    quota: Quota


def _credential(headers: Headers) -> str | None:
    # What api.deps._principal reads, in the same order: X-API-Key, then a bearer token.
    if key := headers.get("x-api-key"):
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token or None if scheme.lower() == "bearer" else None


def _digest(api_key: str) -> str:
    # Counters are named after a hash of the key, so the store (Redis) never holds the secret.
    return hashlib.sha256(api_key.encode()).hexdigest()


def _fields(policies: list[Policy]) -> dict[str, str]:
    """RateLimit-Policy lists every quota this request counted against; RateLimit gives the
    one nearest to refusing (a refused one, if any: the one to wait longest for)."""
    refused = [p for p in policies if not p.quota.allowed]
    tightest = (
        max(refused, key=lambda p: p.quota.reset_s)
        if refused
        else min(policies, key=lambda p: (p.quota.remaining, -p.quota.reset_s))
    )
    return {
        "RateLimit-Policy": ", ".join(
            f'"{p.name}";q={p.quota.limit};w={p.quota.window_s}' for p in policies
        ),
        "RateLimit": f'"{tightest.name}";r={tightest.quota.remaining};t={tightest.quota.reset_s}',
    }


class RateLimits:
    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        limits: RateLimitSettings,
        tokens: TokenSettings,
        exempt: Collection[str],
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.limits = limits
        self.tokens = tokens
        self.exempt = frozenset(exempt)

    def _callers(self, scope: Scope) -> list[tuple[str, str, str]]:
        """(policy, spec, key) for each identity this request is counted under."""
        client = scope.get("client")
        callers = [("address", self.limits.per_address, client[0] if client else "unknown")]
        credential = _credential(Headers(scope=scope))
        if credential is None:
            return callers
        if api_keys.looks_like_key(credential):
            # Not checked against the database: a made-up key only gets its own counter,
            # and the address limit still holds.
            callers.append(("api-key", self.limits.per_api_key, _digest(credential)))
            return callers
        try:
            resident_id, _family = access_token_subject(self.tokens, credential)
        except Unauthenticated:
            return callers  # counted by address alone; the route answers 401
        callers.append(("resident", self.limits.per_resident, str(resident_id)))
        return callers

    async def _count(self, scope: Scope) -> list[Policy]:
        callers = self._callers(scope)
        counted = await asyncio.gather(
            *(self.limiter.count(spec, f"requests-per-{name}", key) for name, spec, key in callers)
        )
        return [
            Policy(name if len(quotas) == 1 else f"{name}-{quota.window_s}s", quota)
            for (name, _spec, _key), quotas in zip(callers, counted, strict=True)
            for quota in quotas
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        try:
            policies = await self._count(scope)
        except Exception as exc:
            # Fail open: these limits keep clients fair, they guard no secret (sign-in has its
            # own, which fail closed), and a Redis outage must not take every route down.
            logger.error("rate limits unavailable", extra={"error_type": type(exc).__qualname__})
            await self.app(scope, receive, send)
            return
        fields = _fields(policies)
        refused = [p.quota.reset_s for p in policies if not p.quota.allowed]
        if refused:
            retry_after = max(refused)
            problem = RateLimited(
                f"Too many requests. Try again in {retry_after} seconds.", retry_after
            )
            response = domain_problem(Request(scope), problem)
            response.headers.update(fields)
            await response(scope, receive, send)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in fields.items():
                    headers.append(name, value)
            await send(message)

        await self.app(scope, receive, send_with_fields)
