"""Alembic environment. Runs on a connection handed over by `api/migrate.py` (which holds
the migration lock), or, from the `alembic` command line, on DATABASE_URL."""

import asyncio
from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import models.alerts  # noqa: F401
import models.api_keys  # noqa: F401
import models.assignments  # noqa: F401
import models.assisted  # noqa: F401
import models.audit  # noqa: F401
import models.auth  # noqa: F401  (registers the tables on the metadata)
import models.crises  # noqa: F401
import models.devices  # noqa: F401
import models.event_hosts  # noqa: F401
import models.events  # noqa: F401
import models.idempotency  # noqa: F401
import models.match_feedback  # noqa: F401
import models.matches  # noqa: F401
import models.neighbourhoods  # noqa: F401
import models.notifications  # noqa: F401
import models.offers  # noqa: F401
import models.reports  # noqa: F401
import models.requests  # noqa: F401
import models.residents  # noqa: F401
import models.row_changes  # noqa: F401
import models.sync  # noqa: F401
import models.ties  # noqa: F401
import models.trust  # noqa: F401
import models.verifications  # noqa: F401
import models.vouches  # noqa: F401
import models.webhooks  # noqa: F401
import models.welfare  # noqa: F401
from models.base import UTCDateTime

target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write plain SQLAlchemy types into migrations, so they never import model code."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length!r})" if obj.length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        # SQLite alters tables by copying them; batch mode writes migrations that do that.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    # The command line reads DATABASE_URL through the same settings as the app.
    from api.db import make_engine
    from api.settings import Settings

    engine = make_engine(Settings().database_url, foreign_keys=False)  # see make_engine
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await engine.dispose()


connection = context.config.attributes.get("connection")
if isinstance(connection, sa.engine.Connection):
    run_on(connection)
else:
    asyncio.run(_run_from_settings())
