"""The async engine and the one-transaction-per-request session."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from services.errors import DomainError

WRITER_OPTION = "kith_writer"


def _tune_sqlite(engine: AsyncEngine, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling breaks SAVEPOINT; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        # A deferred transaction that reads, then writes after another writer committed,
        # fails at once with "database is locked" (busy_timeout cannot help it). Writers
        # therefore take the write lock up front; readers stay deferred and concurrent.
        writer = connection.get_execution_options().get(WRITER_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


def make_engine(database_url: str, foreign_keys: bool = True) -> AsyncEngine:
    """`foreign_keys=False` is for migrations on SQLite only: altering a table there means
    copying it and dropping the old one, and with foreign keys enforced that drop cascades
    (deleting every tie when the resident table gains a column)."""
    url = make_url(database_url)
    # Parameters are emails, hashes and tokens: keep them out of error messages and logs.
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, hide_parameters=True)
        _tune_sqlite(engine, foreign_keys)
        return engine
    return create_async_engine(
        url, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10
    )


def make_sessionmaker(bind: Any, **kwargs: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=bind, class_=AsyncSession, expire_on_commit=False, **kwargs)


@dataclass
class Database:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]

    # A read replica that the nearby feeds read (api/deps.py); None: they read this one.
    replica: "Database | None" = None

    @classmethod
    def connect(cls, database_url: str, read_url: str | None = None) -> "Database":
        engine = make_engine(database_url)
        replica = cls.connect(read_url) if read_url else None
        return cls(engine=engine, sessionmaker=make_sessionmaker(engine), replica=replica)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.engine.dispose()

    @asynccontextmanager
    async def transaction(self, writes: bool = True) -> AsyncIterator[AsyncSession]:
        """One transaction: committed if the request succeeds, rolled back if it fails.

        `writes=False` promises a read-only transaction, which SQLite may run beside others.
        """
        async with self.sessionmaker() as session:
            if writes:
                await session.connection(execution_options={WRITER_OPTION: True})
            try:
                yield session
            except DomainError as exc:
                if exc.keeps_changes:
                    await session.commit()
                else:
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
