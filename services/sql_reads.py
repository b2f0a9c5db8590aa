"""Ranking's reads from the database (the interface is services/rank_reads.py): each a fixed
number of statements, built once with their values bound per call (building SQL expressions
afresh is a good part of a ranking's own CPU, profiled), each served by an index
(tests/api/test_query_plans.py)."""

import uuid
from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select

from models.offers import Offer, OfferStatus
from models.posts import Visibility
from models.requests import HelpRequest
from models.residents import Resident
from models.ties import Tie
from services import bulk, circles, feeds, helper_records
from services.helper_records import Record
from services.trust import SqlTrustReads

_OFFERS_IN_REACH = (
    select_columns(
        col(Offer.id),
        col(Offer.owner_id),
        col(Offer.cell),
        col(Offer.radius_m),
        col(Offer.availability),
        col(Offer.visibility),
    )
    .where(col(Offer.status) == OfferStatus.active)
    .where(col(Offer.category) == bindparam("category"))
    .where(col(Offer.cell).in_(bindparam("cells", expanding=True)))
    .where(col(Offer.expires_at) > bindparam("now"))
    .where(col(Offer.owner_id) != bindparam("requester"))
)


@cache
def _held_by_viewer() -> ColumnElement[bool]:
    """An offer's audience holds the viewer: built once, bound per call (as the feed's)."""
    return circles.audience_holds(feeds.VIEWER, Offer.visibility, Offer.owner_id)


class SqlRankReads(SqlTrustReads):
    async def offers_in_reach(
        self, request: HelpRequest, cells: Collection[str], now: datetime
    ) -> list[Any]:
        connection = await self.session.connection()
        rows = await connection.execute(
            _OFFERS_IN_REACH,
            {
                "category": request.category,
                "cells": sorted(cells),
                "now": now,
                "requester": request.owner_id,
            },
        )
        return list(rows.all())

    async def offers_shared_with(
        self, viewer_id: uuid.UUID, offer_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        held = await self.session.exec(
            select(Offer.id).where(col(Offer.id).in_(offer_ids)).where(_held_by_viewer()),
            params={"viewer": viewer_id},
        )
        return set(held.all())

    async def home_cell(self, resident_id: uuid.UUID) -> str | None:
        resident = await self.session.get(Resident, resident_id)
        return resident.home_cell if resident is not None else None

    async def records(
        self, request: HelpRequest, helpers: Collection[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, Record]:
        return await helper_records.records(self.session, request, set(helpers), now)

    async def active_people(self, helpers: Collection[uuid.UUID]) -> list[Any]:
        return await helper_records.active_people(self.session, set(helpers))

    async def tied_from(self, owner_id: uuid.UUID, others: Collection[uuid.UUID]) -> set[uuid.UUID]:
        held = await self.session.exec(
            select(Tie.other_id).where(
                Tie.resident_id == owner_id, bulk.among(self.session, col(Tie.other_id), others)
            )
        )
        return set(held.all())

    async def held_through_one(self, owner_id: uuid.UUID, viewer_id: uuid.UUID) -> bool:
        shared = await self.session.exec(
            select(Resident.id).where(
                Resident.id == viewer_id,
                circles.audience_holds(viewer_id, Visibility.circle_of_circle, owner_id),
            )
        )
        return shared.first() is not None
