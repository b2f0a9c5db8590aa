"""A server with its read model switched on ranks candidates from it, and a change anyone
commits reaches the listing at once (max staleness 0) through the row-change stream."""

import asyncio
import uuid
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.migrate import upgrade
from api.settings import ReadModelSettings
from services.read_model_sync import ReadModelFeed
from tests.api.test_offers import NEAR, post_offer
from tests.api.test_requests import post_request
from tests.conftest import test_settings as settings_for
from tests.databases import fresh_database
from tests.factories import Account, register


async def _loaded(feed: ReadModelFeed) -> None:
    for _ in range(200):
        if feed.model is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the read model did not load")


async def test_candidates_come_from_the_read_model_and_follow_changes_at_once(
    tmp_path: Path,
) -> None:
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        settings = settings_for(url).model_copy(
            update={"read_model": ReadModelSettings(enabled=True, max_staleness_ms=0)}
        )
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kith") as client:
                requester = await register(client)
                helper = await register(client, home=NEAR)
                offer = await post_offer(client, helper, category="shopping")
                request = await post_request(client, requester)
                feed: ReadModelFeed = app.state.read_model
                await _loaded(feed)
                ready = await client.get("/readyz")

                async def listed() -> set[str]:
                    return await _helpers(client, requester, str(request["id"]))

                at_first = await listed()
                blocked = await client.post(
                    "/v1/blocks", headers=requester.headers, json={"resident_id": str(helper.id)}
                )
                while_blocked = await listed()
                await client.delete(f"/v1/blocks/{helper.id}", headers=requester.headers)
                unblocked = await listed()
                # Taken out of this server's copy alone: only a ranking from the copy misses it.
                assert feed.model is not None
                feed.model.put_offer(uuid.UUID(str(offer["id"])), None)
                from_the_copy = await listed()

    assert ready.json() == {"status": "ok", "read_model": "ready"}
    assert at_first == {str(helper.id)}
    assert blocked.status_code == 201, blocked.text
    assert while_blocked == set()
    assert unblocked == {str(helper.id)}
    assert from_the_copy == set()


async def _helpers(client: httpx.AsyncClient, requester: Account, request_id: str) -> set[str]:
    response = await client.get(f"/v1/requests/{request_id}/candidates", headers=requester.headers)
    assert response.status_code == 200, response.text
    return {c["helper"]["id"] for c in response.json()["items"]}
