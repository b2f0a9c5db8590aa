"""The app factory: wires settings, database, security and routes into one FastAPI app."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.gzip import GZipMiddleware

from api import live, openapi, read_models
from api.db import Database
from api.errors import UnexpectedErrors, install_error_handlers
from api.middleware import AccessLog, BodySizeLimit, Metrics
from api.not_modified import ConditionalGet
from api.nul_bytes import refuse_nul_bytes
from api.rate_limits import RateLimits
from api.ratelimit import RateLimiter
from api.routes import (
    alerts,
    api_keys,
    assignments,
    assisted,
    audit,
    auth,
    blocks,
    calendars,
    candidates,
    categories,
    connections,
    crises,
    devices,
    event_hosts,
    events,
    match_feedback,
    matches,
    me,
    moderation,
    neighbourhoods,
    notifications,
    offers,
    ops,
    reports,
    requests,
    residents,
    sync,
    vouches,
    webhooks,
    welfare,
)
from api.settings import Settings, alerting, get_settings, webhook_policy
from api.worker import run_forever
from services.geocoding import Geocoder
from services.passwords import PasswordHasher

DESCRIPTION = """\
Kith is the backend of a neighbourhood mutual-aid service: residents post offers and requests
for help, and Kith matches them by proximity and by the trust ties people already have.

Errors are `application/problem+json` (RFC 9457). Locations are kept as H3 cells only.
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app. `database` lets tests bind it to a connection they roll back."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        app.state.db = database or Database.connect(
            settings.database_url, settings.database_read_url
        )
        live.attach(app.state.db, app.state.live)  # its commits wake notification streams
        app.state.read_model, loading = read_models.start(app.state.db, settings.read_model)
        background = (
            asyncio.create_task(run_forever(app.state.db, settings, settings.worker_interval_s))
            if settings.run_worker
            else None
        )
        try:
            yield
        finally:
            for task in (background, loading):
                if task is not None:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task
            await app.state.live.close()
            if owned:
                await app.state.db.dispose()

    app = FastAPI(
        title="Kith",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
        dependencies=[Depends(refuse_nul_bytes)],
    )
    app.state.settings = settings
    app.state.read_model = None  # set at start-up when switched on (api/read_models.py)
    app.state.tokens = settings.auth.tokens()
    app.state.trust = settings.trust.settings()
    app.state.matching = settings.matching.weights()
    app.state.alerting = alerting(settings)
    app.state.geocoder = Geocoder(settings.geocoder.settings())
    app.state.webhook_policy = webhook_policy(settings)
    app.state.hasher = PasswordHasher(
        time_cost=settings.auth.argon2_time_cost,
        memory_cost_kib=settings.auth.argon2_memory_kib,
        max_concurrent=settings.auth.max_concurrent_hashes,
    )
    app.state.limiter = RateLimiter(settings.redis_url)
    app.state.live = live.bus_for(settings)
    app.state.metrics = Metrics()
    if database is not None:
        app.state.db = database

    install_error_handlers(app)
    routers = (
        auth,
        me,
        residents,
        neighbourhoods,
        categories,
        offers,
        requests,
        candidates,
        matches,
        match_feedback,
        alerts,
        crises,
        welfare,
        assignments,
        moderation,
        reports,
        assisted,
        notifications,
        sync,
        devices,
        webhooks,
        api_keys,
        audit,
        connections,
        vouches,
        blocks,
        events,
        event_hosts,
        calendars,
        ops,
    )
    for module in routers:
        app.include_router(module.router)
    openapi.install(app)

    # Outermost last: the request id wraps everything, so even a 413 is logged with one.
    # (Not FastAPI's own max_body_size: it answers an announced oversize body in text/plain.)
    app.add_middleware(ConditionalGet)
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # hashes (above) see plain bodies
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(BodySizeLimit, max_bytes=settings.http.max_body_bytes)
    # Inside the access log, so that a 429 is logged and measured; the probes and metrics
    # (the ops routes) are exempt: an orchestrator's checks must never be refused.
    app.add_middleware(
        RateLimits,
        limiter=app.state.limiter,
        limits=settings.rate_limits,
        tokens=app.state.tokens,
        exempt={route.path for route in ops.router.routes if isinstance(route, APIRoute)},
    )
    app.add_middleware(AccessLog, metrics=app.state.metrics)
    app.add_middleware(CorrelationIdMiddleware)
    return app
