"""With DATABASE_READ_URL set, the nearby feeds read the replica and everything else the
primary. No replication runs here, so the "replica" is a second database that lags for ever:
what a feed shows tells which database it read."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.migrate import upgrade
from tests.api.test_offers import post_offer
from tests.conftest import test_settings as settings_for
from tests.databases import fresh_database
from tests.factories import register

FEEDS = ("/v1/offers", "/v1/requests", "/v1/events")


@asynccontextmanager
async def serving(primary: str, replica: str | None) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(primary).model_copy(update={"database_read_url": replica})
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kith") as client:
            yield client


async def test_feeds_read_the_replica_and_the_rest_the_primary(tmp_path: Path) -> None:
    async with (
        fresh_database(tmp_path, "primary") as primary,
        fresh_database(tmp_path, "replica") as replica,
    ):
        await upgrade(primary)
        await upgrade(replica)
        async with serving(primary, replica) as client:
            helper, viewer = await register(client), await register(client)
            offer = await post_offer(client, helper)

            by_id = await client.get(f"/v1/offers/{offer['id']}", headers=viewer.headers)
            feeds = [await client.get(path, headers=viewer.headers) for path in FEEDS]
            own = await client.get("/v1/offers", headers=helper.headers, params={"mine": "true"})

        async with serving(primary, None) as client:
            without_replica = await client.get("/v1/offers", headers=viewer.headers)

    assert by_id.status_code == 200, by_id.text  # reads by id: the primary
    for feed in feeds:
        assert feed.status_code == 200, feed.text
        assert feed.json()["items"] == []  # the replica has not caught up (and never will)
    assert [o["id"] for o in own.json()["items"]] == [offer["id"]]  # your own: the primary
    assert [o["id"] for o in without_replica.json()["items"]] == [offer["id"]]
