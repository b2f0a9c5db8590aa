"""DESIGN.md: nothing stores GPS. No table may have a column that could hold a coordinate."""

import re

from sqlalchemy import Float, Numeric
from sqlmodel import SQLModel

import models.alerts
import models.api_keys
import models.assignments
import models.assisted
import models.audit
import models.auth
import models.crises
import models.devices
import models.event_hosts
import models.events
import models.idempotency
import models.match_feedback
import models.matches
import models.neighbourhoods
import models.notifications
import models.offers
import models.reports
import models.requests
import models.residents
import models.row_changes
import models.sync
import models.ties
import models.trust
import models.verifications
import models.vouches
import models.webhooks
import models.welfare  # noqa: F401  (registers every table)

COORDINATE_NAME = re.compile(r"(^|_)(lat|lon|lng|latitude|longitude|point|geom|gps)(_|$)")


def test_no_column_is_named_or_typed_like_a_coordinate() -> None:
    suspicious = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if COORDINATE_NAME.search(column.name) or isinstance(column.type, Float | Numeric)
    ]
    assert SQLModel.metadata.tables  # the check looked at something
    assert suspicious == []


def test_the_pattern_catches_coordinate_names() -> None:
    assert all(COORDINATE_NAME.search(n) for n in ("lat", "home_lon", "centre_latitude", "gps"))
    assert not any(COORDINATE_NAME.search(n) for n in ("category", "plate", "longevity"))
