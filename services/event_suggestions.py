"""Suggested events: upcoming occurrences near you, first those your ties are going to, then
those with the most people from your neighbourhood. Only your ties are ever named."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page
from models.events import OccurrencePublic, Rsvp, RsvpAnswer
from models.neighbourhoods import NeighbourhoodCell
from models.residents import Resident, ResidentStatus
from models.ties import Tie
from models.trust import ResidentRef
from services import blocks, events, geo, residents
from services.neighbourhoods import AREA_RESOLUTION
from services.posts import FeedKey, paginate

# The sort key packs (neighbours, start) into one float: a count outweighs any start time
# in a 92-day window (~8e6 s) when scaled by 1e10, and stays exact well within a double.
NEIGHBOUR_WEIGHT = 1e10


async def suggested(
    session: AsyncSession,
    viewer: Resident,
    *,
    window: tuple[datetime, datetime],
    within_m: int,
    cursor: str | None,
    limit: int,
) -> Page[OccurrencePublic]:
    found = await events.in_reach(session, viewer, window, within_m)
    event_ids = list({item.event_id for item in found})
    going: dict[tuple[object, object], list[tuple[ResidentRef, str | None]]] = {}
    if event_ids:
        rows = await session.exec(
            select(col(Rsvp.event_id), col(Rsvp.occurrence), Resident)
            .join(Resident, col(Resident.id) == Rsvp.resident_id)
            .where(col(Rsvp.event_id).in_(event_ids))
            .where(Rsvp.answer == RsvpAnswer.going, col(Rsvp.waitlisted).is_(False))
            .where(Resident.status == ResidentStatus.active, Resident.id != viewer.id)
            .where(blocks.not_hidden_from(viewer.id, Rsvp.resident_id))
        )
        for event_id, occurrence, person in rows.all():
            ref = ResidentRef(id=person.id, display_name=person.display_name)
            going.setdefault((event_id, occurrence), []).append((ref, person.home_cell))
    my_ties = set(
        (await session.exec(select(Tie.other_id).where(Tie.resident_id == viewer.id))).all()
    )
    areas = [n.id for n in await residents.neighbourhoods_of(session, viewer)]
    area_cells = (
        set(
            (
                await session.exec(
                    select(NeighbourhoodCell.cell).where(
                        col(NeighbourhoodCell.neighbourhood_id).in_(areas)
                    )
                )
            ).all()
        )
        if areas
        else set()
    )
    keyed = []
    for item in found:
        people = going.get((item.event_id, item.occurrence), [])
        item.ties_going = sorted(
            (ref for ref, _ in people if ref.id in my_ties), key=lambda r: (r.display_name, r.id)
        )
        item.neighbours_going = sum(
            1
            for _, cell in people
            if cell is not None and geo.at_resolution(cell, AREA_RESOLUTION) in area_cells
        )
        rank = -item.neighbours_going * NEIGHBOUR_WEIGHT + item.starts_at.timestamp()
        keyed.append(
            (FeedKey(-len(item.ties_going), rank, f"{item.event_id}/{item.occurrence}"), item)
        )
    page, next_cursor = paginate(keyed, cursor, limit)
    return Page[OccurrencePublic](items=page, next_cursor=next_cursor)
