"""Liveness, readiness and metrics, for orchestrators and scrapers (outside /v1)."""

import logging
from typing import Literal

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import text

from api.db import Database
from api.middleware import Metrics
from services.read_model_sync import ReadModelFeed

router = APIRouter(tags=["ops"])
logger = logging.getLogger("kith.ops")


class Health(BaseModel):
    status: str


class Readiness(Health):
    read_model: Literal["off", "loading", "ready"] = Field(
        description="This server's in-memory read model for rankings: while it loads, "
        "rankings read the database, so the server is ready either way."
    )


@router.get("/healthz")
async def healthz() -> Health:
    """The process is up. Checks nothing else, so a slow database never restarts it."""
    return Health(status="ok")


@router.get(
    "/readyz",
    responses={503: {"model": Readiness, "description": "The database does not answer."}},
)
async def readyz(request: Request, response: Response) -> Readiness:
    """Ready for traffic: the database answers."""
    database: Database = request.app.state.db
    feed: ReadModelFeed | None = request.app.state.read_model
    model = "off" if feed is None else "loading" if feed.model is None else "ready"
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; its kind goes to the log
        # Not the message: a driver's message names hosts and users.
        logger.error("readiness check failed", extra={"error_type": type(exc).__qualname__})
        response.status_code = 503
        return Readiness(status="database unavailable", read_model=model)
    return Readiness(status="ok", read_model=model)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics for this process."""
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
