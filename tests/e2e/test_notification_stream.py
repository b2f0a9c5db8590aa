"""The live notification stream over real `kith serve` processes: a phone hears of a
notification at once, catches up after a dropped connection, hears of what another replica
(or a `kith jobs` process) stored, and the server shuts down cleanly with streams open."""

import asyncio
import json
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db import Database
from models.notifications import Notification, NotificationKind
from services import notifications
from tests.api.test_ratelimit import redis_url  # noqa: F401  (a fixture: skips without Redis)
from tests.databases import backend
from tests.e2e.conftest import KITH, Server, _serving
from tests.e2e.soup_night import soup_night
from tests.e2e.test_serve import PASSWORD

WAIT_S = 10.0
STREAM = "/v1/notifications/stream"


class Stream:
    """A client's view of an open stream: one message (event or comment) at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, within_s: float = WAIT_S) -> dict[str, str]:
        """The next message's fields; a comment's text is under ":"."""

        async def read() -> dict[str, str]:
            fields: dict[str, str] = {}
            async for line in self._lines:
                if not line:
                    if fields:
                        return fields
                    continue
                name, _, value = line.partition(":")
                fields[name or ":"] = value.removeprefix(" ")
            raise AssertionError(f"the stream ended; had {fields}")

        return await asyncio.wait_for(read(), within_s)

    async def notification(self, within_s: float = WAIT_S) -> dict[str, str]:
        """The next event, passing over keepalive comments."""
        while True:
            message = await self.next(within_s)
            if ":" not in message:
                return message

    async def ended(self, within_s: float = WAIT_S) -> None:
        """Reads to the end, which must be a complete response (not a cut connection)."""

        async def drain() -> None:
            async for _ in self._lines:
                pass

        await asyncio.wait_for(drain(), within_s)


@asynccontextmanager
async def _stream(
    http: httpx.AsyncClient, headers: dict[str, str], greeted: bool = False
) -> AsyncIterator[Stream]:
    """An open stream; `greeted`: also past its first read, after which nothing new is
    missed (the greeting comes then)."""
    async with http.stream("GET", STREAM, headers=headers) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        stream = Stream(response)
        if greeted:
            assert await stream.next() == {":": "following", "retry": "3000"}
        yield stream


async def _signed_up(http: httpx.AsyncClient, name: str) -> tuple[str, dict[str, str]]:
    email = f"stream-{name.lower()}-{uuid.uuid4().hex[:6]}@example.org"
    registered = await http.post(
        "/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": name,
            "home": {"lat": 50.4316, "lon": -3.6851},
        },
    )
    assert registered.status_code == 201, registered.text
    token = await http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert token.status_code == 200, token.text
    return registered.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


async def _ask(http: httpx.AsyncClient, asker: dict[str, str], resident_id: str) -> None:
    asked = await http.post("/v1/connections", headers=asker, json={"resident_id": resident_id})
    assert asked.status_code == 201, asked.text


def _data(event: dict[str, str]) -> Any:
    assert event["event"] == "notification", event
    return json.loads(event["data"])


async def test_a_resident_hears_at_once_and_catches_up_after_a_drop(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
        rosa_id, rosa = await _signed_up(http, "Rosa")
        askers = [(await _signed_up(http, f"Asker{n}"))[1] for n in range(3)]
        await _ask(http, askers[0], rosa_id)  # before the stream: the inbox's, not the stream's

        async with _stream(http, {**rosa, "Accept-Encoding": "gzip"}) as stream:
            greeting = await stream.next()  # first: nothing from before was replayed
            await _ask(http, askers[1], rosa_id)
            heard = await stream.notification()
            headers = stream.response.headers
        inbox = (await http.get("/v1/notifications", headers=rosa)).json()["items"]

        await _ask(http, askers[2], rosa_id)  # while the phone is away
        async with _stream(http, {**rosa, "Last-Event-ID": heard["id"]}) as resumed:
            missed = await resumed.next()
            then = await resumed.next()  # the greeting: nothing else was caught up

    assert greeting == {":": "following", "retry": "3000"}
    assert headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in headers  # never gzipped (it would be buffered)
    assert "etag" not in headers  # nor hashed
    assert heard["id"]
    assert _data(heard) == inbox[0]
    assert inbox[0]["title"] == "Asker1 would like to connect with you."
    assert _data(missed)["title"] == "Asker2 would like to connect with you."
    assert missed["id"] != heard["id"]
    assert then[":"] == "following"


async def test_streams_are_capped_and_refusals_are_problems(server: Server) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
        _, rosa = await _signed_up(http, "Capped")
        async with AsyncExitStack() as streams:
            opened = [await streams.enter_async_context(_stream(http, rosa)) for _ in range(5)]
            for stream in opened:
                await stream.next()
            sixth = await http.get(STREAM, headers=rosa)
            _, ben = await _signed_up(http, "Uncapped")
            async with _stream(http, ben) as others:
                await others.next()  # another resident is unaffected
        async with _stream(http, rosa) as again:  # closed streams free their places
            await again.next()
        unsigned = await http.get(STREAM)
        foreign = await http.get(STREAM, headers={**rosa, "Last-Event-ID": "not-ours"})

    assert sixth.status_code == 429
    assert sixth.headers["content-type"] == "application/problem+json"
    assert "5 live streams" in sixth.json()["detail"]
    assert unsigned.status_code == 401
    assert foreign.status_code == 422
    assert foreign.headers["content-type"] == "application/problem+json"


async def test_without_a_signal_the_keepalive_read_still_delivers_even_a_late_commit(
    database: str, tmp_path: Path
) -> None:
    quiet = {"KITH_LIVE__KEEPALIVE_S": "1", "KITH_RUN_WORKER": "false"}
    outsider = Database.connect(database)  # another process's writes: it sends no signal
    try:
        with _serving(database, tmp_path, **quiet) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
                rosa_id, rosa = await _signed_up(http, "Quiet")
                async with _stream(http, rosa, greeted=True) as following:
                    async with outsider.transaction() as session:
                        await notifications.notify(
                            session, [uuid.UUID(rosa_id)], NotificationKind.match_update,
                            "e2e:quiet", "Stored quietly", {},
                        )  # fmt: skip
                    first = await following.notification(within_s=5)
                    async with outsider.transaction() as session:
                        # Stamped two minutes ago by a transaction that commits only now.
                        session.add(
                            Notification(
                                resident_id=uuid.UUID(rosa_id),
                                kind=NotificationKind.match_update,
                                dedupe_key="e2e:late",
                                title="Committed late",
                                data={},
                                created_at=datetime.now(UTC) - timedelta(minutes=2),
                            )
                        )
                    second = await following.notification(within_s=5)
    finally:
        await outsider.engine.dispose()

    assert _data(first)["title"] == "Stored quietly"
    assert _data(second)["title"] == "Committed late"


@pytest.fixture(params=["postgres", "redis"])
def signals(request: pytest.FixtureRequest) -> dict[str, str]:
    """What carries signals between the replicas: LISTEN/NOTIFY, or Redis pub/sub."""
    if request.param == "postgres":
        if backend() != "postgres":
            pytest.skip("replicas on SQLite share signals only through Redis")
        return {}
    return {"REDIS_URL": str(request.getfixturevalue("redis_url"))}


async def test_a_replica_hears_what_another_replica_and_a_jobs_process_stored(
    database: str, tmp_path: Path, signals: dict[str, str]
) -> None:
    # A keepalive far longer than the wait: only a signal can deliver in time.
    env = {"KITH_LIVE__KEEPALIVE_S": "120", "KITH_RUN_WORKER": "false", **signals}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with (
        _serving(database, tmp_path / "one", **env) as one,
        _serving(database, tmp_path / "two", **env) as two,
    ):
        async with (
            httpx.AsyncClient(base_url=one.url, timeout=WAIT_S) as http_one,
            httpx.AsyncClient(base_url=two.url, timeout=WAIT_S) as http_two,
        ):
            rosa_id, rosa = await _signed_up(http_one, "Replica")
            _, host = await _signed_up(http_two, "Host")
            async with _stream(http_one, rosa, greeted=True) as following:
                await _ask(http_two, host, rosa_id)
                asked = await following.notification()

                event_id = await _going_to_an_event_soon(http_two, host, rosa)
                jobs = subprocess.run(
                    [KITH, "jobs"], env=two.env, capture_output=True, text=True, timeout=120,
                    check=False,
                )  # fmt: skip
                assert jobs.returncode == 0, jobs.stdout + jobs.stderr
                reminded = await following.notification()

    assert _data(asked)["title"] == "Host would like to connect with you."
    assert _data(reminded)["kind"] == "event_reminder"
    assert _data(reminded)["data"]["event_id"] == event_id


async def _going_to_an_event_soon(
    http: httpx.AsyncClient, host: dict[str, str], guest: dict[str, str]
) -> str:
    made = await http.post("/v1/events", headers=host, json=soup_night())
    assert made.status_code == 201, made.text
    event = made.json()
    occurrence = datetime.fromisoformat(event["starts_at"]).date().isoformat()
    going = await http.post(
        f"/v1/events/{event['id']}/rsvp",
        headers=guest,
        json={"occurrence": occurrence, "answer": "going"},
    )
    assert going.status_code == 200, going.text
    return str(event["id"])


async def test_shutting_down_ends_open_streams_cleanly(database: str, tmp_path: Path) -> None:
    with _serving(database, tmp_path, KITH_RUN_WORKER="false") as server:
        assert server.process is not None
        async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
            _, rosa = await _signed_up(http, "Leaving")
            async with _stream(http, rosa, greeted=True) as following:
                server.process.terminate()
                await following.ended(within_s=10)  # a complete response, not a cut one
        server.process.wait(timeout=10)
