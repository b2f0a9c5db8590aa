"""Demo events for `kith serve --demo`: three repeating ones near Totnes town centre, with
past occurrences where people checked in and chose to keep in touch (hence `met` ties), and
RSVPs for the next ones. Only ever called from the demo seed."""

import random
from datetime import UTC, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.event_hosts import EventHost
from models.events import (
    AREA_RESOLUTION,
    VENUE_RESOLUTION,
    CheckIn,
    Event,
    EventKind,
    KeepInTouch,
    Rsvp,
    RsvpAnswer,
)
from models.residents import Resident
from models.ties import TieKind
from services import events, geo, recurrence, ties

# (kind, title, venue, address, lat, lon, rule, local start, hours, capacity)
EVENTS = (
    (EventKind.meal, "Tuesday community supper", "St Mary's church hall", "High Street",
     50.4318, -3.6866, "FREQ=WEEKLY;BYDAY=TU", time(18, 0), 2, 40),
    (EventKind.walk, "Litter pick and a cuppa", "The Plains", "The Plains",
     50.4310, -3.6842, "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", time(10, 0), 2, None),
    (EventKind.workshop, "Repair café", "Totnes library", "Station Road",
     50.4336, -3.6899, "FREQ=MONTHLY;BYDAY=1SA", time(14, 0), 3, 25),
)  # fmt: skip
WEEKS_OF_HISTORY = 6


async def seed_events(session: AsyncSession, rng: random.Random, residents: list[Resident]) -> int:
    """Returns how many `met` ties the past occurrences formed."""
    now = utcnow()
    formed = 0
    for kind, title, venue, address, lat, lon, rule, start, hours, capacity in EVENTS:
        host = rng.choice(residents)
        first_day = (now - timedelta(weeks=WEEKS_OF_HISTORY)).date()
        tz = recurrence.zone("Europe/London")
        starts_at = recurrence.local(datetime.combine(first_day, start), tz)
        event = Event(
            kind=kind,
            title=title,
            description="All welcome. Come as you are.",
            accessibility="Step-free access",
            venue_name=venue,
            venue_address=address,
            venue_cell=geo.cell_of(lat, lon, VENUE_RESOLUTION),
            cell=geo.cell_of(lat, lon, AREA_RESOLUTION),
            starts_at=starts_at.astimezone(UTC),
            ends_at=(starts_at + timedelta(hours=hours)).astimezone(UTC),
            rrule=rule,
            capacity=capacity,
            created_by=host.id,
        )
        session.add(event)
        await session.flush()
        session.add(EventHost(event_id=event.id, resident_id=host.id, accepted_at=utcnow()))
        schedule = events.schedule(event, [])
        past = schedule.slots(starts_at, now)
        upcoming = schedule.slots(now, now + timedelta(days=35))
        for slot in past:
            came = rng.sample(residents, 10)
            for person in came:
                session.add(
                    CheckIn(
                        event_id=event.id,
                        occurrence=slot.occurrence,
                        resident_id=person.id,
                        checked_in_at=slot.starts_at,
                    )
                )
            for a, b in zip(came[::2], came[1::2], strict=True):  # pairs who chose each other
                for chooser, chosen in ((a, b), (b, a)):
                    session.add(
                        KeepInTouch(
                            event_id=event.id,
                            occurrence=slot.occurrence,
                            chooser_id=chooser.id,
                            chosen_id=chosen.id,
                        )
                    )
                context = f"{title} on {slot.starts_at.day} {slot.starts_at:%b %Y}"
                await ties.record_tie(
                    session, a.id, b.id, TieKind.met, at=slot.starts_at, context=context
                )
                formed += 1
        for slot in upcoming[:2]:
            for person in rng.sample(residents, 8):
                session.add(
                    Rsvp(
                        event_id=event.id,
                        occurrence=slot.occurrence,
                        resident_id=person.id,
                        answer=rng.choice((RsvpAnswer.going, RsvpAnswer.going, RsvpAnswer.maybe)),
                    )
                )
        event.last_ends_at = schedule.last_end()
        session.add(event)
    await session.flush()
    return formed
