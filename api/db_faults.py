"""Which errors mean "the database is not there right now" (a 503: try again shortly) rather
than a bug (a 500): a connection refused, dropped or reset mid-transaction, the pool full,
SQLite's write lock held past the busy timeout."""

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

RETRY_AFTER_S = 5


def _causes(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(found) < 10:
        found.append(cause)
        cause = cause.__cause__ or cause.__context__
    return found


def database_unavailable(exc: BaseException) -> bool:
    for cause in _causes(exc):
        if isinstance(cause, PoolTimeout | ConnectionError):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        # Read, never logged: SQLite's messages name no data, only the lock.
        if isinstance(cause, OperationalError) and "database is locked" in str(cause.orig):
            return True
    return False
