"""What ranking reads, as one interface with two sources: the database (services/sql_reads.py,
and trust's part in services/trust.py) and a replica's in-memory read model
(services/read_model_reads.py). The logic that ranks and explains is written once, over
this interface, so both sources give exactly the same answer (tests/services/test_read_model.py).

Rows are read by attribute, as SQLAlchemy rows are; each method says which it carries.
"""

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from models.requests import HelpRequest
from services.helper_records import Record
from services.trust_reads import TrustReads


class RankReads(TrustReads, Protocol):
    async def offers_in_reach(
        self, request: HelpRequest, cells: Collection[str], now: datetime
    ) -> Sequence[Any]:
        """Active, unexpired offers in the request's category whose cell is among `cells`,
        not the requester's own: id, owner_id, cell, radius_m, availability, visibility."""
        ...

    async def offers_shared_with(
        self, viewer_id: uuid.UUID, offer_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of the offers whose audience holds the viewer."""
        ...

    async def home_cell(self, resident_id: uuid.UUID) -> str | None: ...

    async def records(
        self, request: HelpRequest, helpers: Collection[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, Record]:
        """Each helper's record of matches (helpers with none are absent)."""
        ...

    async def active_people(self, helpers: Collection[uuid.UUID]) -> Sequence[Any]:
        """The active ones among the helpers: id, weekly_help_cap, quiet_from, quiet_until,
        timezone."""
        ...

    async def tied_from(self, owner_id: uuid.UUID, others: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `others` the owner holds a tie with (any kind)."""
        ...

    async def held_through_one(self, owner_id: uuid.UUID, viewer_id: uuid.UUID) -> bool:
        """The viewer is in a circle_of_circle audience of the owner's (circles.audience_holds)."""
        ...
