"""Trust's part of ranking's reads (services/rank_reads.py): on its own, so that trust can
name it without importing what ranking imports."""

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from models.verifications import VerificationKind


class TrustReads(Protocol):
    async def hidden_from(self, viewer_id: uuid.UUID) -> set[uuid.UUID]:
        """Everyone on either side of a block with the viewer."""
        ...

    async def ties_of(self, viewer_id: uuid.UUID) -> Sequence[Any]:
        """The viewer's tie rows: other_id, kind, times, since, last_at, context, and the other
        person's display_name, status and home_cell."""
        ...

    async def path_legs(
        self, mutuals: Collection[uuid.UUID], wanted: Collection[uuid.UUID]
    ) -> Sequence[tuple[uuid.UUID, uuid.UUID, Any, int, datetime]]:
        """(mutual, candidate, kind, times, last_at) for each mutual-kind tie a mutual holds
        with a wanted candidate, where no block stands between the two."""
        ...

    async def vouch_counts(
        self, candidates: Collection[uuid.UUID]
    ) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
        """Live vouches for each candidate from active residents: by neighbours, by connectors."""
        ...

    async def verifications(
        self, candidates: Collection[uuid.UUID], at: datetime
    ) -> dict[uuid.UUID, dict[VerificationKind, date | None]]:
        """Per candidate, each kind of check in force on the day and when it lapses."""
        ...
