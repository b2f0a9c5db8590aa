"""The server's read model (services/read_model_sync.py): loaded in the background at start,
and handed to the routes that can use it, caught up to the configured staleness."""

import asyncio
import logging

from fastapi import Request

from api.db import Database
from api.settings import ReadModelSettings
from services.rank_reads import RankReads
from services.read_model_reads import ModelReads
from services.read_model_sync import ReadModelFeed

logger = logging.getLogger("kith.read_model")


def start(
    database: Database, settings: ReadModelSettings
) -> tuple[ReadModelFeed | None, "asyncio.Task[None] | None"]:
    """The feed, and the task loading it; (None, None) when it is switched off. It reads the
    read replica when there is one: the stream replicates with the tables it describes."""
    if not settings.enabled:
        return None, None
    feed = ReadModelFeed((database.replica or database).engine)
    return feed, asyncio.create_task(_load(feed))


async def _load(feed: ReadModelFeed) -> None:
    try:
        await feed.load()
    except Exception:  # the server goes on, ranking from the database
        logger.exception("read model failed to load")


async def model_reads(request: Request) -> RankReads | None:
    """Ranking's reads from the model, fresh enough; None (read the database) while it loads
    or when it is off."""
    feed: ReadModelFeed | None = request.app.state.read_model
    if feed is None:
        return None
    settings: ReadModelSettings = request.app.state.settings.read_model
    model = await feed.fresh(settings.max_staleness_ms / 1000)
    return ModelReads(model) if model is not None else None
