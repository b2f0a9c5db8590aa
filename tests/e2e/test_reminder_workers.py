"""Several `kith jobs` workers at once, as separate processes on one database: each
reminder is stored once, and every worker finishes cleanly."""

import asyncio
import re
import subprocess
from datetime import datetime

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.e2e.conftest import KITH, Server
from tests.e2e.soup_night import soup_night
from tests.e2e.test_serve import _signed_up

WORKERS = 4


async def _reminders_stored(database_url: str) -> list[tuple[str, str]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT resident_id, dedupe_key FROM notification WHERE kind = :kind"),
                {"kind": "event_reminder"},
            )
            return [(str(resident), key) for resident, key in rows.all()]
    finally:
        await engine.dispose()


def _stored_count(output: str) -> int:
    found = re.search(r"Stored (\d+) new reminders", output)
    assert found is not None, output
    return int(found.group(1))


def test_reminder_workers_racing_store_each_reminder_once(
    server_without_worker: Server,
) -> None:
    server = server_without_worker
    with httpx.Client(base_url=server.url, timeout=10) as http:
        _, host = _signed_up(http, "Host")
        made = http.post("/v1/events", headers=host, json=soup_night())
        assert made.status_code == 201, made.text
        event = made.json()
        occurrence = datetime.fromisoformat(event["starts_at"]).date().isoformat()
        for n in range(3):
            _, guest = _signed_up(http, f"Guest{n}")
            going = http.post(
                f"/v1/events/{event['id']}/rsvp",
                headers=guest,
                json={"occurrence": occurrence, "answer": "going"},
            )
            assert going.status_code == 200, going.text

    workers = [
        subprocess.Popen(
            [KITH, "jobs"],
            env=server.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]

    assert [worker.returncode for worker in workers] == [0] * WORKERS, outputs
    reported = sum(_stored_count(out) for out in outputs)
    stored = asyncio.run(_reminders_stored(server.env["DATABASE_URL"]))
    ours = [key for _, key in stored if key == f"reminder:24h:{event['id']}:{occurrence}"]
    assert len(ours) == 3
    assert reported == len(stored)
