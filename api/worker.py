"""Background work, round after round: webhook deliveries, event reminders, lapsing matches,
the next waves of alerts, forgetting old idempotency keys, logging expiries for sync and
pruning its log, and pruning the row-change stream. Run by `kith worker`, and inside
`kith serve` unless it is told not to (`KITH_RUN_WORKER=false`).
Every job is safe to repeat and to run in several processes at once."""

import asyncio
import logging
import random
import time

import httpx

from api.db import Database
from api.settings import Settings, alerting, webhook_policy
from models.base import utcnow
from services import (
    alerts,
    idempotency,
    match_expiry,
    read_model_sync,
    sync_upkeep,
    webhook_delivery,
)
from services import reminders as due

logger = logging.getLogger("kith.worker")


async def one_round(
    database: Database, settings: Settings, http: httpx.AsyncClient, rng: random.Random
) -> webhook_delivery.Sent:
    sent = await webhook_delivery.deliver_due(
        database.transaction, http, utcnow(), webhook_policy(settings), rng
    )
    async with database.transaction() as session:
        await due.send_due(session, utcnow())
    async with database.transaction() as session:
        await match_expiry.expire_due(
            session, utcnow(), settings.trust.settings(), settings.matching.weights()
        )
    async with database.transaction() as session:
        await alerts.send_due(session, utcnow(), alerting(settings))
    async with database.transaction() as session:
        await idempotency.prune(session, utcnow())
    async with database.transaction() as session:
        await sync_upkeep.sweep_expiries(session, utcnow())
    async with database.transaction() as session:
        await sync_upkeep.prune(session, utcnow())
    async with database.transaction() as session:
        await read_model_sync.prune(session, utcnow())
    return sent


async def run_forever(database: Database, settings: Settings, interval_s: float) -> None:
    """Until cancelled. A failing round is logged and the next one tried: one bad row must
    not stop reminders for everyone."""
    rng = random.Random()
    async with httpx.AsyncClient(follow_redirects=False) as http:
        while True:
            started = time.monotonic()
            try:
                await one_round(database, settings, http, rng)
            except Exception:  # logged, then carry on; cancellation is not an Exception
                logger.exception("worker round failed")
            await asyncio.sleep(max(0.0, interval_s - (time.monotonic() - started)))
