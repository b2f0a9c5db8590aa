"""Data rights: the export of everything Kith holds about a resident, section by section.

Only schemas: no table lives here (erasure changes other domains' tables in place)."""

import uuid
from datetime import date, datetime
from typing import Literal

from sqlmodel import Field, SQLModel

from models.alerts import AlertAnswer
from models.api_keys import ApiKeyPublic
from models.assisted import ConsentHow, ContactPreference
from models.audit import AuditAction
from models.categories import Category
from models.devices import Platform
from models.events import EventKind, EventStatus, RsvpAnswer
from models.match_feedback import MatchFeeling
from models.matches import MatchOrigin, MatchStatus, Reason
from models.notifications import NotificationPublic
from models.offers import OfferStatus
from models.posts import Visibility
from models.reports import ReportPublic
from models.requests import Eligibility, RequestStatus, Urgency
from models.residents import MePublic, NeighbourhoodRef
from models.ties import TieKind
from models.trust import ResidentRef
from models.verifications import VerificationKind
from models.webhooks import WebhookPublic
from models.welfare import CheckInBy, WelfareAnswer, WelfareSignupPublic

EXPORT_FORMAT: Literal["kith-export/1"] = "kith-export/1"
# One resident's data fits one document; a list past this many entries (years of
# notifications, say) keeps the newest and is named in `truncated`.
SECTION_LIMIT = 5000


class ExportedSignIn(SQLModel):
    """One sign-in (a chain of refresh tokens); the tokens themselves are never kept."""

    started_at: datetime
    last_refreshed_at: datetime
    expires_at: datetime
    ended_at: datetime | None = Field(description="Signed out, or ended by a replayed token.")


class ExportedDevice(SQLModel):
    id: uuid.UUID
    platform: Platform
    push_token_hint: str = Field(
        description="The token's last four characters: it is a secret, so it is never "
        "shown in full (not even here)."
    )
    created_at: datetime
    last_seen_at: datetime


class ExportedCalendarFeed(SQLModel):
    created_at: datetime = Field(description="The address itself is kept only as a hash.")


class ExportedOffer(SQLModel):
    id: uuid.UUID
    category: Category
    title: str
    details: str
    cell: str = Field(description="The post's H3 cell.")
    radius_m: int
    availability: dict[str, object]
    visibility: Visibility
    status: OfferStatus
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


class ExportedRequest(SQLModel):
    id: uuid.UUID
    category: Category
    title: str
    details: str
    cell: str = Field(description="The post's H3 cell.")
    radius_m: int
    availability: dict[str, object]
    visibility: Visibility
    urgency: Urgency
    needed_by: datetime | None
    helpers_needed: int
    eligibility: Eligibility
    status: RequestStatus
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


class ExportedMatchStep(SQLModel):
    status: MatchStatus
    at: datetime
    by: Literal["you", "them", "someone else"] = Field(
        description="`someone else`: Kith itself, or a connector."
    )


class ExportedMatchFeedback(SQLModel):
    feeling: MatchFeeling
    note: str | None
    created_at: datetime


class ExportedMatch(SQLModel):
    id: uuid.UUID
    request_id: uuid.UUID
    request_title: str
    your_role: Literal["requester", "helper"]
    other: ResidentRef
    origin: MatchOrigin
    status: MatchStatus
    reasons: list[Reason] = Field(description="Why this helper (on the requester's side only).")
    your_contact: str | None = Field(description="What you shared for the other side.")
    your_meeting_note: str | None = Field(description="The note you wrote, as the requester.")
    thanks_sent: str | None
    thanks_received: str | None
    created_at: datetime
    confirmed_at: datetime | None
    closed_at: datetime | None
    timeline: list[ExportedMatchStep]
    your_feedback: ExportedMatchFeedback | None = Field(
        default=None, description='Your private answer to "how did it go?": never shown to them.'
    )


class ExportedDisclosure(SQLModel):
    other: ResidentRef | None = Field(description="Null: an erased account.")
    match_id: uuid.UUID | None
    fields: list[str]
    at: datetime


class ExportedTie(SQLModel):
    other: ResidentRef
    kind: TieKind
    since: datetime
    last_at: datetime
    times: int
    context: str | None


class ExportedVouchGiven(SQLModel):
    id: uuid.UUID
    resident: ResidentRef = Field(description="Whom you vouched for.")
    by_connector: bool
    note: str
    created_at: datetime
    revoked_at: datetime | None


class ExportedVouchReceived(SQLModel):
    """A vouch for you that stands. Who gave it and their note are for connectors only."""

    by_connector: bool
    created_at: datetime


class ExportedConnection(SQLModel):
    id: uuid.UUID
    other: ResidentRef
    direction: Literal["incoming", "outgoing"]
    status: Literal["pending", "accepted", "declined", "withdrawn", "lapsed", "ended"] = Field(
        description="As you would have seen it: an ask of yours that was declined reads "
        "`pending`, then `lapsed`, exactly like one that was never answered."
    )
    message: str
    created_at: datetime


class ExportedBlock(SQLModel):
    resident: ResidentRef = Field(description="Whom you blocked.")
    created_at: datetime


class ExportedRsvp(SQLModel):
    event_id: uuid.UUID
    occurrence: date
    answer: RsvpAnswer
    waitlisted: bool
    answered_at: datetime


class ExportedCheckIn(SQLModel):
    event_id: uuid.UUID
    occurrence: date
    checked_in_at: datetime


class ExportedKeepInTouch(SQLModel):
    event_id: uuid.UUID
    occurrence: date
    chosen: ResidentRef = Field(description="Someone you chose to stay in touch with.")
    created_at: datetime


class ExportedEvent(SQLModel):
    """An event you made, host, or were invited to host."""

    id: uuid.UUID
    kind: EventKind
    title: str
    description: str
    venue_name: str
    venue_address: str
    starts_at: datetime
    ends_at: datetime
    rrule: str | None
    status: EventStatus
    created_by_you: bool
    hosting: Literal["hosting", "invited", "declined"] | None = Field(
        description="Your part as a host; null if you made it and have stepped down."
    )


class ExportedVerification(SQLModel):
    kind: VerificationKind
    issued_on: date
    expires_on: date | None
    created_at: datetime


class ExportedAlert(SQLModel):
    """An alert you had about a request nearby, and what you answered."""

    request_id: uuid.UUID
    wave: int
    along_tie: bool = Field(description="The requester knew you.")
    sent_at: datetime
    answer: AlertAnswer | None
    answered_at: datetime | None
    stood_down_at: datetime | None


class ExportedWelfareCheck(SQLModel):
    """An "are you OK?" in a crisis, and the answer (yours, or given for you after a call)."""

    crisis_id: uuid.UUID
    by: CheckInBy
    asked_at: datetime
    answer: WelfareAnswer | None
    answered_at: datetime | None
    request_id: uuid.UUID | None


class ExportedConnectorRole(SQLModel):
    neighbourhood: NeighbourhoodRef
    appointed_at: datetime


class ExportedApiKey(ApiKeyPublic):
    made_by_you: bool = Field(description="False: an admin made it to act as you.")


class ExportedAuditEntry(SQLModel):
    """A connector's or admin's act about you. Who acted and their reason are withheld: a
    reason may name someone who raised a concern."""

    at: datetime
    action: AuditAction
    before: dict[str, object] | None
    after: dict[str, object] | None


class ExportedAssistance(SQLModel):
    """Your record as a neighbour a connector helps to use Kith."""

    consent_given_by: str
    consent_how: ConsentHow
    consent_at: datetime
    contact_preference: ContactPreference
    contact: str
    created_at: datetime


class DataExport(SQLModel):
    """Everything Kith holds about you, by kind. Lists are newest first."""

    format: Literal["kith-export/1"] = EXPORT_FORMAT
    generated_at: datetime
    truncated: list[str] = Field(
        description=f"Sections cut at {SECTION_LIMIT} entries (the newest are kept)."
    )
    profile: MePublic
    sign_ins: list[ExportedSignIn]
    devices: list[ExportedDevice]
    calendar_feed: ExportedCalendarFeed | None
    offers: list[ExportedOffer]
    requests: list[ExportedRequest]
    matches: list[ExportedMatch]
    disclosures_of_you: list[ExportedDisclosure] = Field(
        description="Each showing of your contact details or meeting note, and to whom."
    )
    disclosures_to_you: list[ExportedDisclosure] = Field(
        description="Each time you were shown someone's details (not the details: they "
        "were theirs, shown for a while)."
    )
    ties: list[ExportedTie]
    vouches_given: list[ExportedVouchGiven]
    vouches_received: list[ExportedVouchReceived]
    connections: list[ExportedConnection]
    blocks: list[ExportedBlock]
    notifications: list[NotificationPublic]
    rsvps: list[ExportedRsvp]
    check_ins: list[ExportedCheckIn]
    keep_in_touch: list[ExportedKeepInTouch]
    events: list[ExportedEvent]
    reports_filed: list[ReportPublic]
    verifications: list[ExportedVerification]
    connector_of: list[ExportedConnectorRole]
    api_keys: list[ExportedApiKey]
    webhooks_made: list[WebhookPublic]
    neighbourhoods_made: list[NeighbourhoodRef]
    audit_about_you: list[ExportedAuditEntry]
    assistance: ExportedAssistance | None
    alerts: list[ExportedAlert]
    welfare_check_signup: WelfareSignupPublic | None = Field(
        description="How you asked to be checked on in a crisis."
    )
    welfare_checks: list[ExportedWelfareCheck]
