"""Reminders a day and an hour before each occurrence, for those going. Run by `kith
jobs` (every few minutes, from cron or a scheduler); any number may run at once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.events import Event, EventStatus, Rsvp, RsvpAnswer
from models.notifications import NotificationKind
from services import events, notifications

AHEAD = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


@dataclass(frozen=True)
class Sent:
    reminders: int


async def send_due(session: AsyncSession, now: datetime) -> Sent:
    """Every reminder whose time has come and whose occurrence has not begun. The dedupe key
    makes a second run (or a second worker) a no-op."""
    horizon = now + max(AHEAD.values())
    rows = await session.exec(
        select(Event)
        .where(Event.status == EventStatus.scheduled)
        .where(col(Event.starts_at) <= horizon + timedelta(days=7))
        .where((col(Event.last_ends_at).is_(None)) | (col(Event.last_ends_at) > now))
    )
    upcoming = list(rows.all())
    changes = await events.changes_by_event(session, [event.id for event in upcoming])
    sent = 0
    for event in upcoming:
        for slot in events.schedule(event, changes[event.id]).slots(now, horizon):
            if slot.starts_at <= now:
                continue
            going = await session.exec(
                select(Rsvp.resident_id)
                .where(Rsvp.event_id == event.id, Rsvp.occurrence == slot.occurrence)
                .where(Rsvp.answer == RsvpAnswer.going, col(Rsvp.waitlisted).is_(False))
            )
            residents = list(going.all())
            # The nearest reminder that is due: a worker first running 40 minutes before
            # the start sends the hour's reminder, not a late "tomorrow" one as well.
            label = next(
                (name for name, before in sorted(AHEAD.items(), key=lambda kv: kv[1])
                 if slot.starts_at - before <= now),
                None,
            )  # fmt: skip
            if label is None:
                continue
            start = slot.starts_at
            when = f"{start:%H:%M} on {start:%a} {start.day} {start:%b}"
            sent += await notifications.notify(
                session,
                residents,
                NotificationKind.event_reminder,
                f"reminder:{label}:{event.id}:{slot.occurrence.isoformat()}",
                f"{event.title} starts at {when}",
                {
                    "event_id": str(event.id),
                    "occurrence": slot.occurrence.isoformat(),
                    "before": label,
                },
            )
    return Sent(reminders=sent)
