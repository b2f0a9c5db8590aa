"""The export's sections about what a resident shares with other people (matches, ties,
connections, events), each shown as they saw it, never revealing what was kept from them;
and the reader every section uses."""

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from models.base import utcnow
from models.data_rights import (
    SECTION_LIMIT,
    ExportedBlock,
    ExportedCheckIn,
    ExportedConnection,
    ExportedDisclosure,
    ExportedEvent,
    ExportedKeepInTouch,
    ExportedMatch,
    ExportedMatchStep,
    ExportedRsvp,
    ExportedTie,
    ExportedVouchGiven,
    ExportedVouchReceived,
)
from models.event_hosts import EventHost
from models.events import CheckIn, Event, KeepInTouch, Rsvp
from models.matches import Disclosure, Match, MatchChange, Reason
from models.requests import HelpRequest
from models.ties import Tie
from models.trust import Block, Connection, ConnectionStatus, ResidentRef
from models.vouches import Vouch
from services import names

T = TypeVar("T")
E = TypeVar("E")
M = TypeVar("M", bound=BaseModel)
Ref = Callable[[uuid.UUID], ResidentRef]
MatchStepBy = Literal["you", "them", "someone else"]
HostingSeen = Literal["hosting", "invited", "declined"]
ConnectionSeen = Literal["pending", "accepted", "declined", "withdrawn", "lapsed", "ended"]
PENDING = ConnectionStatus.pending


class Sections:
    """Reads each section newest first, at most SECTION_LIMIT rows, noting those cut short."""

    def __init__(self, session: AsyncSession, me: uuid.UUID) -> None:
        self.session = session
        self.me = me
        self.truncated: list[str] = []

    async def rows(self, name: str, query: SelectOfScalar[T]) -> Sequence[T]:
        return await self._cut(
            name, (await self.session.exec(query.limit(SECTION_LIMIT + 1))).all()
        )

    async def tuples(self, name: str, query: Any) -> Sequence[Any]:
        return await self._cut(
            name, (await self.session.exec(query.limit(SECTION_LIMIT + 1))).all()
        )

    async def own(
        self, name: str, model: type[T], owner: Any, newest: Any, shape: Callable[[T], E]
    ) -> list[E]:
        """A section of one table's rows whose `owner` column is the resident, newest first."""
        query = select(model).where(owner == self.me).order_by(col(newest).desc())
        return [shape(row) for row in await self.rows(name, query)]

    async def _cut(self, name: str, found: Sequence[T]) -> Sequence[T]:
        if len(found) > SECTION_LIMIT:
            self.truncated.append(name)
        return found[:SECTION_LIMIT]

    async def refs(self, ids: Iterable[uuid.UUID]) -> Ref:
        known = await names.names(self.session, set(ids))
        return lambda resident_id: names.ref(resident_id, known)


async def matches(read: Sections) -> list[ExportedMatch]:
    """Either side's matches: what you wrote and what you were told; never the other side's
    contact or note, which were shown to you only while the match was on."""
    me = read.me
    query = (
        select(Match, HelpRequest.title)
        .join(HelpRequest, col(HelpRequest.id) == Match.request_id)
        .where(or_(col(Match.requester_id) == me, col(Match.helper_id) == me))
        .order_by(col(Match.created_at).desc())
    )
    rows = await read.tuples("matches", query)
    steps: dict[uuid.UUID, list[MatchChange]] = {}
    if rows:
        changes = await read.session.exec(
            select(MatchChange)
            .where(col(MatchChange.match_id).in_([m.id for m, _ in rows]))
            .order_by(col(MatchChange.at), col(MatchChange.id))
        )
        for change in changes.all():
            steps.setdefault(change.match_id, []).append(change)
    ref = await read.refs(i for m, _ in rows for i in (m.requester_id, m.helper_id))
    exported = []
    for match, title in rows:
        helper = match.helper_id == me
        other = match.requester_id if helper else match.helper_id
        exported.append(
            ExportedMatch(
                id=match.id,
                request_id=match.request_id,
                request_title=title,
                your_role="helper" if helper else "requester",
                other=ref(other),
                origin=match.origin,
                status=match.status,
                reasons=[] if helper else [Reason.model_validate(r) for r in match.reasons],
                your_contact=match.helper_contact if helper else match.requester_contact,
                your_meeting_note=None if helper else match.meeting_note,
                thanks_sent=match.helper_thanks if helper else match.requester_thanks,
                thanks_received=match.requester_thanks if helper else match.helper_thanks,
                created_at=match.created_at,
                confirmed_at=match.confirmed_at,
                closed_at=match.closed_at,
                timeline=[
                    ExportedMatchStep(status=c.status, at=c.at, by=_by(c.by, me, other))
                    for c in steps.get(match.id, [])
                ],
            )
        )
    return exported


def copied(exported: type[M]) -> Callable[[Any], M]:
    """A row shown as it is stored, in the export's model of it."""
    return lambda row: exported.model_validate(row, from_attributes=True)


def _by(actor: uuid.UUID | None, me: uuid.UUID, other: uuid.UUID) -> MatchStepBy:
    if actor == me:
        return "you"
    return "them" if actor == other else "someone else"


async def disclosures(
    read: Sections,
) -> tuple[list[ExportedDisclosure], list[ExportedDisclosure]]:
    me = read.me
    query = (
        select(Disclosure)
        .where(or_(col(Disclosure.subject_id) == me, col(Disclosure.viewer_id) == me))
        .order_by(col(Disclosure.at).desc())
    )
    rows = await read.rows("disclosures", query)
    ref = await read.refs({d.subject_id for d in rows} | {d.viewer_id for d in rows if d.viewer_id})

    def shown(d: Disclosure, other: uuid.UUID | None) -> ExportedDisclosure:
        return ExportedDisclosure(
            other=ref(other) if other else None, match_id=d.match_id, fields=d.fields, at=d.at
        )

    return (
        [shown(d, d.viewer_id) for d in rows if d.subject_id == me],
        [shown(d, d.subject_id) for d in rows if d.viewer_id == me],
    )


async def ties(read: Sections) -> list[ExportedTie]:
    query = select(Tie).where(Tie.resident_id == read.me).order_by(col(Tie.last_at).desc())
    rows = await read.rows("ties", query)
    ref = await read.refs(t.other_id for t in rows)
    return [
        ExportedTie(
            other=ref(t.other_id),
            kind=t.kind,
            since=t.since,
            last_at=t.last_at,
            times=t.times,
            context=t.context,
        )
        for t in rows
    ]


async def vouches(
    read: Sections,
) -> tuple[list[ExportedVouchGiven], list[ExportedVouchReceived]]:
    me = read.me
    query = (
        select(Vouch)
        .where(or_(col(Vouch.voucher_id) == me, col(Vouch.vouchee_id) == me))
        .order_by(col(Vouch.created_at).desc())
    )
    rows = await read.rows("vouches", query)
    ref = await read.refs(v.vouchee_id for v in rows if v.voucher_id == me)
    given = [
        ExportedVouchGiven(
            id=v.id,
            resident=ref(v.vouchee_id),
            by_connector=v.by_connector,
            note=v.note,
            created_at=v.created_at,
            revoked_at=v.revoked_at,
        )
        for v in rows
        if v.voucher_id == me
    ]
    # A revoked vouch for you goes unexported, as it goes uncounted: when it was taken back
    # might tell of a block.
    received = [
        ExportedVouchReceived(by_connector=v.by_connector, created_at=v.created_at)
        for v in rows
        if v.vouchee_id == me and v.revoked_at is None
    ]
    return given, received


async def connections(read: Sections) -> list[ExportedConnection]:
    me = read.me
    query = (
        select(Connection)
        .where(or_(col(Connection.requester_id) == me, col(Connection.addressee_id) == me))
        .order_by(col(Connection.created_at).desc())
    )
    # An ask made in the quiet days after a no never reached the person asked: it carries
    # the earlier no, so it was "declined" before it was made. It is not theirs to see.
    rows = [
        c
        for c in await read.rows("connections", query)
        if c.requester_id == me or c.declined_at is None or c.declined_at >= c.created_at
    ]
    ref = await read.refs(i for c in rows for i in (c.requester_id, c.addressee_id))
    now = utcnow()
    exported = []
    for c in rows:
        outgoing = c.requester_id == me
        status: ConnectionSeen = c.status.value  # type: ignore[assignment]  # same words
        lapsed = c.expires_at <= now
        if c.status == ConnectionStatus.expired or (c.status == PENDING and lapsed):
            status = "lapsed"
        elif outgoing and c.status == ConnectionStatus.declined:  # a no is never shown
            status = "lapsed" if lapsed else "pending"
        exported.append(
            ExportedConnection(
                id=c.id,
                other=ref(c.addressee_id if outgoing else c.requester_id),
                direction="outgoing" if outgoing else "incoming",
                status=status,
                message=c.message,
                created_at=c.created_at,
            )
        )
    return exported


async def blocks(read: Sections) -> list[ExportedBlock]:
    query = select(Block).where(Block.blocker_id == read.me).order_by(col(Block.created_at).desc())
    rows = await read.rows("blocks", query)
    ref = await read.refs(b.blocked_id for b in rows)
    return [ExportedBlock(resident=ref(b.blocked_id), created_at=b.created_at) for b in rows]


async def rsvps(read: Sections) -> list[ExportedRsvp]:
    return await read.own("rsvps", Rsvp, Rsvp.resident_id, Rsvp.answered_at, copied(ExportedRsvp))


async def check_ins(read: Sections) -> list[ExportedCheckIn]:
    return await read.own(
        "check_ins", CheckIn, CheckIn.resident_id, CheckIn.checked_in_at, copied(ExportedCheckIn)
    )


async def keep_in_touch(read: Sections) -> list[ExportedKeepInTouch]:
    query = (
        select(KeepInTouch)
        .where(KeepInTouch.chooser_id == read.me)
        .order_by(col(KeepInTouch.created_at).desc())
    )
    rows = await read.rows("keep_in_touch", query)
    ref = await read.refs(k.chosen_id for k in rows)
    return [
        ExportedKeepInTouch(
            event_id=k.event_id,
            occurrence=k.occurrence,
            chosen=ref(k.chosen_id),
            created_at=k.created_at,
        )
        for k in rows
    ]


async def events(read: Sections) -> list[ExportedEvent]:
    me = read.me
    hosting = select(EventHost.event_id).where(EventHost.resident_id == me)
    query = (
        select(Event, EventHost)
        .outerjoin(
            EventHost, (col(EventHost.event_id) == Event.id) & (col(EventHost.resident_id) == me)
        )
        .where(or_(col(Event.created_by) == me, col(Event.id).in_(hosting)))
        .order_by(col(Event.starts_at).desc())
    )
    rows = await read.tuples("events", query)
    return [
        ExportedEvent(
            id=e.id,
            kind=e.kind,
            title=e.title,
            description=e.description,
            venue_name=e.venue_name,
            venue_address=e.venue_address,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            rrule=e.rrule,
            status=e.status,
            created_by_you=e.created_by == me,
            hosting=_hosting(h),
        )
        for e, h in rows
    ]


def _hosting(host: EventHost | None) -> HostingSeen | None:
    if host is None:
        return None
    if host.accepted_at is not None:
        return "hosting"
    return "declined" if host.declined_at is not None else "invited"
