"""Live notifications: a wake-up signal per resident, fanned out to the streams open in this
process, and carried between processes (replicas, `kith worker`, `kith jobs`) by Redis
pub/sub when REDIS_URL is set, else by PostgreSQL LISTEN/NOTIFY, else (SQLite, one process)
in memory.

A signal says only "resident X has something new", never what: the stream then reads the
database. So a lost signal (a dropped connection, a crash between commit and publish) only
delays a notification until the stream's next keepalive, when it reads again anyway.

Signals go out after commit, from a SQLAlchemy `after_commit` hook: `notify()` records whom
it notified in `session.info`. Not `pg_notify()` inside the transaction, which PostgreSQL
would deliver at commit by itself: one path serves all three backends (Redis needs the hook
anyway), and committing transactions do not queue on the lock PostgreSQL takes to NOTIFY.
"""

import asyncio
import logging
import uuid
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import anyio
import asyncpg
import redis.asyncio
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sse_starlette import ServerSentEvent

from api.db import Database
from api.settings import Settings
from models.base import utcnow
from models.notifications import NotificationPublic
from services import notification_stream
from services.auth import TokenSettings, signed_in_resident
from services.errors import RateLimited, Unauthenticated
from services.notifications import NOTIFIED

logger = logging.getLogger("kith.live")

BUS = "kith.live.bus"  # session.info: where the sessions of a Database send their signals
PG_CHANNEL = "kith_live"
REDIS_CHANNEL = "kith:live"
HEALTH_CHECK_S = 30.0  # how often an idle signal connection proves it is still alive
CONNECT_TIMEOUT_S = 10.0
PUBLISH_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 5.0
RECONNECT_MAX_S = 30.0
RECONNECT_AFTER_MS = 3000  # the `retry:` a stream tells clients: how soon to reconnect


class Bus:
    """The streams open in this process, by resident, each waiting on an `asyncio.Event`."""

    def __init__(self, max_streams: int) -> None:
        self.max_streams = max_streams
        self._streams: dict[uuid.UUID, set[asyncio.Event]] = {}

    def check_room(self, resident_id: uuid.UUID) -> None:
        if len(self._streams.get(resident_id, ())) >= self.max_streams:
            raise RateLimited(
                f"You have {self.max_streams} live streams open on this server already: close "
                "one first. (One whose connection dropped without closing is let go once a "
                "keepalive to it fails.)",
                retry_after_s=30,
            )

    @contextmanager
    def subscribe(self, resident_id: uuid.UUID) -> Iterator[asyncio.Event]:
        """An event set whenever this resident may have something new."""
        self.check_room(resident_id)
        wake = asyncio.Event()
        self._streams.setdefault(resident_id, set()).add(wake)
        self._listen()
        try:
            yield wake
        finally:
            waiting = self._streams.get(resident_id, set())
            waiting.discard(wake)
            if not waiting:
                self._streams.pop(resident_id, None)

    def publish(self, resident_ids: Collection[uuid.UUID]) -> None:
        """Called after a commit, on the event loop's thread; must not block."""
        raise NotImplementedError

    async def close(self) -> None:
        """Send what is pending and let go of connections."""

    def _listen(self) -> None:
        """Start receiving other processes' signals (on first need)."""

    def _wake(self, resident_id: uuid.UUID) -> None:
        for wake in self._streams.get(resident_id, ()):
            wake.set()

    def _wake_all(self) -> None:
        for waiting in self._streams.values():
            for wake in waiting:
                wake.set()


class MemoryBus(Bus):
    """One process (SQLite): the committing session and the streams share it."""

    def publish(self, resident_ids: Collection[uuid.UUID]) -> None:
        for resident_id in resident_ids:
            self._wake(resident_id)


class _RemoteBus(Bus):
    """Signals travel through a server, and come back to this process's streams that way."""

    def __init__(self, max_streams: int) -> None:
        super().__init__(max_streams)
        self._listener: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._ready = asyncio.Event()
        self._closed = False

    def publish(self, resident_ids: Collection[uuid.UUID]) -> None:
        if not resident_ids or self._closed:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a commit outside any event loop: nobody here streams
            return
        task = loop.create_task(self._publish([str(r) for r in resident_ids]))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, payloads: list[str]) -> None:
        try:
            await asyncio.wait_for(self._send(payloads), PUBLISH_TIMEOUT_S)
        except Exception:  # the signal is lost; streams read again at their next keepalive
            logger.warning("could not publish a live notification signal", exc_info=True)

    async def _send(self, payloads: list[str]) -> None:
        raise NotImplementedError

    async def _connection(self) -> None:
        """Hold one connection that receives signals; return or raise when it is lost."""
        raise NotImplementedError

    def _listen(self) -> None:
        if not self._closed and (self._listener is None or self._listener.done()):
            self._listener = asyncio.get_running_loop().create_task(self._listen_forever())

    def _connected(self) -> None:
        self._ready.set()
        # Signals sent while we were not listening are lost: every stream reads again.
        self._wake_all()

    async def _listen_forever(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._connection()
            except Exception:
                logger.warning("lost the live notification connection", exc_info=True)
            if self._ready.is_set():
                delay = 0.5  # it was up: the first retry comes quickly
            self._ready.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def close(self) -> None:
        self._closed = True
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=CLOSE_TIMEOUT_S)
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError):
                await self._listener


class PostgresBus(_RemoteBus):
    """LISTEN/NOTIFY on one dedicated connection per process, which also sends."""

    def __init__(self, database_url: str, max_streams: int) -> None:
        super().__init__(max_streams)
        self._dsn = make_url(database_url).set(drivername="postgresql")
        self.name = f"kith-live-{uuid.uuid4().hex[:12]}"  # its application_name
        self._listening: Any = None  # the asyncpg connection, while it is up
        self._lock = asyncio.Lock()  # one statement at a time on that connection

    async def _connection(self) -> None:
        dsn = self._dsn.render_as_string(hide_password=False)
        connection = await asyncpg.connect(
            dsn, timeout=CONNECT_TIMEOUT_S, server_settings={"application_name": self.name}
        )
        try:
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(PG_CHANNEL, self._on_notify)
            self._listening = connection
            self._connected()
            while not lost.is_set():
                with suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), HEALTH_CHECK_S)
                if not lost.is_set():  # a silently dead connection fails here
                    async with self._lock:
                        await connection.execute("SELECT 1", timeout=CONNECT_TIMEOUT_S)
            raise ConnectionError("the PostgreSQL connection closed")
        finally:
            self._listening = None
            connection.terminate()

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        with suppress(ValueError):
            self._wake(uuid.UUID(payload))

    async def _send(self, payloads: list[str]) -> None:
        self._listen()
        await self._ready.wait()
        async with self._lock:
            if self._listening is None:
                raise ConnectionError("the PostgreSQL connection closed")
            # Outside any transaction: delivered at once, to this connection as well.
            await self._listening.execute(
                "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload",
                PG_CHANNEL,
                payloads,
            )


class RedisBus(_RemoteBus):
    """Pub/sub on one Redis channel: PUBLISH from a pool, one subscribed connection."""

    def __init__(self, redis_url: str, max_streams: int) -> None:
        super().__init__(max_streams)
        self.url = redis_url
        self.name = f"kith-live-{uuid.uuid4().hex[:12]}"  # CLIENT LIST shows whose it is
        self._client = redis.asyncio.Redis.from_url(
            redis_url,
            client_name=self.name,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            socket_keepalive=True,
            health_check_interval=int(HEALTH_CHECK_S),
        )

    async def _connection(self) -> None:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(REDIS_CHANNEL)
            self._connected()
            while True:
                message = await pubsub.get_message(timeout=HEALTH_CHECK_S)
                if message is not None:
                    with suppress(ValueError, AttributeError):
                        self._wake(uuid.UUID(message["data"].decode()))
        finally:
            with suppress(Exception):  # it may be the broken connection itself
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _send(self, payloads: list[str]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for payload in payloads:
                pipe.publish(REDIS_CHANNEL, payload)
            await pipe.execute()

    async def close(self) -> None:
        await super().close()
        await self._client.aclose()


def bus_for(settings: Settings) -> Bus:
    limit = settings.live.max_streams_per_resident
    if settings.redis_url:
        return RedisBus(settings.redis_url, limit)
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        return PostgresBus(settings.database_url, limit)
    return MemoryBus(limit)


def attach(database: Database, bus: Bus) -> None:
    """Every session of `database` opened from now on signals `bus` after it commits."""
    database.sessionmaker.configure(info={BUS: bus})


@event.listens_for(Session, "after_commit")
def _signal_committed(session: Session) -> None:
    notified = session.info.pop(NOTIFIED, None)
    bus = session.info.get(BUS)
    if notified and isinstance(bus, Bus):
        bus.publish(notified)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(NOTIFIED, None)


async def _read(
    database: Database,
    tokens: TokenSettings,
    access_token: str,
    resident_id: uuid.UUID,
    position: notification_stream.Position | None,
) -> tuple[notification_stream.Position, list[tuple[NotificationPublic, str]]] | None:
    """What is new since `position` (from now on, when None); None once signed out."""
    async with database.transaction(writes=False) as session:
        try:
            await signed_in_resident(session, tokens, access_token)
        except Unauthenticated:
            return None
        if position is None:
            position = await notification_stream.start(session, resident_id, utcnow())
        return position, await notification_stream.catch_up(
            session, resident_id, position, utcnow()
        )


async def follow(
    bus: Bus,
    database: Database,
    tokens: TokenSettings,
    access_token: str,
    resident_id: uuid.UUID,
    position: notification_stream.Position | None,
    keepalive_s: float,
    closing: anyio.Event,
) -> AsyncIterator[ServerSentEvent]:
    """One resident's stream: read whenever woken, and at least every `keepalive_s`, until
    `closing` is set (sse-starlette sets it when the server shuts down).

    Each read also checks the sign-in again, so signing out (or the access token expiring)
    ends the stream as it ends every other request; the client reconnects with a fresh token
    and its Last-Event-ID, and misses nothing.
    """
    try:
        bus.check_room(resident_id)
    except RateLimited:  # a race past the route's own check: end at once, the client retries
        return
    with bus.subscribe(resident_id) as wake:
        # Sent once the first read is done: from here on, nothing new is missed.
        greeting: ServerSentEvent | None = ServerSentEvent(
            comment="following", retry=RECONNECT_AFTER_MS
        )
        while True:
            wake.clear()  # before reading: a signal during the read means read again
            read = await _read(database, tokens, access_token, resident_id, position)
            if read is None:
                yield ServerSentEvent(comment="signed out: reconnect with a fresh token")
                return
            position, sent = read
            for notification, cursor in sent:
                yield ServerSentEvent(
                    notification.model_dump_json(), id=cursor, event="notification"
                )
            if greeting is not None:
                yield greeting
                greeting = None
            waiting = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(closing.wait())}
            try:
                await asyncio.wait(waiting, timeout=keepalive_s, return_when=FIRST_COMPLETED)
            finally:
                for waiter in waiting:
                    waiter.cancel()
            if closing.is_set():  # the server is shutting down: end the response properly
                return
            if not wake.is_set():
                yield ServerSentEvent(comment="keepalive")
