"""Erasing a resident's account at their request, in one transaction.

The resident row stays, scrubbed to "Former neighbour" with status `erased`: other people's
matches, reports and the audit log refer to it, and its random id, now attached to nothing
personal, is the pseudonym they keep. What was theirs alone is deleted; what they share with
others is kept for the others, without their words, name or email:

- open matches end kindly, the other side told without being told who; posts are withdrawn
  and their words removed; ties, vouches, connections, blocks and event answers go;
- devices, API keys acting as them, refresh tokens (so every sign-in ends), the calendar
  feed, notifications, checks, roles and cached answers go;
- where Kith copied their name into someone else's data (a notification "Rosa would like to
  connect", a match reason "you both know Rosa", a cached answer), or where others' words
  about them sit in records linked to them (a report, a thank-you note, an audit reason),
  their name and email are replaced. Mentions of them in unrelated free text (someone
  else's post, say) are those people's words and are left alone.
"""

import json
import re
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Text, case, cast, delete, func, update
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.api_keys import ApiKey
from models.assisted import AssistedResident
from models.audit import AuditEntry
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
from services import audit, auth, bulk, changes, events, rsvps, suspensions
from services.auth import TokenSettings
from services.errors import SignInAgain

RECENT_SIGN_IN = timedelta(minutes=10)
FORMER_NAME = "Former neighbour"
REMOVED_TITLE = "(removed)"
_FORMER = "a former neighbour"
_NO_EMAIL = "[email removed]"
_MATCH_KEY = len("match:") + 36  # a match notice's dedupe key starts "match:<id>"


class Redactor:
    """Takes one resident's name and email out of text and JSON. The name goes only as a
    whole word ("Al" leaves "Always" alone); copies Kith made of their post titles go too."""

    def __init__(self, resident: Resident) -> None:
        self.id = str(resident.id)
        self.name = resident.display_name
        self.email = resident.email
        self._name = re.compile(rf"(?<!\w){re.escape(self.name)}(?!\w)", re.IGNORECASE)
        self._email = re.compile(re.escape(self.email), re.IGNORECASE)
        self.titles: dict[str, str] = {}  # their old post and event titles, and what replaced them

    def words(self, text: str) -> str:
        """Someone's own words: only the name and email change."""
        text = self._email.sub(_NO_EMAIL, text)
        return self._name.sub(lambda m: _FORMER.capitalize() if m.start() == 0 else _FORMER, text)

    def copy(self, text: str) -> str:
        """Text Kith wrote from their data (a notice naming their request): titles change too."""
        for old, new in self.titles.items():
            text = text.replace(old, new)
        return self.words(text)

    def json(self, value: Any, copied: bool = False) -> Any:
        if isinstance(value, dict):
            out = {k: self.json(v, copied) for k, v in value.items()}
            if out.get("id") == self.id and "display_name" in out:  # a ResidentRef of theirs
                out["display_name"] = FORMER_NAME
            return out
        if isinstance(value, list):
            return [self.json(v, copied) for v in value]
        if isinstance(value, str):
            return self.copy(value) if copied else self.words(value)
        return value

    def stored_json_fragment(self) -> str:
        """The name as it appears inside a stored JSON document (non-ASCII escaped)."""
        return json.dumps(self.name)[1:-1]


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
    await _redact_copies(session, me, linked, redactor)
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


async def _redact_copies(
    session: AsyncSession, me: uuid.UUID, linked: set[uuid.UUID], redactor: Redactor
) -> None:
    await _redact_notifications(session, me, linked, redactor)
    fragment = redactor.stored_json_fragment()
    # "you both know <name>": written into the reasons of matches between two others.
    reasons = await session.exec(
        select(Match).where(cast(Match.reasons, Text).icontains(fragment, autoescape=True))
    )
    for match in reasons.all():
        match.reasons = redactor.json(match.reasons)
        session.add(match)
    # Cached answers to others' creates that show them (a match, a connection ask).
    cached = await session.exec(
        select(IdempotencyRecord).where(
            cast(IdempotencyRecord.response, Text).contains(redactor.id, autoescape=True)
        )
    )
    for record in cached.all():
        record.response = redactor.json(record.response, copied=True)
        session.add(record)
    # Occasions of others' ties, taken from the titles of events they hosted.
    contexts = await session.exec(
        select(Tie).where(col(Tie.context).icontains(redactor.name, autoescape=True))
    )
    for tie in contexts.all():
        tie.context = redactor.copy(tie.context or "")[:120]
        session.add(tie)
    about = or_(
        col(Report.reporter_id) == me,
        col(Report.concerns_id) == me,
        bulk.among(session, Report.subject_id, linked),
    )
    for report in (await session.exec(select(Report).where(about))).all():
        report.details = redactor.words(report.details)
        report.action = redactor.words(report.action)
        session.add(report)
    entries = await session.exec(
        select(AuditEntry).where(
            or_(col(AuditEntry.actor_id) == me, bulk.among(session, AuditEntry.subject_id, linked))
        )
    )
    for entry in entries.all():
        reason, before, after = (
            redactor.words(entry.reason), redactor.json(entry.before), redactor.json(entry.after)
        )  # fmt: skip
        if (reason, before, after) != (entry.reason, entry.before, entry.after):
            audit.redact(entry, reason, before, after)
            session.add(entry)


async def _redact_notifications(
    session: AsyncSession, me: uuid.UUID, linked: set[uuid.UUID], redactor: Redactor
) -> None:
    """Others' notices that name them (an ask to connect, an invitation to co-host, a
    suggested helper) or quote their request (each notice about a match with them)."""
    match_keys = [f"match:{i}" for i in linked]
    naming = await session.exec(
        select(Notification)
        .where(col(Notification.resident_id) != me)
        .where(
            or_(
                col(Notification.title).icontains(redactor.name, autoescape=True),
                func.substr(Notification.dedupe_key, 1, _MATCH_KEY).in_(match_keys),
            )
        )
    )
    ids = {str(i) for i in linked}
    for notification in naming.all():
        mentioned = set(_UUID.findall(notification.dedupe_key + json.dumps(notification.data)))
        if not mentioned & ids:
            continue  # another person of the same name
        title = redactor.copy(notification.title)
        data = redactor.json(notification.data, copied=True)
        if (title, data) != (notification.title, notification.data):
            notification.title, notification.data = title, data
            session.add(notification)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


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
    resident.status = ResidentStatus.erased
    resident.version += 1
    resident.updated_at = utcnow()
