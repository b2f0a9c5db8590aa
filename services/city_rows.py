"""The rows one synthetic neighbourhood adds, gathered for bulk inserts (services/city.py)."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.ties import TieKind

Row = dict[str, Any]


@dataclass(frozen=True)
class Formed:
    """A tie formed by something that happened: `a` holds it (and `b` too, if mutual)."""

    a: uuid.UUID
    b: uuid.UUID
    kind: TieKind
    at: datetime
    context: str | None = None


@dataclass
class Rows:
    residents: list[Row] = field(default_factory=list)
    offers: list[Row] = field(default_factory=list)
    requests: list[Row] = field(default_factory=list)
    matches: list[Row] = field(default_factory=list)
    connections: list[Row] = field(default_factory=list)
    vouches: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    hosts: list[Row] = field(default_factory=list)
    check_ins: list[Row] = field(default_factory=list)
    keep_in_touch: list[Row] = field(default_factory=list)
    rsvps: list[Row] = field(default_factory=list)
    formed: list[Formed] = field(default_factory=list)
