"""The export: everything Kith holds about a resident, as one document.

`EXPORTED` and `LEFT_OUT` decide every table and every column that names a resident:
`tests/api/test_data_rights.py` fails when a table appears that neither mentions, and when
an exported section comes back empty for a resident who has one of everything.
"""

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.alerts import Alert
from models.api_keys import ApiKey
from models.assisted import AssistedResident
from models.audit import AuditEntry
from models.auth import RefreshToken
from models.base import utcnow
from models.data_rights import (
    DataExport,
    ExportedAlert,
    ExportedApiKey,
    ExportedAssistance,
    ExportedAuditEntry,
    ExportedCalendarFeed,
    ExportedConnectorRole,
    ExportedDevice,
    ExportedMatch,
    ExportedMatchFeedback,
    ExportedOffer,
    ExportedRequest,
    ExportedSignIn,
    ExportedVerification,
    ExportedWelfareCheck,
)
from models.devices import Device
from models.events import CalendarFeed
from models.match_feedback import MatchFeedback
from models.neighbourhoods import Neighbourhood, NeighbourhoodConnector
from models.notifications import Notification
from models.offers import Offer
from models.reports import Report, ReportPublic
from models.requests import HelpRequest
from models.residents import NeighbourhoodRef, Resident
from models.trust import ResidentRef
from models.verifications import Verification
from models.webhooks import WebhookEndpoint, WebhookPublic
from models.welfare import WelfareCheck, WelfareSignup, WelfareSignupPublic
from services import data_export_shared as shared
from services import notifications, residents

# Where each table (or column naming a resident) goes in the export.
EXPORTED: dict[str, str] = {
    "resident": "profile",
    "refresh_token.resident_id": "sign_ins",
    "device.resident_id": "devices",
    "calendar_feed.resident_id": "calendar_feed",
    "offer.owner_id": "offers",
    "help_request.owner_id": "requests",
    "match.requester_id": "matches",
    "match.helper_id": "matches",
    "match_change.by": "matches",
    "match_feedback.resident_id": "matches",  # your answers to "how did it go?", on each match
    "disclosure.subject_id": "disclosures_of_you",
    "disclosure.viewer_id": "disclosures_to_you",
    "tie.resident_id": "ties",
    "vouch.voucher_id": "vouches_given",
    "vouch.vouchee_id": "vouches_received",
    "connection.requester_id": "connections",
    "connection.addressee_id": "connections",
    "block.blocker_id": "blocks",
    "notification.resident_id": "notifications",
    "event_rsvp.resident_id": "rsvps",
    "event_check_in.resident_id": "check_ins",
    "event_keep_in_touch.chooser_id": "keep_in_touch",
    "event.created_by": "events",
    "event_host.resident_id": "events",
    "report.reporter_id": "reports_filed",
    "verification.resident_id": "verifications",
    "neighbourhood_connector.resident_id": "connector_of",
    "api_key.resident_id": "api_keys",
    "api_key.created_by": "api_keys",
    "webhook_endpoint.created_by": "webhooks_made",
    "neighbourhood.created_by": "neighbourhoods_made",
    "audit_entry": "audit_about_you",
    "assisted_resident.resident_id": "assistance",
    "alert.helper_id": "alerts",
    "welfare_signup.resident_id": "welfare_check_signup",
    "welfare_check.resident_id": "welfare_checks",
}

# What stays out, and why: safeguarding, other people's choices, secrets, or no person.
LEFT_OUT: dict[str, str] = {
    "block.blocked_id": "who blocked you: blocks are silent, and an export must not tell",
    "report.concerns_id": "reports about you: safeguarding; the person reported is never "
    "told that a concern was raised, or by whom",
    "report.resolved_by": "reports you resolved as a connector: about other people",
    "event_keep_in_touch.chosen_id": "who chose you: a wish that is not returned is never shown",
    "event_host.invited_by": "invitations you sent: an invitee's no is never shown",
    "event_check_in.marked_by": "others you marked present as a host: their attendance",
    "tie.other_id": "the same ties from your side are in `ties`; a voucher's one-sided tie "
    "is in `vouches_received`, without naming them",
    "verification.verified_by": "checks you recorded for others as a connector: theirs",
    "neighbourhood_connector.appointed_by": "connectors you appointed as an admin: listed on "
    "each neighbourhood",
    "assisted_resident.registered_by": "neighbours you registered as a connector: their data",
    "assignment_plan.made_by": "crisis plans you made as a connector: other residents' "
    "requests and helpers, and they lapse within hours",
    "idempotency_record.resident_id": "copies of the answers to your creates, kept a day so "
    "a retry does not create twice; what they created is exported",
    "sync_change": "which ids changed for which audience, for delta sync: ids only",
    "sync_clock": "one counter, about nobody",
    "row_change": "which rows changed, for the servers' read models: ids only, kept a day",
    "webhook_delivery": "messages to integrators: ids only, never content",
    "neighbourhood_cell": "the cells of neighbourhood areas: places, not people",
    "event_occurrence_change": "cancelled or moved occurrences of events: no person",
    "request_alerting": "where a request's waves of alerts stand: no person (your requests "
    "are in `requests`, alerts you had in `alerts`)",
    "crisis.started_by": "crisis mode you switched on as a connector: a neighbourhood's "
    "state, and the switch is in the audit log",
    "crisis.ended_by": "crisis mode you switched off as a connector: as above",
    "welfare_check.answered_for_by": "check-ins you answered for others as a connector: theirs",
}


async def export(session: AsyncSession, resident: Resident) -> DataExport:
    read = shared.Sections(session, resident.id)
    copied = shared.copied
    disclosures_of_you, disclosures_to_you = await shared.disclosures(read)
    vouches_given, vouches_received = await shared.vouches(read)
    return DataExport(
        generated_at=utcnow(),
        truncated=read.truncated,
        profile=await residents.me(session, resident),
        sign_ins=await _sign_ins(read),
        devices=await read.own("devices", Device, Device.resident_id, Device.last_seen_at, _device),
        calendar_feed=await _calendar_feed(read),
        offers=await read.own(
            "offers", Offer, Offer.owner_id, Offer.created_at, copied(ExportedOffer)
        ),
        requests=await read.own(
            "requests",
            HelpRequest,
            HelpRequest.owner_id,
            HelpRequest.created_at,
            copied(ExportedRequest),
        ),
        matches=await _with_your_feedback(read, await shared.matches(read)),
        disclosures_of_you=disclosures_of_you,
        disclosures_to_you=disclosures_to_you,
        ties=await shared.ties(read),
        vouches_given=vouches_given,
        vouches_received=vouches_received,
        connections=await shared.connections(read),
        blocks=await shared.blocks(read),
        notifications=await read.own(
            "notifications",
            Notification,
            Notification.resident_id,
            Notification.created_at,
            notifications.public,
        ),
        rsvps=await shared.rsvps(read),
        check_ins=await shared.check_ins(read),
        keep_in_touch=await shared.keep_in_touch(read),
        events=await shared.events(read),
        reports_filed=await _reports_filed(read),
        verifications=await read.own(
            "verifications",
            Verification,
            Verification.resident_id,
            Verification.created_at,
            copied(ExportedVerification),
        ),
        connector_of=await _connector_of(read),
        api_keys=await _api_keys(read),
        webhooks_made=await read.own(
            "webhooks_made",
            WebhookEndpoint,
            WebhookEndpoint.created_by,
            WebhookEndpoint.created_at,
            copied(WebhookPublic),
        ),
        neighbourhoods_made=await read.own(
            "neighbourhoods_made",
            Neighbourhood,
            Neighbourhood.created_by,
            Neighbourhood.created_at,
            lambda n: NeighbourhoodRef(id=n.id, name=n.name),
        ),
        audit_about_you=await _audit_about_you(read),
        assistance=await _assistance(read),
        alerts=await read.own(
            "alerts", Alert, Alert.helper_id, Alert.sent_at, copied(ExportedAlert)
        ),
        welfare_check_signup=await _welfare_signup(read),
        welfare_checks=await read.own(
            "welfare_checks",
            WelfareCheck,
            WelfareCheck.resident_id,
            WelfareCheck.asked_at,
            copied(ExportedWelfareCheck),
        ),
    )


async def _welfare_signup(read: shared.Sections) -> WelfareSignupPublic | None:
    signup = await read.session.get(WelfareSignup, read.me)
    return shared.copied(WelfareSignupPublic)(signup) if signup else None


async def _sign_ins(read: shared.Sections) -> list[ExportedSignIn]:
    started = func.min(RefreshToken.created_at)
    query = (
        select(
            started,
            func.max(RefreshToken.created_at),
            func.max(RefreshToken.expires_at),
            func.min(RefreshToken.revoked_at),
        )
        .where(RefreshToken.resident_id == read.me)
        .group_by(col(RefreshToken.family_id))
        .order_by(started.desc())
    )
    rows = await read.tuples("sign_ins", query)
    return [
        ExportedSignIn(started_at=s, last_refreshed_at=last, expires_at=exp, ended_at=end)
        for s, last, exp, end in rows
    ]


async def _with_your_feedback(
    read: shared.Sections, matches: list[ExportedMatch]
) -> list[ExportedMatch]:
    """Your own answers only: the other side's are never shown to you."""
    rows = await read.session.exec(
        select(MatchFeedback).where(MatchFeedback.resident_id == read.me)
    )
    yours = {f.match_id: shared.copied(ExportedMatchFeedback)(f) for f in rows.all()}
    return [m.model_copy(update={"your_feedback": yours.get(m.id)}) for m in matches]


def _device(d: Device) -> ExportedDevice:
    return ExportedDevice(
        id=d.id,
        platform=d.platform,
        push_token_hint=f"…{d.push_token[-4:]}",
        created_at=d.created_at,
        last_seen_at=d.last_seen_at,
    )


async def _calendar_feed(read: shared.Sections) -> ExportedCalendarFeed | None:
    feed = await read.session.get(CalendarFeed, read.me)
    return ExportedCalendarFeed(created_at=feed.created_at) if feed else None


async def _reports_filed(read: shared.Sections) -> list[ReportPublic]:
    """As the reporter sees them: never what a connector did about whom."""
    query = (
        select(Report).where(Report.reporter_id == read.me).order_by(col(Report.created_at).desc())
    )
    return [
        ReportPublic(
            id=r.id,
            subject_type=r.subject_type,
            subject_id=r.subject_id,
            reason=r.reason,
            details=r.details,
            urgent=r.urgent,
            status=r.status,
            created_at=r.created_at,
            resolved_at=r.resolved_at,
        )
        for r in await read.rows("reports_filed", query)
    ]


async def _connector_of(read: shared.Sections) -> list[ExportedConnectorRole]:
    query = (
        select(NeighbourhoodConnector, Neighbourhood)
        .join(Neighbourhood, col(Neighbourhood.id) == NeighbourhoodConnector.neighbourhood_id)
        .where(NeighbourhoodConnector.resident_id == read.me)
        .order_by(col(NeighbourhoodConnector.appointed_at).desc())
    )
    rows = await read.tuples("connector_of", query)
    return [
        ExportedConnectorRole(
            neighbourhood=NeighbourhoodRef(id=n.id, name=n.name), appointed_at=c.appointed_at
        )
        for c, n in rows
    ]


async def _api_keys(read: shared.Sections) -> list[ExportedApiKey]:
    me = read.me
    query = (
        select(ApiKey, Resident)
        .join(Resident, col(Resident.id) == ApiKey.resident_id)
        .where(or_(col(ApiKey.resident_id) == me, col(ApiKey.created_by) == me))
        .order_by(col(ApiKey.created_at).desc())
    )
    rows = await read.tuples("api_keys", query)
    return [
        ExportedApiKey(
            id=k.id,
            name=k.name,
            prefix=k.prefix,
            acts_as=ResidentRef(id=r.id, display_name=r.display_name),
            scopes=k.scopes,
            neighbourhood_id=k.neighbourhood_id,
            created_at=k.created_at,
            last_used_at=k.last_used_at,
            revoked_at=k.revoked_at,
            made_by_you=k.created_by == me,
        )
        for k, r in rows
    ]


async def _audit_about_you(read: shared.Sections) -> list[ExportedAuditEntry]:
    """What connectors and admins did about you; not who, and not their reasons."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.subject_type == "resident", AuditEntry.subject_id == read.me)
        .order_by(col(AuditEntry.at).desc())
    )
    return [
        ExportedAuditEntry(at=e.at, action=e.action, before=e.before, after=e.after)
        for e in await read.rows("audit_about_you", query)
    ]


async def _assistance(read: shared.Sections) -> ExportedAssistance | None:
    record = await read.session.get(AssistedResident, read.me)
    return ExportedAssistance.model_validate(record, from_attributes=True) if record else None
