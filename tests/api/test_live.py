"""The wake-up bus behind the live stream: in memory, and between processes over PostgreSQL
LISTEN/NOTIFY or Redis pub/sub; and the commit hook that feeds it."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack

import pytest
import redis.asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from api import live
from api.db import Database
from models.notifications import NotificationKind
from services import notifications
from services.errors import RateLimited
from tests.api.test_ratelimit import redis_url  # noqa: F401  (a fixture: skips without Redis)
from tests.databases import backend
from tests.factories import resident_row

WAIT_S = 10.0
BusFactory = Callable[[], live.Bus]


async def _woken(wake: asyncio.Event, within_s: float = WAIT_S) -> bool:
    try:
        await asyncio.wait_for(wake.wait(), within_s)
    except TimeoutError:
        return False
    return True


@pytest.fixture(params=["postgres", "redis"])
def bus_server(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Which server carries signals between processes, and its URL."""
    if request.param == "postgres":
        if backend() != "postgres":
            pytest.skip("LISTEN/NOTIFY needs the PostgreSQL run (KITH_TEST_DATABASE=postgres)")
        return "postgres", str(request.getfixturevalue("database_url"))
    return "redis", str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def make_bus(bus_server: tuple[str, str]) -> AsyncIterator[BusFactory]:
    """Buses as separate server processes would each have, on one PostgreSQL or Redis."""
    kind, url = bus_server
    made: list[live.Bus] = []

    def make() -> live.Bus:
        bus: live.Bus = (
            live.PostgresBus(url, max_streams=5)
            if kind == "postgres"
            else live.RedisBus(url, max_streams=5)
        )
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.close()


async def _listening(bus: live.Bus, stack: ExitStack, *residents: uuid.UUID) -> list[asyncio.Event]:
    """Subscribed, and connected: connecting wakes every stream once (it may have missed
    signals), which is how we know."""
    wakes = [stack.enter_context(bus.subscribe(resident)) for resident in residents]
    for wake in wakes:
        assert await _woken(wake), "the bus never connected"
        wake.clear()
    return wakes


async def test_memory_bus_wakes_only_the_resident_notified() -> None:
    bus = live.MemoryBus(max_streams=5)
    rosa, ben = uuid.uuid4(), uuid.uuid4()
    with bus.subscribe(rosa) as for_rosa, bus.subscribe(rosa) as again, bus.subscribe(ben) as b:
        bus.publish([rosa])
        assert for_rosa.is_set()
        assert again.is_set()
        assert not b.is_set()


def test_streams_are_capped_per_resident() -> None:
    bus = live.MemoryBus(max_streams=2)
    rosa = uuid.uuid4()
    with bus.subscribe(rosa), bus.subscribe(rosa):
        with pytest.raises(RateLimited) as refused:
            bus.subscribe(rosa).__enter__()
        with bus.subscribe(uuid.uuid4()):  # others are unaffected
            pass
    assert "2 live streams" in refused.value.detail
    with bus.subscribe(rosa), bus.subscribe(rosa):  # closed streams free their places
        pass


async def test_a_commit_wakes_streams_and_a_rollback_does_not(test_database: Database) -> None:
    bus = live.MemoryBus(max_streams=5)
    live.attach(test_database, bus)
    async with test_database.transaction() as session:
        rosa = (await resident_row(session)).id

    async def failing_request() -> None:
        async with test_database.transaction() as session:
            await notifications.notify(
                session, [rosa], NotificationKind.match_update, "t:1", "Rolled back", {}
            )
            raise RuntimeError("the request fails")

    with bus.subscribe(rosa) as wake:
        with pytest.raises(RuntimeError):
            await failing_request()
        after_rollback = wake.is_set()
        async with test_database.transaction() as session:
            await notifications.notify(
                session, [rosa], NotificationKind.match_update, "t:2", "Kept", {}
            )
            before_commit = wake.is_set()
        after_commit = wake.is_set()

    assert (after_rollback, before_commit, after_commit) == (False, False, True)


async def test_replicas_wake_each_others_streams(make_bus: BusFactory) -> None:
    here, there = make_bus(), make_bus()
    rosa, ben = uuid.uuid4(), uuid.uuid4()
    with ExitStack() as stack:
        for_rosa, for_ben = await _listening(here, stack, rosa, ben)

        there.publish([rosa])

        assert await _woken(for_rosa)
        assert not for_ben.is_set()


async def test_a_dropped_signal_connection_comes_back_and_streams_read_again(
    make_bus: BusFactory, database_url: str
) -> None:
    here, there = make_bus(), make_bus()
    rosa = uuid.uuid4()
    with ExitStack() as stack:
        (wake,) = await _listening(here, stack, rosa)

        await _drop_connections_of(here, database_url)

        assert await _woken(wake), "not woken after reconnecting"
        wake.clear()
        there.publish([rosa])
        assert await _woken(wake), "signals no longer arrive after the reconnect"


async def _drop_connections_of(bus: live.Bus, database_url: str) -> None:
    if isinstance(bus, live.PostgresBus):
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                killed = await connection.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = :name"
                    ),
                    {"name": bus.name},
                )
        finally:
            await engine.dispose()
    else:
        assert isinstance(bus, live.RedisBus)
        client = redis.asyncio.from_url(bus.url)
        try:
            clients = await client.client_list()
            killed = 0
            for listed in clients:
                if listed["name"] == bus.name:
                    killed += int(await client.client_kill_filter(_id=listed["id"]))
        finally:
            await client.aclose()
    assert killed >= 1
