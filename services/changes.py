"""The change log behind delta sync: what changed, for whom, in commit order.

Code that changes something a client syncs calls `note()` (ORM writes to the synced tables
are noted by themselves, see `_note_flushed`). Notes wait in the session until it commits;
just before the commit they are written with numbers from the one-row clock, whose row lock
is the last lock the transaction takes. So numbers follow commit order (no reader can see
change 8 while change 7 is still uncommitted) and taking it last cannot deadlock with the
row locks the change itself needed.

Noting too much is harmless (a client re-reads something unchanged); noting too little
leaves a phone with a stale copy. When in doubt, note.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col, select

from models.base import utcnow
from models.event_hosts import EventHost
from models.events import Event
from models.matches import Match
from models.notifications import Notification
from models.offers import Offer
from models.requests import HelpRequest
from models.residents import Resident
from models.sync import SyncChange, SyncClock, SyncKind
from models.ties import Tie

AUDIENCE_CHUNK = 5000  # ids in one IN list, well within any statement's arguments

PENDING = "kith.sync.pending"  # session.info: (kind, id) -> audiences known at note time
RESIDENTS = "kith.sync.residents"  # session.info: residents whose standing changed

POST_MODELS: dict[SyncKind, type[Offer] | type[HelpRequest]] = {
    SyncKind.offer: Offer,
    SyncKind.request: HelpRequest,
}
POST_KINDS = {model: kind for kind, model in POST_MODELS.items()}


def resident_audience(resident_id: uuid.UUID) -> str:
    return f"r:{resident_id}"


def cell_audience(cell: str) -> str:
    return f"c:{cell}"


def note(session: Any, kind: SyncKind, entity_id: uuid.UUID, *audiences: str) -> None:
    """Log a change to this thing at commit. Its current audiences are added then; pass
    the ones it may be leaving (an old cell) or that cannot be looked up (a tie's owner)."""
    pending: dict[tuple[SyncKind, uuid.UUID], set[str]] = session.info.setdefault(PENDING, {})
    pending.setdefault((kind, entity_id), set()).update(audiences)


def note_resident(session: Any, resident_id: uuid.UUID) -> None:
    """Whether others may see this resident's things changed (a block, a suspension, a tie
    that opens or closes their circle posts): everything of theirs is re-read at commit."""
    session.info.setdefault(RESIDENTS, set()).add(resident_id)


def note_tie(session: Any, a: uuid.UUID, b: uuid.UUID) -> None:
    """The tie between a and b changed: each side's circle shows the other differently, and
    circle-only posts of either may have opened or closed to the other."""
    note(session, SyncKind.tie, b, resident_audience(a))
    note(session, SyncKind.tie, a, resident_audience(b))
    note_resident(session, a)
    note_resident(session, b)


_SYNCED_ORM: dict[type, SyncKind] = {
    Offer: SyncKind.offer,
    HelpRequest: SyncKind.request,
    Match: SyncKind.match,
    Event: SyncKind.event,
    Notification: SyncKind.notification,
}


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    """ORM writes to synced tables note themselves, with the audiences they leave."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, EventHost):
            note(
                session, SyncKind.event, instance.event_id, resident_audience(instance.resident_id)
            )
            continue
        if isinstance(instance, Resident):
            if inspect(instance).attrs.status.history.has_changes():
                note_resident(session, instance.id)
            continue
        kind = _SYNCED_ORM.get(type(instance))
        if kind is None:
            continue
        note(session, kind, instance.id, *_audiences_of(instance, with_old_cell=True))


def _audiences_of(instance: Any, with_old_cell: bool = False) -> set[str]:
    found: set[str] = set()
    if isinstance(instance, Offer | HelpRequest):
        found |= {resident_audience(instance.owner_id), cell_audience(instance.cell)}
    elif isinstance(instance, Match):
        found |= {resident_audience(instance.requester_id), resident_audience(instance.helper_id)}
    elif isinstance(instance, Event):
        found.add(cell_audience(instance.cell))
    elif isinstance(instance, Notification):
        found.add(resident_audience(instance.resident_id))
    if with_old_cell and isinstance(instance, Offer | HelpRequest | Event):
        found |= {cell_audience(old) for old in inspect(instance).attrs.cell.history.deleted}
    return found


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(RESIDENTS, None)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Runs inside `commit()`, after the request's work: look up audiences, take numbers
    from the clock (its row lock serialises writers from here to the commit), upsert."""
    if not session.info.get(PENDING) and not session.info.get(RESIDENTS):
        return
    session.flush()  # ORM changes still pending note themselves now
    _expand_residents(session, session.info.pop(RESIDENTS, set()))
    pending: dict[tuple[SyncKind, uuid.UUID], set[str]] = session.info.pop(PENDING, {})
    if not pending:
        return
    for key, audiences in _current_audiences(session, list(pending)).items():
        pending[key] |= audiences
    entries = [(key, audiences) for key, audiences in pending.items() if audiences]
    if not entries:
        return
    top = session.execute(
        update(SyncClock)
        .where(col(SyncClock.id) == 1)
        .values(seq=col(SyncClock.seq) + len(entries))
        .returning(col(SyncClock.seq))
    ).scalar_one()
    now = utcnow()
    rows = [
        {"kind": kind, "entity_id": entity_id, "audience": audience, "seq": seq, "changed_at": now}
        for seq, ((kind, entity_id), audiences) in enumerate(entries, start=top - len(entries) + 1)
        for audience in sorted(audiences)
    ]
    insert = (postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert)(SyncChange)
    statement = insert.on_conflict_do_update(
        index_elements=["kind", "entity_id", "audience"],
        set_={"seq": insert.excluded.seq, "changed_at": insert.excluded.changed_at},
    )
    session.execute(statement, rows)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _expand_residents(session: Session, residents: Iterable[uuid.UUID]) -> None:
    """Everything of these residents that others sync: posts, events they host, and their
    place in others' circles."""
    ids = list(residents)
    if not ids:
        return
    for kind, model in POST_MODELS.items():
        for post_id in session.execute(
            select(model.id).where(col(model.owner_id).in_(ids))
        ).scalars():
            note(session, kind, post_id)
    hosted = select(EventHost.event_id).where(col(EventHost.resident_id).in_(ids))
    for event_id in session.execute(hosted).scalars():
        note(session, SyncKind.event, event_id)
    held_by = select(Tie.resident_id, Tie.other_id).where(col(Tie.other_id).in_(ids))
    for holder, other in session.execute(held_by).all():
        note(session, SyncKind.tie, other, resident_audience(holder))


def _current_audiences(
    session: Session, keys: list[tuple[SyncKind, uuid.UUID]]
) -> dict[tuple[SyncKind, uuid.UUID], set[str]]:
    """Who each thing concerns now. Things gone since keep the audiences noted with them."""
    by_kind: dict[SyncKind, list[uuid.UUID]] = defaultdict(list)
    for kind, entity_id in keys:
        by_kind[kind].append(entity_id)
    found: dict[tuple[SyncKind, uuid.UUID], set[str]] = defaultdict(set)
    for kind, model in POST_MODELS.items():
        if by_kind[kind]:
            rows = session.execute(
                select(model.id, model.owner_id, model.cell).where(col(model.id).in_(by_kind[kind]))
            )
            for post_id, owner_id, cell in rows.all():
                found[kind, post_id] |= {resident_audience(owner_id), cell_audience(cell)}
    if by_kind[SyncKind.match]:
        sides = session.execute(
            select(Match.id, Match.requester_id, Match.helper_id).where(
                col(Match.id).in_(by_kind[SyncKind.match])
            )
        )
        for match_id, requester_id, helper_id in sides.all():
            found[SyncKind.match, match_id] |= {
                resident_audience(requester_id),
                resident_audience(helper_id),
            }
    if by_kind[SyncKind.event]:
        events = by_kind[SyncKind.event]
        for event_id, cell in session.execute(
            select(Event.id, Event.cell).where(col(Event.id).in_(events))
        ).all():
            found[SyncKind.event, event_id].add(cell_audience(cell))
        hosts = select(EventHost.event_id, EventHost.resident_id).where(
            col(EventHost.event_id).in_(events)
        )
        for event_id, host_id in session.execute(hosts).all():
            found[SyncKind.event, event_id].add(resident_audience(host_id))
    notified = list(by_kind[SyncKind.notification])
    # In chunks: crisis mode tells a whole neighbourhood in one transaction.
    for start in range(0, len(notified), AUDIENCE_CHUNK):
        recipients = session.execute(
            select(Notification.id, Notification.resident_id).where(
                col(Notification.id).in_(notified[start : start + AUDIENCE_CHUNK])
            )
        )
        for notification_id, resident_id in recipients.all():
            found[SyncKind.notification, notification_id].add(resident_audience(resident_id))
    return found
