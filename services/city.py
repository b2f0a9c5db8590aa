"""A synthetic city of N residents, for `kith demo --residents N`, `kith serve --demo` (N =
300: the demo neighbourhood alone) and the benchmarks.

First the demo neighbourhood (services/demo.py: Totnes town centre, with the documented
sign-ins, connectors with a queue, and events), then neighbourhoods around it
(services/city_layout.py) until N people live in the city. Each is written in one transaction
of bulk inserts: its area and connector, its people, their offers and requests, a year of
help given, connections and vouches, events with attendance, the ties all of that formed,
and the sync log's entries so that phones see it on their first sync. A seed that stops part
way resumes at the first neighbourhood not yet written, and makes the same city.
"""

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.event_hosts import EventHost
from models.events import CheckIn, Event, KeepInTouch, Rsvp
from models.matches import Match
from models.neighbourhoods import Neighbourhood, NeighbourhoodConnector, NeighbourhoodCreate
from models.offers import Offer
from models.requests import HelpRequest
from models.residents import Resident
from models.sync import SyncKind
from models.ties import MUTUAL_KINDS, Tie
from models.trust import Connection
from models.vouches import Vouch
from services import changes, city_events, city_people, demo, neighbourhoods, sync_upkeep
from services.city_layout import PER_NEIGHBOURHOOD, SPREAD_KM
from services.city_layout import Neighbourhood as Place
from services.city_layout import neighbourhoods as layout
from services.city_rows import Formed, Row, Rows
from services.passwords import PasswordHasher

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Progress = Callable[[int, int], None]  # (neighbourhoods written, of how many)
CHUNK = 2000  # rows an insert statement carries: SQLite allows 32,766 bound values
# In the order of their foreign keys.
TABLES: tuple[tuple[str, Any], ...] = (
    ("residents", Resident),
    ("offers", Offer),
    ("requests", HelpRequest),
    ("matches", Match),
    ("connections", Connection),
    ("vouches", Vouch),
    ("events", Event),
    ("hosts", EventHost),
    ("check_ins", CheckIn),
    ("keep_in_touch", KeepInTouch),
    ("rsvps", Rsvp),
)


@dataclass(frozen=True)
class CitySummary:
    residents: int
    neighbourhoods: int  # besides the demo's own
    written: int  # neighbourhoods this run wrote; the rest were there already
    demo: demo.DemoSummary


async def seed(
    transaction: Transaction,
    hasher: PasswordHasher,
    residents: int = demo.RESIDENTS,
    progress: Progress | None = None,
) -> CitySummary:
    if residents < demo.RESIDENTS:
        raise ValueError(f"a city has at least the demo's {demo.RESIDENTS} residents")
    async with transaction() as session:
        summary = await demo.seed(session, hasher)
    async with transaction() as session:
        admin = (
            await session.exec(select(Resident).where(Resident.email == demo.ADMIN_EMAIL))
        ).one()
        existing = set(
            (
                await session.exec(
                    select(Neighbourhood.name).where(col(Neighbourhood.name).like("%(demo)"))
                )
            ).all()
        )
    places = layout(residents - demo.RESIDENTS)
    there = [place for place in places if place.name in existing]
    if there:
        await _refuse_a_partial_tail(transaction, there[-1], len(existing))
    written = 0
    for number, place in enumerate(places, start=1):
        if place.name not in existing:
            async with transaction() as session:
                await _write_neighbourhood(session, place, admin.id, admin.password_hash)
            written += 1
        if progress is not None:
            progress(number, len(places))
    return CitySummary(residents, len(places), written, summary)


async def _refuse_a_partial_tail(transaction: Transaction, last: Place, written: int) -> None:
    """Only a city's last neighbourhood may be partial, and a neighbourhood is written whole
    (its ties and events are among its own people): a city that ended in a partial one
    cannot grow past it. Said plainly, rather than as a foreign-key error halfway."""
    async with transaction() as session:
        ids = [last.resident_id(index) for index in range(last.size)]
        held = (await session.exec(select(func.count()).where(col(Resident.id).in_(ids)))).one()
    if held < last.size:
        raise ValueError(
            f"this database's city ends in a partial neighbourhood ({last.name}: {held} of "
            f"{last.size} residents), so it cannot grow: seed an empty database, or grow a city "
            f"of {demo.RESIDENTS} + a multiple of {PER_NEIGHBOURHOOD} residents "
            f"(it has {written} neighbourhoods)"
        )


async def _write_neighbourhood(
    session: AsyncSession, place: Place, admin_id: uuid.UUID, password_hash: str
) -> None:
    now = utcnow()
    area = await neighbourhoods.create(
        session,
        NeighbourhoodCreate(
            name=place.name,
            description="A synthetic neighbourhood of the demo city.",
            lat=place.lat,
            lon=place.lon,
            radius_m=int(SPREAD_KM * 2000),
        ),
        created_by=admin_id,
    )
    homes = place.homes()
    rows = Rows(residents=city_people.people(place, homes, password_hash, demo.DEMO_DOMAIN, now))
    city_people.posts(place, homes, now, rows)
    city_people.help_given(place, homes, now, rows)
    city_people.connections(place, now, rows)
    city_events.events(place, now, rows)
    for event in rows.events:
        event["neighbourhood_id"] = area.id
    for name, model in TABLES:
        await _insert(session, model, getattr(rows, name))
    ties = tie_rows(rows.formed)
    await _insert(session, Tie, ties)
    session.add(
        NeighbourhoodConnector(
            neighbourhood_id=area.id, resident_id=place.resident_id(0), appointed_by=admin_id
        )
    )
    _log_for_sync(session, rows, ties)


async def _insert(session: AsyncSession, model: Any, rows: list[Row]) -> None:
    for start in range(0, len(rows), CHUNK):
        await session.exec(insert(model), params=rows[start : start + CHUNK])


def tie_rows(formed: list[Formed]) -> list[Row]:
    """One row per holder, other and kind: since the first time, last at the latest, and
    how many times (as services.ties.record_tie would have counted them one by one)."""
    ties: dict[tuple[uuid.UUID, uuid.UUID, str], Row] = {}
    for tie in formed:
        sides = ((tie.a, tie.b), (tie.b, tie.a)) if tie.kind in MUTUAL_KINDS else ((tie.a, tie.b),)
        for holder, other in sides:
            row = ties.get((holder, other, tie.kind.value))
            if row is None:
                ties[holder, other, tie.kind.value] = {
                    "resident_id": holder,
                    "other_id": other,
                    "kind": tie.kind.value,
                    "since": tie.at,
                    "last_at": tie.at,
                    "times": 1,
                    "context": tie.context,
                }
                continue
            row["times"] += 1
            row["since"] = min(row["since"], tie.at)
            if tie.at > row["last_at"]:
                row["last_at"], row["context"] = tie.at, tie.context or row["context"]
    return list(ties.values())


def _log_for_sync(session: AsyncSession, rows: Rows, ties: list[Row]) -> None:
    """What a phone syncs: live posts, events, recent matches, and each holder's ties.
    What closed before the log's retention is left out, as pruning would have left it."""
    kept_from = utcnow() - sync_upkeep.RETENTION
    for offer in rows.offers:
        changes.note(session, SyncKind.offer, offer["id"])
    for request in rows.requests:
        if request["status"] == "open":
            changes.note(session, SyncKind.request, request["id"])
    for match in rows.matches:
        if match["updated_at"] >= kept_from:
            changes.note(session, SyncKind.match, match["id"])
    for event in rows.events:
        changes.note(session, SyncKind.event, event["id"])
    for tie in ties:
        changes.note(
            session, SyncKind.tie, tie["other_id"], changes.resident_audience(tie["resident_id"])
        )
