"""One synthetic neighbourhood's people, their posts, a year of help given between them, and
the connections and vouches they made: plain rows for bulk inserts, and the ties each one
formed (services/city.py turns those into tie rows)."""

import random
import uuid
from datetime import datetime, timedelta

from models.categories import Category
from models.matches import MatchOrigin, MatchStatus
from models.ties import TieKind
from services.city_layout import (
    HOME_RESOLUTION,
    PER_NEIGHBOURHOOD,
    Neighbourhood,
    entity_id,
    resident_email,
    resident_id,
)
from services.city_rows import Formed, Row, Rows

# Our estimate (not a survey's figures) of how often each kind of help is offered and asked
# for in UK mutual-aid groups: errands and lifts lead, befriending and small jobs follow;
# personal care is never matched between residents, and help with children goes through a
# connector, so it is rare.
OFFERED = {
    Category.shopping: 18, Category.lifts: 10, Category.befriending_phone: 9, Category.diy: 9,
    Category.prescriptions: 8, Category.gardening: 8, Category.cooked_meals: 7,
    Category.pet_care: 7, Category.tech_help: 7, Category.lending: 5,
    Category.forms_and_letters: 4, Category.befriending_visits: 4, Category.language: 2,
    Category.children: 1, Category.other: 1,
}  # fmt: skip
ASKED = {
    Category.shopping: 20, Category.prescriptions: 14, Category.lifts: 14,
    Category.befriending_phone: 8, Category.tech_help: 8, Category.diy: 8,
    Category.gardening: 7, Category.forms_and_letters: 7, Category.pet_care: 5,
    Category.cooked_meals: 4, Category.befriending_visits: 4, Category.lending: 1,
}  # fmt: skip
OFFER_TITLES = {
    Category.shopping: "Happy to pick up shopping when I go",
    Category.lifts: "Lifts to the station or the hospital",
    Category.befriending_phone: "A weekly chat on the phone",
    Category.diy: "Small repairs, shelves and flat-pack",
    Category.prescriptions: "Can collect prescriptions on my way home",
    Category.gardening: "Weeding and mowing on Saturdays",
    Category.cooked_meals: "I cook too much soup: happy to share",
    Category.pet_care: "Dog walks in the mornings",
    Category.tech_help: "Help setting up phones and video calls",
    Category.lending: "Ladder, drill and a wallpaper steamer to lend",
    Category.forms_and_letters: "Help with forms and letters",
    Category.befriending_visits: "A cup of tea and a chat at yours",
    Category.language: "Polish and English conversation",
    Category.children: "School run on Wednesdays (DBS checked)",
    Category.other: "Ask me: I have time most afternoons",
}
REQUEST_TITLES = {
    Category.shopping: "Groceries while I recover from an operation",
    Category.prescriptions: "Prescription to collect from the pharmacy",
    Category.lifts: "A lift to a hospital appointment",
    Category.befriending_phone: "Someone to talk to in the evenings",
    Category.tech_help: "Can't get my new phone to work",
    Category.diy: "A dripping tap in the kitchen",
    Category.gardening: "Garden has got away from me",
    Category.forms_and_letters: "Help with a form from the council",
    Category.pet_care: "Someone to feed my cat next week",
    Category.cooked_meals: "A hot meal or two this week",
    Category.befriending_visits: "A visit now and then",
    Category.lending: "Could I borrow a ladder?",
}
FIRST_NAMES = (
    "Ada", "Bea", "Cal", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Mo",
    "Nia", "Oli", "Pip", "Raj", "Sam", "Tess", "Uma", "Vic", "Wyn", "Yas", "Zoe", "Amir",
    "Bronwen", "Chidi", "Dorota", "Ewan", "Farah", "Grace", "Hamza", "Iris", "Jamal", "Kasia",
)  # fmt: skip
OFFER_RATE = 0.5  # residents with an active offer
OPEN_REQUEST_RATE = 0.04  # residents asking for help right now
PAST_REQUEST_RATE = 0.3  # residents who asked once in the past year
CONNECTIONS_EACH = 1.5  # accepted connections per resident, most within the neighbourhood
VOUCH_RATE = 0.03


def people(
    place: Neighbourhood, homes: list[str], password_hash: str, domain: str, now: datetime
) -> list[Row]:
    rng = place.rng("people")
    rows = []
    for index, home in enumerate(homes):
        quiet = rng.random() < 0.1
        joined = now - timedelta(days=rng.uniform(30, 900))
        rows.append(
            {
                "id": place.resident_id(index),
                "email": resident_email(place.number, index, domain),
                "display_name": f"{rng.choice(FIRST_NAMES)} {chr(65 + rng.randrange(26))}.",
                "bio": "",
                "password_hash": password_hash,  # one hash for every demo account
                "home_cell": home,
                "cell_resolution": HOME_RESOLUTION,
                "skills": [],
                "languages": [],
                "weekly_help_cap": rng.choice((1, 2, 3, 3, 3, 5)),
                "quiet_from": "22:00" if quiet else None,
                "quiet_until": "07:00" if quiet else None,
                "timezone": "Europe/London",
                "open_to_outreach": rng.random() < 0.2,
                "status": "suspended" if rng.random() < 0.005 else "active",
                "is_admin": False,
                "version": 1,
                "created_at": joined,
                "updated_at": joined,
            }
        )
    return rows


def _post(place: Neighbourhood, kind: str, index: int, owner: int, home: str) -> Row:
    return {
        "id": entity_id(place.number, kind, index),
        "owner_id": place.resident_id(owner),
        "details": "",
        "cell": home,
        "availability": {},
        "version": 1,
    }


def posts(place: Neighbourhood, homes: list[str], now: datetime, rows: Rows) -> None:
    """An active offer from about half the residents, and a few open requests."""
    rng = place.rng("posts")
    for owner, home in enumerate(homes):
        if rng.random() < OFFER_RATE:
            category = rng.choices(list(OFFERED), weights=list(OFFERED.values()))[0]
            created = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            rows.offers.append(
                _post(place, "offer", len(rows.offers), owner, home)
                | {
                    "category": category.value,
                    "title": OFFER_TITLES[category],
                    "radius_m": rng.choice((1000, 1500, 1500, 2000, 3000)),
                    "visibility": "circle" if rng.random() < 0.1 else "nearby",
                    "status": "active",
                    "expires_at": created + timedelta(days=60),
                    "created_at": created,
                    "updated_at": created,
                }
            )
        if rng.random() < OPEN_REQUEST_RATE:
            category = rng.choices(list(ASKED), weights=list(ASKED.values()))[0]
            created = now - timedelta(hours=rng.randint(1, 24 * 10))
            rows.requests.append(
                _request(place, len(rows.requests), owner, home, category, created)
                | {
                    "status": "open",
                    "urgency": rng.choice(("low", "normal", "normal", "normal", "urgent")),
                    "needed_by": created + timedelta(days=rng.randint(1, 7)),
                    "expires_at": created + timedelta(days=30),
                }
            )


def _request(
    place: Neighbourhood, index: int, owner: int, home: str, category: Category, created: datetime
) -> Row:
    return _post(place, "request", index, owner, home) | {
        "category": category.value,
        "title": REQUEST_TITLES[category],
        "radius_m": 1500,
        "visibility": "nearby",
        "helpers_needed": 1,
        "eligibility": "anyone",
        "created_at": created,
        "updated_at": created,
    }


def help_given(place: Neighbourhood, homes: list[str], now: datetime, rows: Rows) -> None:
    """A year of requests, each matched with a neighbour; help completed forms a tie."""
    rng = place.rng("help")
    for asker, home in enumerate(homes):
        if rng.random() >= PAST_REQUEST_RATE or len(homes) < 2:
            continue
        helper = rng.choice([i for i in rng.sample(range(len(homes)), 2) if i != asker])
        created = now - timedelta(days=rng.uniform(2, 365))
        status = rng.choices(
            (MatchStatus.completed, MatchStatus.declined, MatchStatus.cancelled),
            (80, 15, 5),
        )[0]
        done = status == MatchStatus.completed
        category = rng.choices(list(ASKED), weights=list(ASKED.values()))[0]
        request = _request(place, len(rows.requests), asker, home, category, created) | {
            "status": "fulfilled" if done else "expired",
            "urgency": "normal",
            "needed_by": None,
            "expires_at": created + timedelta(days=30),
        }
        rows.requests.append(request)
        closed = created + timedelta(days=rng.uniform(1, 5))
        rows.matches.append(
            {
                "id": entity_id(place.number, "match", len(rows.matches)),
                "request_id": request["id"],
                "requester_id": place.resident_id(asker),
                "helper_id": place.resident_id(helper),
                "offer_id": None,
                "origin": rng.choice(list(MatchOrigin)).value,
                "status": status.value,
                "score_permille": rng.randint(200, 900),
                "reasons": [],
                "helper_contact": None,
                "requester_contact": None,
                "meeting_note": None,
                "helper_thanks": "Lovely to meet you" if done and rng.random() < 0.3 else None,
                "requester_thanks": "Thank you so much!" if done and rng.random() < 0.6 else None,
                "expires_at": None,
                "accepted_at": created + timedelta(hours=2) if done else None,
                "confirmed_at": created + timedelta(hours=3) if done else None,
                "closed_at": closed,
                "version": 1,
                "created_at": created,
                "updated_at": closed,
            }
        )
        if done:
            rows.formed.append(
                Formed(place.resident_id(asker), place.resident_id(helper), TieKind.helped, closed)
            )


def connections(place: Neighbourhood, now: datetime, rows: Rows) -> None:
    """Accepted connections, mostly within the neighbourhood, a few to earlier ones; and
    vouches for neighbours."""
    rng = place.rng("connections")
    size = place.size
    pairs: set[tuple[uuid.UUID, uuid.UUID]] = set()
    for _ in range(int(size * CONNECTIONS_EACH / 2)):
        a = rng.randrange(size)
        if place.number > 1 and rng.random() < 0.1:
            other = place_resident_elsewhere(rng, place.number)
        else:
            other = place.resident_id(rng.randrange(size))
        mine = place.resident_id(a)
        if other != mine and (other, mine) not in pairs:
            pairs.add((mine, other))
    for mine, other in sorted(pairs):
        at = now - timedelta(days=rng.uniform(1, 600))
        rows.connections.append(
            {
                "id": entity_id(place.number, "connection", len(rows.connections)),
                "requester_id": mine,
                "addressee_id": other,
                "status": "accepted",
                "message": "",
                "created_at": at,
                "expires_at": at + timedelta(days=14),
                "responded_at": at + timedelta(hours=rng.uniform(1, 48)),
                "declined_at": None,
            }
        )
        rows.formed.append(Formed(mine, other, TieKind.connected, at))
    for voucher in rng.sample(range(size), int(size * VOUCH_RATE)):
        vouchee = rng.randrange(size)
        if vouchee == voucher:
            continue
        at = now - timedelta(days=rng.uniform(1, 400))
        rows.vouches.append(
            {
                "id": entity_id(place.number, "vouch", len(rows.vouches)),
                "voucher_id": place.resident_id(voucher),
                "vouchee_id": place.resident_id(vouchee),
                "by_connector": voucher == 0,
                "note": "",
                "created_at": at,
                "revoked_at": None,
            }
        )
        rows.formed.append(
            Formed(place.resident_id(voucher), place.resident_id(vouchee), TieKind.vouched, at)
        )


def place_resident_elsewhere(rng: random.Random, number: int) -> uuid.UUID:
    """Someone in an earlier neighbourhood (already written and full), usually a nearby one."""
    earlier = max(1, number - rng.choice((1, 1, 2, 3, 5, 8, 13, number - 1)))
    return resident_id(earlier, rng.randrange(PER_NEIGHBOURHOOD))
