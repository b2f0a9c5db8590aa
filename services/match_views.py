"""What each side sees of a match, and the log of every showing of someone's details."""

import uuid
from datetime import timedelta

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.matches import (
    Disclosure,
    DisclosurePublic,
    Match,
    MatchChange,
    MatchChangePublic,
    MatchPublic,
    MatchStatus,
    Reason,
    SharedDetails,
)
from models.requests import HelpRequest
from models.residents import Resident
from services import matches, names
from services.posts import FeedKey, paginate

# After a match ends, its details stay readable this long: enough to send a last "running
# late" or "thank you", not so long that an address lingers.
GRACE = timedelta(days=1)


def _shared(match: Match, viewer_id: uuid.UUID) -> SharedDetails | None:
    if match.confirmed_at is None:
        return None
    live = match.status == MatchStatus.confirmed or (
        match.closed_at is not None and utcnow() < match.closed_at + GRACE
    )
    if not live:
        return None
    if viewer_id == match.helper_id:
        return SharedDetails(contact=match.requester_contact, meeting_note=match.meeting_note)
    return SharedDetails(contact=match.helper_contact, meeting_note=match.meeting_note)


async def view(session: AsyncSession, viewer: Resident, match: Match) -> MatchPublic:
    """The match as one of its two sides sees it. Showing the other side's details logs a
    disclosure they can read in `GET /v1/me/disclosures`."""
    request = await session.get(HelpRequest, match.request_id)
    changes = (
        await session.exec(
            select(MatchChange)
            .where(MatchChange.match_id == match.id)
            .order_by(col(MatchChange.at), col(MatchChange.id))
        )
    ).all()
    people = {match.requester_id, match.helper_id} | {c.by for c in changes if c.by}
    known = await names.names(session, people)
    shared = _shared(match, viewer.id)
    subject = match.requester_id if viewer.id == match.helper_id else match.helper_id
    if shared is not None:
        fields = [name for name in ("contact", "meeting_note") if getattr(shared, name)]
        if fields:
            session.add(
                Disclosure(
                    subject_id=subject, viewer_id=viewer.id, match_id=match.id, fields=fields
                )
            )
    helper_side = viewer.id == match.helper_id
    sides = {match.requester_id, match.helper_id}
    return MatchPublic(
        id=match.id,
        request_id=match.request_id,
        request_title=request.title if request else "",
        requester=names.ref(match.requester_id, known),
        helper=names.ref(match.helper_id, known),
        offer_id=match.offer_id,
        origin=match.origin,
        status=match.status,
        your_role="helper" if helper_side else "requester",
        # Why this helper: for the requester's side; a helper is not shown their own score.
        reasons=[] if helper_side else [Reason.model_validate(r) for r in match.reasons],
        expires_at=match.expires_at,
        shared=shared,
        thanks_received=match.requester_thanks if helper_side else match.helper_thanks,
        timeline=[
            MatchChangePublic(
                status=c.status,
                at=c.at,
                # A helper sees who of the two of them acted; a connector's part is theirs.
                by=names.ref(c.by, known) if c.by and (c.by in sides or not helper_side) else None,
            )
            for c in changes
        ],
        version=match.version,
        created_at=match.created_at,
    )


async def read(session: AsyncSession, viewer: Resident, match_id: uuid.UUID) -> MatchPublic:
    match = await matches.mine(session, viewer, match_id)
    return await view(session, viewer, match)


async def listing(
    session: AsyncSession,
    viewer: Resident,
    status: MatchStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[MatchPublic]:
    """The viewer's matches, as requester or helper, newest first."""
    query = select(Match).where(
        or_(col(Match.requester_id) == viewer.id, col(Match.helper_id) == viewer.id)
    )
    if status is not None:
        query = query.where(Match.status == status)
    rows = (await session.exec(query)).all()
    page, next_cursor = paginate(
        ((FeedKey.of(0, m.created_at, m.id), m) for m in rows), cursor, limit
    )
    return Page[MatchPublic](
        items=[await view(session, viewer, m) for m in page], next_cursor=next_cursor
    )


async def disclosures(
    session: AsyncSession, subject: Resident, cursor: str | None, limit: int
) -> Page[DisclosurePublic]:
    rows = (await session.exec(select(Disclosure).where(Disclosure.subject_id == subject.id))).all()
    page, next_cursor = paginate(((FeedKey.of(0, d.at, d.id), d) for d in rows), cursor, limit)
    known = await names.names(session, {d.viewer_id for d in page if d.viewer_id})
    return Page[DisclosurePublic](
        items=[
            DisclosurePublic(
                viewer=names.ref(d.viewer_id, known) if d.viewer_id else None,
                match_id=d.match_id,
                fields=d.fields,
                at=d.at,
            )
            for d in page
        ],
        next_cursor=next_cursor,
    )
