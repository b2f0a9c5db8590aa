"""Events: community meals, street parties, skill swaps, and their occurrences."""

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.conditional import IfMatch, set_etag
from api.deps import (
    CurrentResident,
    FeedSessionDep,
    IdempotencyKey,
    LimiterDep,
    ReadsEvents,
    SessionDep,
    SettingsDep,
)
from api.errors import problems
from models.base import Page, utcnow
from models.events import (
    Attendees,
    CheckInCode,
    CheckInCreate,
    CheckInPublic,
    EventCreate,
    EventPublic,
    EventUpdate,
    KeepInTouchCreate,
    KeepInTouchPublic,
    OccurrenceMove,
    OccurrencePublic,
    RsvpCreate,
    RsvpPublic,
)
from models.posts import MAX_RADIUS_M, MIN_RADIUS_M
from services import check_ins, event_suggestions, events, idempotency, recurrence, rsvps
from services.errors import InvalidInput

router = APIRouter(prefix="/v1/events", tags=["events"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 422))
async def create(
    data: EventCreate,
    resident: CurrentResident,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> EventPublic:
    """Host an event at a public place. Repeat it with an RFC 5545 `rrule`; times without an
    offset are local to `timezone` (default Europe/London). Send an Idempotency-Key so that
    a retry cannot make it twice."""
    event, replayed = await idempotency.once(
        session,
        resident.id,
        idempotency_key,
        "events-create",
        data,
        lambda: events.create(session, resident, data),
        EventPublic,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    set_etag(response, event.version)
    return event


@router.get("", responses=problems(401, 409, 422))
async def list_occurrences(
    resident: ReadsEvents,
    session: FeedSessionDep,
    from_: Annotated[datetime | None, Query(alias="from", description="Default: now.")] = None,
    to: Annotated[
        datetime | None, Query(description="Default: 30 days after `from`; at most 92.")
    ] = None,
    within_m: Annotated[int, Query(ge=MIN_RADIUS_M, le=MAX_RADIUS_M)] = 3000,
    suggested: Annotated[
        bool, Query(description="Rank by your ties going, then neighbours going.")
    ] = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[OccurrencePublic]:
    """Occurrences in a window at venues near your home cell, soonest first. Distances are
    buckets between cells."""
    start = from_ or utcnow()
    if start.tzinfo is None or (to is not None and to.tzinfo is None):
        raise InvalidInput("`from` and `to` need a time zone offset.", field=("query", "from"))
    if not recurrence.EARLIEST <= start < recurrence.LATEST:
        raise InvalidInput(
            "`from` must lie between the years 1900 and 9000.", field=("query", "from")
        )
    end = to or start + timedelta(days=30)
    listing = event_suggestions.suggested if suggested else events.occurrences
    return await listing(
        session, resident, window=(start, end), within_m=within_m, cursor=cursor, limit=limit
    )


@router.get("/{event_id}", responses=problems(401, 404, 422))
async def read(
    event_id: uuid.UUID, resident: ReadsEvents, session: SessionDep, response: Response
) -> EventPublic:
    """One event, with its venue, rule and hosts."""
    event = await events.read(session, resident, event_id)
    set_etag(response, event.version)
    return event


@router.patch("/{event_id}", responses=problems(401, 403, 404, 412, 422, 428))
async def update(
    event_id: uuid.UUID,
    data: EventUpdate,
    resident: CurrentResident,
    if_match: IfMatch,  # after who is asking: a stranger gets 401, not 428
    session: SessionDep,
    response: Response,
) -> EventPublic:
    """Change an event you host; send `If-Match` with the ETag you read."""
    event = await events.change(session, resident, event_id, data, if_match)
    if "capacity" in data.model_fields_set:  # more places (or none): the waitlists move up
        await rsvps.fill_every_occurrence(session, await events.hosted(session, resident, event_id))
    set_etag(response, event.version)
    return event


@router.delete(
    "/{event_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 403, 404, 422)
)
async def cancel(event_id: uuid.UUID, resident: CurrentResident, session: SessionDep) -> None:
    """Cancel an event you host, every occurrence of it. Safe to repeat."""
    await events.cancel(session, resident, event_id)


@router.delete(
    "/{event_id}/occurrences/{occurrence}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(401, 403, 404, 422),
)
async def cancel_occurrence(
    event_id: uuid.UUID, occurrence: date, resident: CurrentResident, session: SessionDep
) -> None:
    """Cancel one occurrence of a repeating event, named by its original local date."""
    await events.cancel_occurrence(session, resident, event_id, occurrence)


@router.put("/{event_id}/occurrences/{occurrence}", responses=problems(401, 403, 404, 422))
async def move_occurrence(
    event_id: uuid.UUID,
    occurrence: date,
    data: OccurrenceMove,
    resident: CurrentResident,
    session: SessionDep,
) -> EventPublic:
    """Move one occurrence (by up to 7 days), named by its original local date."""
    return await events.move_occurrence(session, resident, event_id, occurrence, data)


@router.post("/{event_id}/rsvp", responses=problems(401, 404, 422))
async def rsvp(
    event_id: uuid.UUID, data: RsvpCreate, resident: CurrentResident, session: SessionDep
) -> RsvpPublic:
    """Going, maybe or not going, for one occurrence. When it is full, "going" puts you on
    the waitlist, and you move up by yourself when a place frees. Safe to repeat."""
    return await rsvps.respond(session, resident, event_id, data)


@router.get("/{event_id}/attendees", responses=problems(401, 403, 404, 422))
async def attendees(
    event_id: uuid.UUID,
    occurrence: Annotated[date, Query(description="The occurrence's original local date.")],
    resident: CurrentResident,
    session: SessionDep,
    waitlisted: Annotated[
        bool, Query(description="The waitlist, in the order it moves up, instead.")
    ] = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Attendees:
    """For hosts: how many are coming, and a page of who, in the order they said yes."""
    return await rsvps.attendees(session, resident, event_id, occurrence, waitlisted, cursor, limit)


Occurrence = Annotated[date, Query(description="The occurrence's original local date.")]


@router.get("/{event_id}/check-in-code", responses=problems(401, 403, 404, 422))
async def check_in_code(
    event_id: uuid.UUID, occurrence: Occurrence, resident: CurrentResident, session: SessionDep
) -> CheckInCode:
    """For hosts: the code to show the room. It changes every 10 minutes and works from an
    hour before the start to two hours after the end."""
    return await check_ins.code_for(session, resident, event_id, occurrence)


@router.post("/{event_id}/check-ins", responses=problems(401, 403, 404, 422, 429))
async def check_in(
    event_id: uuid.UUID,
    data: CheckInCreate,
    resident: CurrentResident,
    session: SessionDep,
    limiter: LimiterDep,
    settings: SettingsDep,
) -> CheckInPublic:
    """Check in with the host's code; or, as a host, mark someone present. Safe to repeat.
    Guessing is limited (5 tries a minute)."""
    await limiter.hit(settings.rate_limits.check_in_per_resident, "check-in", str(resident.id))
    return await check_ins.check_in(session, resident, event_id, data)


@router.get("/{event_id}/check-ins", responses=problems(401, 403, 404, 422))
async def list_check_ins(
    event_id: uuid.UUID,
    occurrence: Occurrence,
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[CheckInPublic]:
    """Who else checked in: for those who did (to choose whom to keep in touch with) and
    for hosts. By name."""
    return await check_ins.present(session, resident, event_id, occurrence, cursor, limit)


@router.post("/{event_id}/keep-in-touch", responses=problems(401, 403, 404, 422))
async def keep_in_touch(
    event_id: uuid.UUID, data: KeepInTouchCreate, resident: CurrentResident, session: SessionDep
) -> KeepInTouchPublic:
    """Choose people you met here. Two people who choose each other get a `met` tie in both
    circles; a choice that is not returned is never shown to anyone."""
    return await check_ins.keep_in_touch(session, resident, event_id, data)
