"""Calendar files: an event's .ics, and each resident's private feed of what they go to."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.events import CalendarFeedPublic
from services import calendars, events

router = APIRouter(tags=["events"])

ICS = "text/calendar; charset=utf-8"
ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar file."}
}


@router.get(
    "/v1/events/{event_id}/calendar.ics",
    response_class=Response,
    responses=ICS_RESPONSE | problems(401, 404, 422),
)
async def event_calendar(
    event_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> Response:
    """The event as an iCalendar file: its rule, cancelled dates (EXDATE) and moved ones."""
    event = await events.visible(session, resident, event_id)
    changes = await events.changes_of(session, event.id)
    return Response(calendars.event_file(event, changes), media_type=ICS)


@router.post("/v1/me/calendar-feed", status_code=status.HTTP_201_CREATED, responses=problems(401))
async def rotate_calendar_feed(
    resident: CurrentResident, session: SessionDep
) -> CalendarFeedPublic:
    """A private calendar address of everything you are going to. Asking again gives a new
    address and turns the old one off (if it was shared by mistake)."""
    return await calendars.rotate_feed(session, resident)


@router.delete(
    "/v1/me/calendar-feed", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401)
)
async def stop_calendar_feed(resident: CurrentResident, session: SessionDep) -> None:
    """Turn your calendar address off."""
    await calendars.stop_feed(session, resident)


@router.get(
    "/v1/calendar/{token}.ics",
    response_class=Response,
    responses=ICS_RESPONSE | problems(404, 422),
)
async def calendar_feed(
    token: Annotated[str, Path(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    session: SessionDep,
) -> Response:
    """A resident's private feed, for calendar apps (which cannot sign in): the address is
    the key."""
    return Response(await calendars.feed_file(session, token), media_type=ICS)
