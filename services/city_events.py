"""One synthetic neighbourhood's repeating events: six weeks of past occurrences where
neighbours checked in and some chose to keep in touch (so `met` ties), and RSVPs for the next
two. Relationship-building before anyone needs help is the point of Kith, so every
neighbourhood has a couple."""

from datetime import UTC, datetime, time, timedelta

from models.events import AREA_RESOLUTION, VENUE_RESOLUTION, EventKind
from models.ties import TieKind
from services import geo, recurrence
from services.city_layout import KM_LAT, KM_LON, Neighbourhood, entity_id
from services.city_rows import Formed, Rows

# (kind, title, venue, rule, local start, hours, capacity)
KINDS = (
    (EventKind.meal, "Community supper", "the church hall", "FREQ=WEEKLY;BYDAY=TU",
     time(18, 0), 2, 40),
    (EventKind.coffee_morning, "Coffee morning", "the library", "FREQ=WEEKLY;BYDAY=TH",
     time(10, 30), 2, None),
    (EventKind.walk, "Litter pick and a cuppa", "the green", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
     time(10, 0), 2, None),
    (EventKind.skill_swap, "Repair café", "the community centre", "FREQ=MONTHLY;BYDAY=1SA",
     time(14, 0), 3, 25),
)  # fmt: skip
EVENTS_EACH = 2
WEEKS_OF_HISTORY = 6
CAME = 12  # check-ins at each past occurrence
ANSWERED = 8  # RSVPs for each of the next two


def events(place: Neighbourhood, now: datetime, rows: Rows) -> None:
    rng = place.rng("events")
    tz = recurrence.zone("Europe/London")
    first_day = (now - timedelta(weeks=WEEKS_OF_HISTORY)).date()
    for n, (kind, title, venue, rule, start, hours, capacity) in enumerate(
        rng.sample(KINDS, EVENTS_EACH)
    ):
        event_id = entity_id(place.number, "event", n)
        lat = place.lat + rng.gauss(0, 0.3) * KM_LAT
        lon = place.lon + rng.gauss(0, 0.3) * KM_LON
        starts_at = recurrence.local(datetime.combine(first_day, start), tz)
        host = rng.randrange(place.size)
        schedule = recurrence.Schedule(
            starts_at, starts_at + timedelta(hours=hours), "Europe/London", rule
        )
        rows.events.append(
            {
                "id": event_id,
                "kind": kind.value,
                "title": f"{title}, {place.name.removesuffix(' (demo)')}",
                "description": "All welcome. Come as you are.",
                "accessibility": "Step-free access",
                "venue_name": venue.capitalize(),
                "venue_address": "",
                "venue_cell": geo.cell_of(lat, lon, VENUE_RESOLUTION),
                "cell": geo.cell_of(lat, lon, AREA_RESOLUTION),
                "timezone": "Europe/London",
                "starts_at": starts_at.astimezone(UTC),
                "ends_at": (starts_at + timedelta(hours=hours)).astimezone(UTC),
                "rrule": rule,
                "last_ends_at": schedule.last_end(),
                "capacity": capacity,
                "check_in_secret": None,
                "status": "scheduled",
                "created_by": place.resident_id(host),
                "neighbourhood_id": None,
                "version": 1,
                "created_at": starts_at - timedelta(days=14),
                "updated_at": starts_at - timedelta(days=14),
            }
        )
        rows.hosts.append(
            {
                "event_id": event_id,
                "resident_id": place.resident_id(host),
                "added_at": starts_at - timedelta(days=14),
                "invited_by": None,
                "accepted_at": starts_at - timedelta(days=14),
                "declined_at": None,
            }
        )
        for slot in schedule.slots(starts_at, now):
            came = [place.resident_id(i) for i in rng.sample(range(place.size), CAME)]
            rows.check_ins += [
                {
                    "event_id": event_id,
                    "occurrence": slot.occurrence,
                    "resident_id": person,
                    "checked_in_at": slot.starts_at,
                    "marked_by": None,
                }
                for person in came
            ]
            when = f"{slot.starts_at.day} {slot.starts_at:%b %Y}"
            for a, b in zip(came[:4:2], came[1:4:2], strict=True):  # two pairs chose each other
                for chooser, chosen in ((a, b), (b, a)):
                    rows.keep_in_touch.append(
                        {
                            "event_id": event_id,
                            "occurrence": slot.occurrence,
                            "chooser_id": chooser,
                            "chosen_id": chosen,
                            "created_at": slot.ends_at,
                        }
                    )
                rows.formed.append(Formed(a, b, TieKind.met, slot.starts_at, f"{title} on {when}"))
        for slot in schedule.slots(now, now + timedelta(days=35))[:2]:
            rows.rsvps += [
                {
                    "event_id": event_id,
                    "occurrence": slot.occurrence,
                    "resident_id": place.resident_id(i),
                    "answer": rng.choice(("going", "going", "maybe")),
                    "waitlisted": False,
                    "answered_at": now - timedelta(days=rng.uniform(0, 5)),
                }
                for i in rng.sample(range(place.size), ANSWERED)
            ]
