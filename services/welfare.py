"""Welfare check-ins: who asked to be checked on in a crisis, asking them when one starts,
their answers, and what connectors see of it (progress, and who to call)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction
from models.base import new_id, utcnow
from models.categories import CATEGORY_BY_ID, Category
from models.crises import CheckInProgress, Crisis
from models.notifications import NotificationKind
from models.posts import Visibility
from models.requests import Eligibility, HelpRequestCreate, Urgency
from models.residents import Resident
from models.welfare import (
    CheckInBy,
    WelfareAnswer,
    WelfareCheck,
    WelfareCheckAnswer,
    WelfareCheckPublic,
    WelfareSignup,
    WelfareSignupPublic,
    WelfareSignupPut,
)
from services import alerts, audit, bulk, names, neighbourhoods, notifications, requests
from services.errors import Conflict, InvalidInput, NotFound


async def sign_up(
    session: AsyncSession, resident: Resident, data: WelfareSignupPut
) -> WelfareSignupPublic:
    """Create or replace; safe to repeat, even twice at once (an upsert)."""
    values = {
        "by": data.by,
        "help_category": data.help_category,
        "help_note": data.help_note,
        "updated_at": utcnow(),
    }
    await session.exec(
        bulk.insert(session, WelfareSignup)
        .values(resident_id=resident.id, **values)
        .on_conflict_do_update(index_elements=["resident_id"], set_=values)
    )
    signup = await session.get(WelfareSignup, resident.id, populate_existing=True)
    assert signup is not None  # just written
    return _signup_public(signup)


async def signup_of(session: AsyncSession, resident: Resident) -> WelfareSignupPublic:
    signup = await session.get(WelfareSignup, resident.id)
    if signup is None:
        raise NotFound("You have not asked to be checked on.")
    return _signup_public(signup)


async def leave(session: AsyncSession, resident: Resident) -> None:
    signup = await session.get(WelfareSignup, resident.id)
    if signup is None:
        raise NotFound("You have not asked to be checked on.")
    await session.delete(signup)


def _signup_public(signup: WelfareSignup) -> WelfareSignupPublic:
    return WelfareSignupPublic(
        by=signup.by,
        help_category=signup.help_category,
        help_note=signup.help_note,
        updated_at=signup.updated_at,
    )


async def ask_all(
    session: AsyncSession, crisis: Crisis, residents: list[uuid.UUID], now: datetime
) -> int:
    """Crisis mode has started: ask everyone there who signed up. Those to be called wait in
    the connector queue at once."""
    signups = (
        await session.exec(
            select(WelfareSignup.resident_id, WelfareSignup.by).where(
                bulk.among(session, col(WelfareSignup.resident_id), residents)
            )
        )
    ).all() if residents else []  # fmt: skip
    if not signups:
        return 0
    rows = [
        {"id": new_id(), "crisis_id": crisis.id, "resident_id": resident, "by": by, "asked_at": now}
        for resident, by in signups
    ]
    asked_in_app: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(rows), notifications.CHUNK):  # within a statement's arguments
        made = await session.exec(
            bulk.insert(session, WelfareCheck)
            .values(rows[start : start + notifications.CHUNK])
            .on_conflict_do_nothing(index_elements=["crisis_id", "resident_id"])
            .returning(col(WelfareCheck.id), col(WelfareCheck.resident_id), col(WelfareCheck.by))
        )
        asked_in_app |= {
            resident: {"check_id": str(check_id), "crisis_id": str(crisis.id)}
            for check_id, resident, by in made.all()
            if by == CheckInBy.app
        }
    await notifications.notify_each(
        session,
        asked_in_app,
        NotificationKind.welfare_check,
        f"welfare:{crisis.id}",
        "Are you OK? Tap to answer: I'm fine, or I need help.",
    )
    return len(signups)


async def _check_for(
    session: AsyncSession, actor: Resident, check_id: uuid.UUID
) -> tuple[WelfareCheck, Resident]:
    """The check, for the resident asked or a connector where they live; 404 otherwise."""
    check = await session.get(WelfareCheck, check_id)
    person = await session.get(Resident, check.resident_id) if check else None
    if check is None or person is None:
        raise NotFound("No such check-in.")
    if person.id != actor.id and not (
        person.home_cell and await neighbourhoods.connects_at(session, actor.id, person.home_cell)
    ):
        raise NotFound("No such check-in.")
    return check, person


async def read(session: AsyncSession, actor: Resident, check_id: uuid.UUID) -> WelfareCheckPublic:
    check, person = await _check_for(session, actor, check_id)
    return _public(check, person)


async def answer(
    session: AsyncSession,
    actor: Resident,
    check_id: uuid.UUID,
    data: WelfareCheckAnswer,
    alerting: alerts.Alerting,
) -> WelfareCheckPublic:
    """The resident's answer, or a connector's after a call. "I need help" opens an urgent
    request with their defaults. Repeating the same answer changes nothing; a different
    one after "I'm fine" is taken (things change), after "I need help" it is a conflict."""
    check, person = await _check_for(session, actor, check_id)
    # Locked, and read again: a double tap, or the resident and a connector answering at
    # once, must open one request, not two.
    await session.refresh(check, with_for_update=True)
    if check.answer == data.answer or check.answer == WelfareAnswer.need_help:
        if check.answer != data.answer:
            raise Conflict("A request for help is already open: change it or cancel it there.")
        return _public(check, person)
    now = utcnow()
    check.answer, check.answered_at = data.answer, now
    if actor.id != person.id:
        check.answered_for_by = actor.id
        await audit.record(
            session, actor, AuditAction.acted_for_resident, "welfare_check", check.id,
            neighbourhood_id=await neighbourhoods.neighbourhood_at(session, person.home_cell),
            after={"answer": data.answer.value},
        )  # fmt: skip
    if data.answer == WelfareAnswer.need_help:
        check.request_id = await _open_request(session, person, alerting)
    session.add(check)
    return _public(check, person)


async def _open_request(
    session: AsyncSession, person: Resident, alerting: alerts.Alerting
) -> uuid.UUID:
    if person.home_cell is None:
        raise InvalidInput("This resident has no home on record to send help to.")
    signup = await session.get(WelfareSignup, person.id)
    category = signup.help_category if signup else Category.other
    note = signup.help_note if signup and signup.help_note else "Said they need help."
    # Through a connector, and seen only by people they know: a broadcast "checked on in a
    # crisis, at home, needs help" would tell strangers who is vulnerable and where.
    opened = await requests.create(
        session,
        person,
        HelpRequestCreate(
            category=category,
            title=f"{CATEGORY_BY_ID[category].label}, please",
            details=note,
            urgency=Urgency.urgent,
            visibility=Visibility.circle,
            eligibility=Eligibility.via_connector,
        ),
        alerting,
    )
    return opened.id


def _public(check: WelfareCheck, person: Resident) -> WelfareCheckPublic:
    return WelfareCheckPublic(
        id=check.id,
        crisis_id=check.crisis_id,
        resident=names.ref(person.id, {person.id: person.display_name}),
        by=check.by,
        asked_at=check.asked_at,
        answer=check.answer,
        answered_at=check.answered_at,
        request_id=check.request_id,
    )


def overdue(check_by: CheckInBy, asked_at: datetime, now: datetime, within: timedelta) -> bool:
    """Unanswered and due a call: at once for those who asked for one, else after `within`."""
    return check_by == CheckInBy.call or asked_at <= now - within


async def progress(
    session: AsyncSession, crisis_id: uuid.UUID, now: datetime, within: timedelta
) -> CheckInProgress:
    unanswered = col(WelfareCheck.answer).is_(None)
    late = unanswered & (
        (col(WelfareCheck.by) == CheckInBy.call) | (col(WelfareCheck.asked_at) <= now - within)
    )
    row = (
        await session.exec(
            select(
                func.count(),
                func.count().filter(col(WelfareCheck.answer) == WelfareAnswer.fine),
                func.count().filter(col(WelfareCheck.answer) == WelfareAnswer.need_help),
                func.sum(case((late, 1), else_=0)),
            ).where(WelfareCheck.crisis_id == crisis_id)
        )
    ).one()
    asked, fine, need_help, no_answer = row[0], row[1], row[2], row[3] or 0
    return CheckInProgress(
        asked=asked,
        fine=fine,
        need_help=need_help,
        waiting=asked - fine - need_help - no_answer,
        no_answer=no_answer,
    )


@dataclass(frozen=True)
class ToCall:
    check_id: uuid.UUID
    resident_id: uuid.UUID
    display_name: str
    home_cell: str | None
    by: CheckInBy
    due_since: datetime


async def to_call(
    session: AsyncSession, crisis_ids: list[uuid.UUID], now: datetime, within: timedelta
) -> list[ToCall]:
    """Unanswered check-ins that a connector should follow up by phone."""
    if not crisis_ids:
        return []
    rows = await session.exec(
        select(WelfareCheck, Resident)
        .join(Resident, col(Resident.id) == WelfareCheck.resident_id)
        .where(col(WelfareCheck.crisis_id).in_(crisis_ids), col(WelfareCheck.answer).is_(None))
    )
    return [
        ToCall(
            check.id,
            person.id,
            person.display_name,
            person.home_cell,
            check.by,
            check.asked_at if check.by == CheckInBy.call else check.asked_at + within,
        )
        for check, person in rows.all()
        if overdue(check.by, check.asked_at, now, within)
    ]
