"""Erasing a resident's account at their request, in one transaction.

The resident row stays, scrubbed to "Former neighbour" with status `erased`: other people's
matches, reports and the audit log refer to it, and its random id, now attached to nothing
personal, is the pseudonym they keep. What was theirs alone is deleted; what they share with
others is kept for the others, without their words, name or email:

- open matches end kindly, the other side told without being told who; posts are withdrawn
  and their words removed; ties, vouches, connections, blocks and event answers go;
- devices, API keys acting as them, refresh tokens (so every sign-in ends), the calendar
  feed, notifications, answers to "how did it go?", the wish to be checked on in a crisis
  and the check-ins, alerts they had, checks, roles and cached answers go;
- where Kith copied their name into someone else's data (a notification "Rosa would like to
  connect", a match reason "you both know Rosa", a cached answer), or where others' words
  about them sit in records linked to them (a report, a thank-you note, the other side's
  "how did it go?", an audit reason), their name and email are replaced. Mentions of them
  in unrelated free text (someone else's post, say) are those people's words and are left
  alone.
"""

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import case, delete, func, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.alerts import Alert
from models.api_keys import ApiKey
from models.assisted import AssistedResident
from models.auth import RefreshToken
from models.base import DEFAULT_TIMEZONE, utcnow
from models.devices import Device
from models.event_hosts import EventHost
from models.events import CalendarFeed, CheckIn, Event, EventStatus, KeepInTouch
from models.idempotency import IdempotencyRecord
from models.matches import Disclosure, Match
from models.neighbourhoods import NeighbourhoodConnector
from models.notifications import Notification
from models.offers import Offer, OfferStatus
from models.reports import Report
from models.requests import HelpRequest, RequestStatus
from models.residents import FINE_RESOLUTION, Resident, ResidentStatus
from models.ties import Tie
from models.trust import Block, Connection
from models.verifications import Verification
from models.vouches import Vouch
from models.webhooks import WebhookEndpoint
from models.welfare import WelfareCheck, WelfareSignup
from services import (
    auth,
    bulk,
    changes,
    events,
    match_feedback,
    redaction,
    rsvps,
    suspensions,
)
from services.auth import TokenSettings
from services.errors import SignInAgain
from services.redaction import FORMER_NAME, Redactor

RECENT_SIGN_IN = timedelta(minutes=10)
REMOVED_TITLE = "(removed)"


async def erase_me(
    session: AsyncSession, resident: Resident, tokens: TokenSettings, access_token: str
) -> None:
    """Erase the signed-in resident, if they signed in with their password a moment ago: a
    phone left unlocked, or a stolen token, must not be enough."""
    _, family = auth.access_token_subject(tokens, access_token)
    started = await auth.signed_in_at(session, family)
    if started is None or started < utcnow() - RECENT_SIGN_IN:
        minutes = int(RECENT_SIGN_IN.total_seconds() // 60)
        raise SignInAgain(
            f"To delete your account, sign in again with your password, then delete it within "
            f"{minutes} minutes.",
            max_age_s=int(RECENT_SIGN_IN.total_seconds()),
        )
    await erase(session, resident)


async def erase(session: AsyncSession, resident: Resident) -> None:
    me = resident.id
    redactor = Redactor(resident)
    linked = await _linked_ids(session, me)
    await suspensions.end_open_matches(session, resident, notice=_notice)
    await _withdraw_posts(session, me, redactor)
    await _scrub_matches(session, me, redactor)
    await _step_down_from_events(session, resident, redactor)
    await rsvps.withdraw_all(session, me)
    await _remove_ties(session, me)
    await _remove_own(session, me, redactor)
    await match_feedback.forget(session, me, redactor.words)
    await redaction.redact_copies(session, me, linked, redactor)
    _scrub(resident)
    session.add(resident)
    await session.flush()
    changes.note_resident(session, me)  # others' synced copies drop their posts and ties


def _notice(request: HelpRequest, they_asked: bool) -> str:
    if they_asked:  # the request was theirs: neither its words nor they are named
        return "A request you were matched with has been withdrawn. Thank you all the same."
    return f"{request.title}: your helper can no longer help, sorry. Others may still offer."


async def _linked_ids(session: AsyncSession, me: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the things that are theirs or about them: records that carry one of these
    are where their name may have been copied."""
    queries: list[Any] = [
        select(Offer.id).where(Offer.owner_id == me),
        select(HelpRequest.id).where(HelpRequest.owner_id == me),
        select(Match.id).where(or_(col(Match.requester_id) == me, col(Match.helper_id) == me)),
        select(Event.id).where(Event.created_by == me),
        select(EventHost.event_id).where(EventHost.resident_id == me),
        select(Connection.id).where(
            or_(col(Connection.requester_id) == me, col(Connection.addressee_id) == me)
        ),
        select(Report.id).where(or_(col(Report.reporter_id) == me, col(Report.concerns_id) == me)),
    ]
    linked = {me}
    for query in queries:
        linked.update((await session.exec(query)).all())
    return linked


async def _withdraw_posts(session: AsyncSession, me: uuid.UUID, redactor: Redactor) -> None:
    """Every offer closed and every live request cancelled, their words gone. The rows stay:
    others' matches point at them."""
    for model in (Offer, HelpRequest):
        titles = await session.exec(select(model.title).where(col(model.owner_id) == me))
        redactor.titles.update({t: REMOVED_TITLE for t in titles.all() if t != REMOVED_TITLE})
    words: dict[str, Any] = {
        "title": REMOVED_TITLE,
        "details": "",
        "availability": {},
        "updated_at": utcnow(),
    }
    await session.exec(
        update(Offer)
        .where(col(Offer.owner_id) == me)
        .values(**words, status=OfferStatus.closed, version=col(Offer.version) + 1)
    )
    live = col(HelpRequest.status).in_([RequestStatus.open, RequestStatus.matched])
    await session.exec(
        update(HelpRequest)
        .where(col(HelpRequest.owner_id) == me)
        .values(
            **words,
            status=case((live, RequestStatus.cancelled.value), else_=col(HelpRequest.status)),
            needed_by=None,
            version=col(HelpRequest.version) + 1,
        )
    )


async def _scrub_matches(session: AsyncSession, me: uuid.UUID, redactor: Redactor) -> None:
    """Their contact, note and thanks go; the other side's words lose their name."""
    rows = await session.exec(
        select(Match).where(or_(col(Match.requester_id) == me, col(Match.helper_id) == me))
    )
    for match in rows.all():
        helper = match.helper_id == me
        theirs = ("helper_contact", "helper_thanks") if helper else (
            "requester_contact", "requester_thanks", "meeting_note"
        )  # fmt: skip
        others = ("requester_contact", "requester_thanks", "meeting_note") if helper else (
            "helper_contact", "helper_thanks"
        )  # fmt: skip
        before = [getattr(match, name) for name in (*theirs, *others)]
        for name in theirs:
            setattr(match, name, None)
        for name in others:
            if (value := getattr(match, name)) is not None:
                setattr(match, name, redactor.words(value))
        if [getattr(match, name) for name in (*theirs, *others)] != before:
            match.version, match.updated_at = match.version + 1, utcnow()
            session.add(match)
    await session.exec(delete(Disclosure).where(col(Disclosure.subject_id) == me))
    # Others' logs of who saw their details keep the showing; the viewer reads as erased.
    await session.exec(
        update(Disclosure).where(col(Disclosure.viewer_id) == me).values(viewer_id=None)
    )


async def _step_down_from_events(
    session: AsyncSession, resident: Resident, redactor: Redactor
) -> None:
    """Their name leaves the words of events they made or host; an event left without a
    host (and not hosted for a neighbourhood) is cancelled, and those going are told."""
    me = resident.id
    hosting = (await session.exec(select(EventHost).where(EventHost.resident_id == me))).all()
    ids = {h.event_id for h in hosting}
    ids.update((await session.exec(select(Event.id).where(Event.created_by == me))).all())
    if not ids:
        return
    found = await session.exec(select(Event).where(bulk.among(session, Event.id, ids)))
    for event in found.all():
        fields = ("title", "description", "accessibility", "venue_name", "venue_address")
        old = [getattr(event, name) for name in fields]
        for name in fields:
            setattr(event, name, redactor.words(getattr(event, name)))
        if [getattr(event, name) for name in fields] != old:
            if event.title != old[0]:
                redactor.titles[old[0]] = event.title
            event.version, event.updated_at = event.version + 1, utcnow()
            session.add(event)
    for host in hosting:
        if host.accepted_at is not None and await _last_host(session, host.event_id, me):
            await events.cancel(session, resident, host.event_id)
        await session.delete(host)


async def _last_host(session: AsyncSession, event_id: uuid.UUID, me: uuid.UUID) -> bool:
    event = await session.get(Event, event_id)
    if event is None or event.status == EventStatus.cancelled or event.neighbourhood_id:
        return False
    others = await session.exec(
        select(func.count())
        .select_from(EventHost)
        .where(EventHost.event_id == event_id, EventHost.resident_id != me)
        .where(col(EventHost.accepted_at).is_not(None))
    )
    return others.one() == 0


async def _remove_ties(session: AsyncSession, me: uuid.UUID) -> None:
    """Every bond, and every choice about another person, in either direction."""
    rows = await session.exec(
        select(Tie.resident_id, Tie.other_id).where(
            or_(col(Tie.resident_id) == me, col(Tie.other_id) == me)
        )
    )
    for other in {b if a == me else a for a, b in rows.all()}:
        changes.note_tie(session, me, other)
    either = [
        (Tie, Tie.resident_id, Tie.other_id),
        (Vouch, Vouch.voucher_id, Vouch.vouchee_id),
        (Connection, Connection.requester_id, Connection.addressee_id),
        (Block, Block.blocker_id, Block.blocked_id),
        (KeepInTouch, KeepInTouch.chooser_id, KeepInTouch.chosen_id),
    ]
    for model, one, other_side in either:
        await session.exec(delete(model).where(or_(col(one) == me, col(other_side) == me)))


async def _remove_own(session: AsyncSession, me: uuid.UUID, redactor: Redactor) -> None:
    """Credentials (every sign-in ends here), inbox, checks, roles and cached answers."""
    owned = [
        (Device, Device.resident_id),
        (ApiKey, ApiKey.resident_id),
        (RefreshToken, RefreshToken.resident_id),
        (CalendarFeed, CalendarFeed.resident_id),
        (IdempotencyRecord, IdempotencyRecord.resident_id),
        (Notification, Notification.resident_id),
        (Verification, Verification.resident_id),
        (NeighbourhoodConnector, NeighbourhoodConnector.resident_id),
        (AssistedResident, AssistedResident.resident_id),
        (CheckIn, CheckIn.resident_id),
        (WelfareSignup, WelfareSignup.resident_id),
        (WelfareCheck, WelfareCheck.resident_id),
        (Alert, Alert.helper_id),
    ]
    for model, owner in owned:
        await session.exec(delete(model).where(col(owner) == me))
    # What they set up as an admin serves the organisation and stays, under neutral words.
    for key in (await session.exec(select(ApiKey).where(ApiKey.created_by == me))).all():
        key.name = redactor.words(key.name)
        session.add(key)
    made = await session.exec(select(WebhookEndpoint).where(WebhookEndpoint.created_by == me))
    for endpoint in made.all():
        endpoint.description = redactor.words(endpoint.description)
        session.add(endpoint)


def _scrub(resident: Resident) -> None:
    resident.email = f"erased-{resident.id.hex}@erased.invalid"  # reserved: never delivered
    resident.display_name = FORMER_NAME
    resident.bio = ""
    resident.password_hash = ""  # no password matches, and sign-in refuses an empty hash
    resident.home_cell = None
    resident.cell_resolution = FINE_RESOLUTION
    resident.skills, resident.languages = [], []
    resident.quiet_from = resident.quiet_until = None
    resident.timezone = DEFAULT_TIMEZONE
    resident.open_to_outreach = False
    resident.is_admin = False
    resident.weekly_help_cap = 0
    resident.on_duty = False
    resident.status = ResidentStatus.erased
    resident.version += 1
    resident.updated_at = utcnow()
