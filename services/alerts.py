"""Fair alerts for new requests: a small wave of helpers first (the requester's own ties in
reach, then the best-scored candidates), widening wave by wave until enough have said yes;
then the rest of those alerted are told they can stand down.

A helper says yes by volunteering on the request (`services.matches.propose`, which calls
`said_yes`) and no by declining the alert. Alerts never reach anyone off duty, over their
daily cap, in quiet hours, or who could not be asked anyway (`candidates.rank` decides)."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from models.alerts import Alert, AlertAnswer, AlertPublic, RequestAlerting
from models.base import Page, utcnow
from models.matches import TAKEN_STATUSES, Match
from models.notifications import NotificationKind
from models.requests import Eligibility, HelpRequest, RequestStatus, Urgency
from models.residents import Resident
from models.ties import MUTUAL_KINDS
from services import alert_waves, bulk, candidates, crisis_state, notifications, posts
from services.alert_waves import AlertPolicy, Pace, Prospect
from services.errors import Conflict, NotFound
from services.matching import MatchingWeights
from services.trust import TrustSettings

BATCH = 50
RETRY_AFTER = timedelta(minutes=5)
logger = logging.getLogger("kith.alerts")
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Alerting:
    """What sending a wave needs: the pace, and the ranking's own settings."""

    policy: AlertPolicy
    trust: TrustSettings
    weights: MatchingWeights


async def begin(
    session: AsyncSession, request: HelpRequest, now: datetime, alerting: Alerting
) -> None:
    """A request has opened: send its first wave now. Requests a connector arranges are
    not broadcast."""
    if request.eligibility == Eligibility.via_connector:
        return
    state = RequestAlerting(request_id=request.id, next_wave_at=now)  # _advance sets the pace
    session.add(state)
    await session.flush()
    await _advance(session, state, request, now, alerting)


@dataclass(frozen=True)
class Sent:
    waves: int  # requests whose turn it was (at most BATCH: call again while it is full)
    alerts: int


async def send_due(session: AsyncSession, now: datetime, alerting: Alerting) -> Sent:
    """A batch of the waves whose time has come (run by the worker; workers share them
    out)."""
    rows = await session.exec(
        select(RequestAlerting)
        .where(col(RequestAlerting.next_wave_at) <= now)
        .order_by(col(RequestAlerting.next_wave_at))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    sent = 0
    due = rows.all()
    for state in due:
        request = await session.get(HelpRequest, state.request_id)
        if request is None:
            continue
        try:
            async with session.begin_nested():  # one bad request must not hold up the rest
                sent += await _advance(session, state, request, now, alerting)
        except Exception:  # tried again later, not first in line next round
            logger.exception("alert wave failed for request %s", request.id)
            await session.refresh(state)
            state.next_wave_at = now + RETRY_AFTER
            session.add(state)
    return Sent(waves=len(due), alerts=sent)


async def _locked(session: AsyncSession, request_id: uuid.UUID) -> RequestAlerting | None:
    """The request's wave state, locked (PostgreSQL) until the transaction ends: a yes, a no
    or a stand-down must not interleave with a worker sending the next wave."""
    return await session.get(
        RequestAlerting, request_id, with_for_update=True, populate_existing=True
    )


def _pace(state: RequestAlerting, policy: AlertPolicy) -> Pace:
    return policy.crisis if state.crisis else policy.normal


async def taken(session: AsyncSession, request_id: uuid.UUID) -> int:
    """Places on the request taken (a helper said yes, or is confirmed)."""
    found = await session.exec(
        select(func.count())
        .select_from(Match)
        .where(Match.request_id == request_id, col(Match.status).in_(TAKEN_STATUSES))
    )
    return found.one()


async def _advance(
    session: AsyncSession,
    state: RequestAlerting,
    request: HelpRequest,
    now: datetime,
    alerting: Alerting,
) -> int:
    """Send the next wave, or stop: the request is closed, has its helpers, or has had
    every wave it gets."""
    still_open = request.status == RequestStatus.open and request.expires_at > now
    arranged = request.eligibility == Eligibility.via_connector  # changed since it opened
    if not still_open or arranged or await taken(session, request.id) >= request.helpers_needed:
        await _stand_down(session, state, request, now)
        return 0
    # Crisis mode switched on (or off) since the last wave sets the pace of the next.
    state.crisis = await crisis_state.live_at(session, request.cell, now) is not None
    pace = _pace(state, alerting.policy)
    if state.waves_sent >= pace.max_waves or now - request.created_at > pace.keep_trying:
        state.next_wave_at = None  # the connector queue has it from here
        session.add(state)
        return 0
    wave = await _wave(session, request, pace.size(state.waves_sent), now, alerting)
    if wave:
        state.waves_sent += 1
        await _send(session, request, wave, state.waves_sent, now)
    state.next_wave_at = now + pace.interval
    session.add(state)
    return len(wave)


async def _wave(
    session: AsyncSession, request: HelpRequest, size: int, now: datetime, alerting: Alerting
) -> list[Prospect]:
    ranked = await candidates.rank(session, request, alerting.trust, alerting.weights, now)
    already = set(
        (await session.exec(select(Alert.helper_id).where(Alert.request_id == request.id))).all()
    )
    fresh = [r for r in ranked if r.scored.facts.helper_id not in already]
    if not fresh:
        return []
    helpers = {r.scored.facts.helper_id for r in fresh}
    duty = {
        helper: (on_duty, cap)
        for helper, on_duty, cap in (
            await session.exec(
                select(Resident.id, Resident.on_duty, Resident.daily_alert_cap).where(
                    bulk.among(session, col(Resident.id), helpers)
                )
            )
        ).all()
    }
    counts = await _recent_alerts(session, helpers, now)
    prospects = [
        Prospect(
            helper_id=helper,
            score=r.scored.score,
            along_tie=any(kind in MUTUAL_KINDS for kind in r.scored.facts.trust.direct_kinds),
            on_duty=duty.get(helper, (False, 0))[0],
            daily_cap=duty.get(helper, (False, 0))[1],
            alerts_today=counts.get(helper, (0, 0))[0],
            alerts_this_week=counts.get(helper, (0, 0))[1],
        )
        for r in fresh
        if (helper := r.scored.facts.helper_id)
    ]
    return alert_waves.next_wave(prospects, size, alerting.policy.rotation)


async def _recent_alerts(
    session: AsyncSession, helpers: set[uuid.UUID], now: datetime
) -> dict[uuid.UUID, tuple[int, int]]:
    """Per helper: alerts in the last day, and in the last week."""
    rows = await session.exec(
        select(
            Alert.helper_id,
            func.count().filter(col(Alert.sent_at) > now - DAY),
            func.count(),
        )
        .where(bulk.among(session, col(Alert.helper_id), helpers))
        .where(col(Alert.sent_at) > now - WEEK)
        .group_by(col(Alert.helper_id))
    )
    return {helper: (today, week) for helper, today, week in rows.all()}


async def _send(
    session: AsyncSession, request: HelpRequest, wave: list[Prospect], number: int, now: datetime
) -> None:
    ask = "Urgent: can you help?" if request.urgency == Urgency.urgent else "Can you help?"
    alerts = [
        Alert(
            request_id=request.id,
            helper_id=prospect.helper_id,
            wave=number,
            along_tie=prospect.along_tie,
            sent_at=now,
        )
        for prospect in wave
    ]
    session.add_all(alerts)
    await session.flush()
    await notifications.notify_each(
        session,
        {a.helper_id: {"alert_id": str(a.id), "request_id": str(request.id)} for a in alerts},
        NotificationKind.help_alert,
        f"alert:{request.id}",
        f"{ask} {request.title}",
    )


async def _stand_down(
    session: AsyncSession, state: RequestAlerting, request: HelpRequest, now: datetime
) -> None:
    """Tell everyone alerted who has not answered that they need do nothing more."""
    state.next_wave_at = None
    if state.stood_down_at is None:
        state.stood_down_at = now
        marked = await session.exec(
            update(Alert)
            .where(col(Alert.request_id) == request.id, col(Alert.answer).is_(None))
            .values(stood_down_at=now)
            .returning(col(Alert.helper_id))
        )
        waiting: list[uuid.UUID] = [helper_id for (helper_id,) in marked.all()]
        met = await taken(session, request.id) >= request.helpers_needed
        why = "has the help it needs now" if met else "is no longer needed"
        await notifications.notify(
            session,
            waiting,
            NotificationKind.alert_stood_down,
            f"alert:{request.id}:stand-down",
            f"Thank you: {request.title} {why}. Nothing more to do.",
            {"request_id": str(request.id)},
        )
    session.add(state)


async def request_closed(session: AsyncSession, request: HelpRequest, now: datetime) -> None:
    """The requester cancelled: nobody alerted waits on it any longer."""
    state = await _locked(session, request.id)
    if state is not None:
        await _stand_down(session, state, request, now)


async def reopen(session: AsyncSession, request_id: uuid.UUID, now: datetime) -> None:
    """A yes fell through (the helper stepped back, the requester declined them, or it
    lapsed): if the request still needs someone, its waves start again, to people not yet
    asked, with the wave that yes came from given back."""
    state = await _locked(session, request_id)
    request = await session.get(HelpRequest, request_id)
    if state is None or request is None or state.stood_down_at is None:
        return
    if request.status != RequestStatus.open or request.expires_at <= now:
        return
    if await taken(session, request_id) >= request.helpers_needed:
        return
    state.stood_down_at, state.next_wave_at = None, now
    state.waves_sent = max(0, state.waves_sent - 1)
    session.add(state)


async def said_yes(
    session: AsyncSession, request: HelpRequest, helper_id: uuid.UUID, now: datetime
) -> None:
    """A helper has said yes (volunteered, or accepted a proposal): note the first yes, and
    stand the rest down once the request has all the helpers it needs."""
    state = await _locked(session, request.id)  # first: a wave being sent is then all seen
    await session.exec(
        update(Alert)
        .where(col(Alert.request_id) == request.id, col(Alert.helper_id) == helper_id)
        .where(col(Alert.answer).is_(None))
        .values(answer=AlertAnswer.yes, answered_at=now)
    )
    if state is None:
        return
    if state.first_yes_at is None:
        state.first_yes_at = now
        session.add(state)
    if await taken(session, request.id) >= request.helpers_needed:
        await _stand_down(session, state, request, now)


async def decline(session: AsyncSession, helper: Resident, alert_id: uuid.UUID) -> AlertPublic:
    """No reason asked, and it costs nothing. Once everyone alerted has said no, the next
    wave goes out at once rather than at its time."""
    alert = await session.get(Alert, alert_id)
    if alert is None or alert.helper_id != helper.id:
        raise NotFound("No such alert.")
    if alert.answer == AlertAnswer.yes:
        raise Conflict("You said yes to this one: to step back, decline or cancel the match.")
    if alert.answer is None:
        await answer_no(session, alert, utcnow())
    request = await session.get(HelpRequest, alert.request_id)
    assert request is not None  # the alert would have gone with it
    return _public(alert, request)


async def answer_no(session: AsyncSession, alert: Alert, now: datetime) -> None:
    state = await _locked(session, alert.request_id)
    alert.answer, alert.answered_at = AlertAnswer.no, now
    session.add(alert)
    await session.flush()
    unanswered = await session.exec(
        select(func.count())
        .select_from(Alert)
        .where(Alert.request_id == alert.request_id, col(Alert.answer).is_(None))
        .where(col(Alert.stood_down_at).is_(None))
    )
    if unanswered.one() == 0 and state is not None and state.next_wave_at is not None:
        state.next_wave_at = min(state.next_wave_at, now)
        session.add(state)


def _public(alert: Alert, request: HelpRequest) -> AlertPublic:
    return AlertPublic(
        id=alert.id,
        request_id=alert.request_id,
        request_title=request.title,
        urgent=request.urgency == Urgency.urgent,
        sent_at=alert.sent_at,
        answer=alert.answer,
        stood_down=alert.stood_down_at is not None,
    )


async def mine(
    session: AsyncSession, helper: Resident, cursor: str | None, limit: int
) -> Page[AlertPublic]:
    """The helper's alerts, newest first, keyset-paged on (sent_at, id)."""
    query = (
        select(Alert, HelpRequest)
        .join(HelpRequest, col(HelpRequest.id) == Alert.request_id)
        .where(Alert.helper_id == helper.id)
    )
    if cursor is not None:
        at, last = posts.decode_time_cursor(cursor)
        query = query.where(
            or_(col(Alert.sent_at) < at, and_(col(Alert.sent_at) == at, col(Alert.id) < last))
        )
    rows = (
        await session.exec(
            query.order_by(col(Alert.sent_at).desc(), col(Alert.id).desc()).limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = posts.encode_time_cursor(page[-1][0].sent_at, page[-1][0].id)
    return Page[AlertPublic](items=[_public(a, r) for a, r in page], next_cursor=next_cursor)
