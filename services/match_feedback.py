"""After a match: each side's private "how did it go?".

An answer is for Kith alone: never shown to the other side, never turned into a score, never
announced. A worry ("I felt unsafe", "I'm worried about them") becomes an urgent safety
report in the connectors' queue (services/moderation_queue.py), where the usual report
flow takes it on; the person who raised it is thanked and told what happens next.
"""

import uuid
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.match_feedback import (
    CONCERNS,
    MatchFeedback,
    MatchFeedbackCreate,
    MatchFeedbackPublic,
    MatchFeeling,
)
from models.matches import Match, MatchStatus
from models.reports import Report, ReportReason, ReportSubject
from models.requests import HelpRequest
from models.residents import Resident
from models.webhooks import WebhookEventType
from services import matches, neighbourhoods, webhooks
from services.errors import Conflict

PRIVATE = "Your answer stays private: it is never shown to them and never becomes a score."
THANKS = {
    MatchFeeling.went_well: f"Thank you for letting us know. {PRIVATE}",
    MatchFeeling.mixed: f"Thank you for telling us. {PRIVATE} If something worried you, you can "
    "raise a report for a community connector at any time.",
}
CONNECTOR_WILL_CALL = (
    "Thank you for telling us. A community connector will be in touch soon; nothing is said "
    "to the other person without talking to you first. If anyone is in danger now, call 999."
)
# No connector looks after the area yet: promising a call nobody will make would be worse.
NO_CONNECTOR_HERE = (
    "Thank you for telling us. Your concern is recorded and nothing is said to the other "
    "person, but no community connector looks after this area yet, so nobody from Kith may "
    "be in touch. If anyone is in danger now, call 999; if it is not an emergency, call 101."
)
SAID = {
    MatchFeeling.felt_unsafe: "felt unsafe",
    MatchFeeling.worried_about_them: "worried about them",
}


async def give(
    session: AsyncSession, actor: Resident, match_id: uuid.UUID, data: MatchFeedbackCreate
) -> MatchFeedbackPublic:
    """A side's answer, once the help is done; once per side."""
    match = await matches.mine(session, actor, match_id)
    if match.status != MatchStatus.completed:
        raise Conflict(
            f"This match is {match.status.value}: say how it went once the help has been given."
        )
    feedback = MatchFeedback(
        match_id=match.id, resident_id=actor.id, feeling=data.feeling, note=data.note or None
    )
    try:
        # The unique constraint decides, so two answers at once (two phones) cannot both stay.
        async with session.begin_nested():
            session.add(feedback)
    except IntegrityError as exc:
        raise Conflict("You have already told us how this went. Thank you.") from exc
    if feedback.feeling not in CONCERNS:
        next_steps = THANKS[feedback.feeling]
    else:
        report, staffed = await _raise_concern(session, actor, match, feedback)
        feedback.report_id = report.id
        session.add(feedback)
        next_steps = CONNECTOR_WILL_CALL if staffed else NO_CONNECTOR_HERE
    return MatchFeedbackPublic(
        feeling=feedback.feeling, created_at=feedback.created_at, next_steps=next_steps
    )


async def _raise_concern(
    session: AsyncSession, actor: Resident, match: Match, feedback: MatchFeedback
) -> tuple[Report, bool]:
    """An urgent safety report about the other side, filed where the request is, in a
    neighbourhood with a connector if one holds the place (else as any report about a
    match is); and whether a connector will see it."""
    request = await session.get(HelpRequest, match.request_id)
    cell = request.cell if request else None
    staffed = await neighbourhoods.staffed_at(session, cell)
    details = f"Raised after a match: {SAID[feedback.feeling]}"
    if feedback.note:
        details += f"\n\n{feedback.note}"
    report = Report(
        reporter_id=actor.id,
        subject_type=ReportSubject.match,
        subject_id=match.id,
        concerns_id=match.requester_id if match.helper_id == actor.id else match.helper_id,
        neighbourhood_id=staffed or await neighbourhoods.neighbourhood_at(session, cell),
        reason=ReportReason.safety,
        details=details,
        urgent=True,
    )
    session.add(report)
    await session.flush()
    # Like every report, announced to integrators by id only (a connector's dashboard).
    await webhooks.emit(session, WebhookEventType.report_created, report_id=report.id)
    return report, staffed is not None


async def forget(
    session: AsyncSession, resident_id: uuid.UUID, redact: Callable[[str], str]
) -> None:
    """Erasure: their answers go (a concern they raised stays, as its report). The other
    side's answers about matches with them stay the other side's, without their name."""
    await session.exec(delete(MatchFeedback).where(col(MatchFeedback.resident_id) == resident_id))
    with_them = select(Match.id).where(
        or_(col(Match.requester_id) == resident_id, col(Match.helper_id) == resident_id)
    )
    answers = await session.exec(
        select(MatchFeedback)
        .where(col(MatchFeedback.match_id).in_(with_them))
        .where(col(MatchFeedback.note).is_not(None))
    )
    for answer in answers.all():
        note = redact(answer.note or "")
        if note != answer.note:
            answer.note = note
            session.add(answer)
