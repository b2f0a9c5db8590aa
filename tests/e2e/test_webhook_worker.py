"""A `kith worker` process killed while a receiver is still answering: the message is sent
again, with the same webhook id, once its lease runs out."""

import os
import subprocess
from datetime import timedelta
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from api.db import Database
from api.migrate import upgrade
from models.base import utcnow
from models.webhooks import WebhookDelivery, WebhookEndpoint
from services import webhook_delivery
from services.webhook_urls import WebhookPolicy
from tests.databases import fresh_database
from tests.e2e.conftest import KITH
from tests.support.receiver import receiver

SECRET = "whsec_" + "a2l0aC13ZWJob29rLXRlc3Qtc2VjcmV0LTEyMzQ1Njc4"
LOOPBACK = WebhookPolicy(allowed_hosts=frozenset({"127.0.0.1"}))


async def test_a_worker_killed_mid_delivery_leads_to_redelivery_with_the_same_id(
    tmp_path: Path,
) -> None:
    with receiver() as hook:
        hook.stall_first = True
        async with fresh_database(tmp_path) as url:
            await upgrade(url)
            database = Database.connect(url)
            async with database.transaction() as session:
                endpoint = WebhookEndpoint(
                    url=hook.url, event_types=["request.created"], secret=SECRET
                )
                session.add(endpoint)
                await session.flush()
                session.add(
                    WebhookDelivery(
                        endpoint_id=endpoint.id,
                        event_type="request.created",
                        payload={"type": "request.created", "data": {"request_id": "r1"}},
                    )
                )
            env = os.environ | {"DATABASE_URL": url, "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"}
            worker = subprocess.Popen([KITH, "worker", "--once"], env=env, cwd=tmp_path)
            try:
                assert hook.arrived.wait(timeout=60), "the worker never sent anything"
            finally:
                worker.kill()  # mid-delivery: the receiver has not answered yet
                worker.wait(timeout=20)
            hook.release.set()

            async with httpx.AsyncClient() as http:
                while_leased = await webhook_delivery.deliver_due(
                    database.transaction, http, utcnow(), LOOPBACK
                )
                after_lease = await webhook_delivery.deliver_due(
                    database.transaction,
                    http,
                    utcnow() + webhook_delivery.LEASE + timedelta(seconds=1),
                    LOOPBACK,
                )
            await database.engine.dispose()

    assert while_leased.attempted == 0  # the dead worker's lease still stands
    assert after_lease.delivered == 1
    first, second = hook.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    for arrived in (first, second):
        assert Webhook(SECRET).verify(arrived.body, arrived.headers)["type"] == "request.created"
