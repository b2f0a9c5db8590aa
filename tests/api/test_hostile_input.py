"""Hostile input gets a clear 4xx problem, never a 500: NUL characters (which PostgreSQL
cannot store), numbers and strings past every bound, JSON nested past the parser, bytes that
are not UTF-8, odd Unicode, and malformed cursors, tokens and ETags."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.settings import DEV_JWT_SECRET
from tests.api.test_events import supper
from tests.api.test_offers import NEAR, offer_body, post_offer
from tests.factories import Account, register, registration

JSON = {"content-type": "application/json"}


def problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


def locations(body: dict[str, Any]) -> list[list[str | int]]:
    return [error["loc"] for error in body.get("errors", [])]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
async def resident(client: httpx.AsyncClient) -> Account:
    return await register(client)


# --- NUL characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("POST", "/v1/offers", offer_body(title="Shelves\x00 put up"), ["body", "title"]),
        ("PATCH", "/v1/me", {"bio": "\x00"}, ["body", "bio"]),
        ("PATCH", "/v1/me", {"skills": ["baking", "dr\x00ills"]}, ["body", "skills", 1]),
        (
            "POST",
            "/v1/offers",
            offer_body(availability={"weekly": [{"day": "sat", "start": "10:00\x00"}]}),
            ["body", "availability", "weekly", 0, "start"],
        ),
    ],
)
async def test_a_nul_in_a_json_string_is_a_422_problem(
    client: httpx.AsyncClient,
    resident: Account,
    method: str,
    path: str,
    body: dict[str, Any],
    where: list[str | int],
) -> None:
    response = await client.request(method, path, headers=resident.headers, json=body)
    assert locations(problem(response, 422)) == [where]


async def test_a_nul_in_a_json_key_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account
) -> None:
    response = await client.patch("/v1/me", headers=resident.headers, json={"bio\x00": "hi"})
    assert locations(problem(response, 422)) == [["body", "bio\N{REPLACEMENT CHARACTER}"]]


async def test_a_nul_at_sign_up_is_a_422_problem_and_nothing_is_stored(
    client: httpx.AsyncClient,
) -> None:
    body = registration(display_name="Ro\x00bin")
    problem(await client.post("/v1/auth/register", json=body), 422)
    signing_in = {"username": body["email"], "password": body["password"]}
    problem(await client.post("/v1/auth/token", data=signing_in), 401)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
async def test_a_nul_in_a_form_field_is_a_422_problem(
    client: httpx.AsyncClient, encoding: str
) -> None:
    fields = {"username": "robin\x00@example.org", "password": "plum-orchard-lantern-42"}
    if encoding == "urlencoded":
        response = await client.post("/v1/auth/token", data=fields)
    else:
        multipart = {name: (None, value) for name, value in fields.items()}
        response = await client.post("/v1/auth/token", files=multipart)
    assert locations(problem(response, 422)) == [["body", "username"]]


async def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(
    client: httpx.AsyncClient, resident: Account
) -> None:
    written = json.dumps({"bio": "C:\\u0000 is not a NUL"})
    response = await client.patch("/v1/me", headers=resident.headers | JSON, content=written)
    assert response.status_code == 200, response.text
    assert response.json()["bio"] == "C:\\u0000 is not a NUL"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/offers/%00",
        "/v1/offers?cursor=%00",
        "/v1/offers?category=diy%00",
        "/v1/sync?since=%00",
        "/v1/calendar/%00.ics",
        "/v1/events?from=2027-01-01T00:00:00%00",
    ],
)
async def test_a_nul_in_the_path_or_query_is_a_4xx_problem(
    client: httpx.AsyncClient, resident: Account, path: str
) -> None:
    problem(await client.get(path, headers=resident.headers), 404, 422)


async def test_a_nul_after_a_genuine_cursor_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account
) -> None:
    for _ in range(2):
        await post_offer(client, resident)
    neighbour = await register(client, home=NEAR)
    first = await client.get("/v1/offers", headers=neighbour.headers, params={"limit": 1})
    cursor = first.json()["next_cursor"]
    assert cursor
    response = await client.get(
        "/v1/offers", headers=neighbour.headers, params={"limit": 1, "cursor": cursor + "\x00"}
    )
    assert locations(problem(response, 422)) == [["query", "cursor"]]


# --- numbers and strings past every bound -----------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/v1/me", {"weekly_help_cap": 2**64}),
        ("PATCH", "/v1/me", {"weekly_help_cap": -(2**70)}),
        ("POST", "/v1/offers", offer_body(radius_m=10**40)),
        ("POST", "/v1/events", supper(capacity=2**63)),
        ("PATCH", "/v1/me", {"home": {"lat": 1e308 * 10, "lon": 0}}),  # inf
        ("PATCH", "/v1/me", {"home": {"lat": float("nan"), "lon": 0}}),
    ],
)
async def test_numbers_past_64_bits_or_not_finite_in_a_body_are_a_422_problem(
    client: httpx.AsyncClient, resident: Account, method: str, path: str, body: dict[str, Any]
) -> None:
    # Python's json writes inf and nan as Infinity and NaN, which its parser reads back.
    response = await client.request(
        method, path, headers=resident.headers | JSON, content=json.dumps(body)
    )
    problem(response, 422)


@pytest.mark.parametrize(
    "query",
    [
        {"limit": str(2**64)},
        {"limit": "-" + "9" * 400},
        {"within_m": "1e309"},
        {"within_m": "NaN"},
        {"limit": "1" * 5000},
    ],
)
async def test_numbers_past_64_bits_in_a_query_are_a_422_problem(
    client: httpx.AsyncClient, resident: Account, query: dict[str, str]
) -> None:
    problem(await client.get("/v1/offers", headers=resident.headers, params=query), 422)


async def test_an_enormous_string_is_refused(client: httpx.AsyncClient, resident: Account) -> None:
    # Past its field's bound: a 422 naming the field.
    long_title = await client.post(
        "/v1/offers", headers=resident.headers, json=offer_body(title="x" * 100_000)
    )
    assert locations(problem(long_title, 422)) == [["body", "title"]]
    # Past the body limit (256 KiB by default): a 413 before anything is parsed.
    huge = await client.post(
        "/v1/offers", headers=resident.headers, json=offer_body(details="x" * 1_000_000)
    )
    problem(huge, 413)


# --- JSON nested past the parser, and bytes that are not JSON ---------------------------


@pytest.mark.parametrize("depth", [10_000, 40_000])  # the deeper one just under 256 KiB
async def test_json_nested_past_the_parser_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, depth: int
) -> None:
    for nested in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        response = await client.post("/v1/offers", headers=resident.headers | JSON, content=nested)
        assert locations(problem(response, 422)) == [["body"]]


async def test_json_nested_inside_a_field_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account
) -> None:
    # Deep, yet within the parser's reach: validation meets it as a list where a day belongs.
    deep = "[" * 900 + "]" * 900
    body = json.dumps(offer_body()).replace('"sat"', deep)
    response = await client.post("/v1/offers", headers=resident.headers | JSON, content=body)
    problem(response, 422)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe"}',  # not UTF-8
        b'{"title": "a\x00b"}',  # a raw control character in a string
        b"\x00" * 64,
    ],
)
async def test_a_body_that_is_not_json_text_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, raw: bytes
) -> None:
    response = await client.post("/v1/offers", headers=resident.headers | JSON, content=raw)
    problem(response, 422)


async def test_a_broken_multipart_form_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/token",
        content=b"--x\r\nnot a part",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    problem(response, 422)


# --- odd Unicode --------------------------------------------------------------------------


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\udc00b"])
async def test_a_lone_surrogate_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, escape: str
) -> None:
    # Valid JSON, but no UTF-8 text: it could be neither stored nor sent back.
    written = '{"bio": "' + escape + '"}'
    response = await client.patch("/v1/me", headers=resident.headers | JSON, content=written)
    assert locations(problem(response, 422)) == [["body", "bio"]]


@pytest.mark.parametrize(
    "text",
    [
        "Ada\u202eevol",  # a right-to-left override
        "\u05e9\u05dc\u05d5\u05dd \u200fRobin",  # Hebrew, a right-to-left mark
        "zero\u200bwidth\u200djoined\ufeff",
        "\U0001f469\u200d\U0001f467",  # an emoji sequence joined by ZWJ
        "e\u0301\u0301\u0301",  # stacked combining accents
        "\U0010fffd private use, and the last plane",
    ],
)
async def test_odd_but_valid_unicode_is_kept_exactly(
    client: httpx.AsyncClient, resident: Account, text: str
) -> None:
    response = await client.patch(
        "/v1/me", headers=resident.headers, json={"display_name": text, "bio": text}
    )
    assert response.status_code == 200, response.text
    me = (await client.get("/v1/me", headers=resident.headers)).json()
    assert (me["display_name"], me["bio"]) == (text, text)


@pytest.mark.parametrize(
    "name",
    ["\u200b", "\u200e\u200f", "\u202e", "\ufeff\u2060", " \u200b ", "Ro\x07bin", "\x1b[31m"],
)
async def test_a_name_of_only_invisible_or_control_characters_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, name: str
) -> None:
    response = await client.patch("/v1/me", headers=resident.headers, json={"display_name": name})
    assert locations(problem(response, 422)) == [["body", "display_name"]]


# --- malformed cursors ------------------------------------------------------------------

TIME_KEY = f"2026-01-01T00:00:00|{uuid.UUID(int=1)}"


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!not-base64!!!",
        "a",  # base64 cannot end there
        b64(b"\xff\xfe\xfd garbage"),
        b64(b"[1, 2]"),  # JSON of the wrong shape
        b64(b'{"a": 1}'),
        b64(b'[Infinity, 0, "x"]'),
        b64(b'[0, NaN, "x"]'),
        b64(b'[1e999, 1e999, "x"]'),
        b64(b"[" * 100 + b"]" * 100),
        base64.b64encode(b'[0, 0.0, "x"]').decode(),  # padded
        b64(b"x" * 1000),
    ],
)
async def test_a_malformed_feed_cursor_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, cursor: str
) -> None:
    response = await client.get("/v1/offers", headers=resident.headers, params={"cursor": cursor})
    assert locations(problem(response, 422)) == [["query", "cursor"]]


@pytest.mark.parametrize(
    "key",
    [
        [0, 0.0, "2026-01-01T00:00:00|" + str(uuid.UUID(int=1))],  # no time zone
        [0, 0.0, "0001-01-01T00:00:00+05:00|" + str(uuid.UUID(int=1))],  # before year 1 in UTC
        [0, 0.0, "2026-01-01T00:00:00+00:00|not-a-uuid"],
        [0, 0.0, "2026-01-01T00:00:00+00:00"],
        [0, 0.0, TIME_KEY + "|extra"],
    ],
)
async def test_a_malformed_time_cursor_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, key: list[object]
) -> None:
    cursor = b64(json.dumps(key).encode())
    response = await client.get(
        "/v1/notifications", headers=resident.headers, params={"cursor": cursor}
    )
    assert locations(problem(response, 422)) == [["query", "cursor"]]


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        b64(b"s1.1"),
        b64(f"s1.{2**64}.0123456789abcdef".encode()),
        b64(b"s1.-1.0123456789abcdef"),
        b64("s1.\u00b2.0123456789abcdef".encode()),
        b64(b"\xff.\xfe.\xfd"),
    ],
)
async def test_a_malformed_sync_token_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, token: str
) -> None:
    response = await client.get("/v1/sync", headers=resident.headers, params={"since": token})
    assert locations(problem(response, 422)) == [["query", "since"]]


# --- malformed credentials ------------------------------------------------------------------


def access_token(resident: Account, secret: str = DEV_JWT_SECRET, **changes: Any) -> str:
    claims = jwt.decode(resident.access_token, options={"verify_signature": False})
    return jwt.encode(claims | changes, secret, algorithm="HS256")


def forged_tokens(resident: Account) -> list[str]:
    real = resident.access_token
    header, payload, _signature = real.split(".")
    unsigned = jwt.decode(real, options={"verify_signature": False})
    return [
        "",
        "garbage",
        "a.b.c",
        b64(b"\xff") + "." + b64(b"\xfe") + "." + b64(b"\xfd"),
        real[:-4],  # truncated
        header + "." + payload,  # no signature
        header + "." + payload + ".",
        jwt.encode(unsigned, key=None, algorithm="none"),  # alg none
        access_token(resident, secret="not-the-secret-" * 3),  # wrong signature
        access_token(resident, exp=datetime.now(UTC) - timedelta(minutes=1)),  # expired
        access_token(resident, iss="someone-else"),
        access_token(resident, sub="not-a-uuid"),
        access_token(resident, sub=str(uuid.uuid4())),  # nobody
        access_token(resident, fam=["not", "a", "uuid"]),
        real + real,
    ]


@pytest.mark.parametrize("index", range(15))
async def test_a_forged_or_broken_access_token_is_a_401_problem(
    client: httpx.AsyncClient, resident: Account, index: int
) -> None:
    token = forged_tokens(resident)[index]
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    credential=st.text(
        # What an HTTP header can carry: latin-1, without line breaks.
        alphabet=st.characters(codec="latin-1", exclude_characters="\r\n"),
        max_size=300,
    ),
    where=st.sampled_from(["bearer", "api-key"]),
    prefix=st.sampled_from(["", "kith_", "eyJ"]),
)
async def test_any_credential_at_all_is_a_401_problem(
    client: httpx.AsyncClient, credential: str, where: str, prefix: str
) -> None:
    value = (prefix + credential).strip()
    if where == "bearer":
        header = (b"authorization", f"Bearer {value}".encode("latin-1"))
    else:
        header = (b"x-api-key", value.encode("latin-1"))
    response = await client.get("/v1/offers", headers=[header])
    problem(response, 401)


async def test_a_broken_refresh_token_is_a_401_problem(client: httpx.AsyncClient) -> None:
    for token in ["", "x", "\u202e" * 50, "kith_" + "A" * 500]:
        problem(await client.post("/v1/auth/refresh", json={"refresh_token": token}), 401, 422)


# --- malformed ETags and event rules ------------------------------------------------------


@pytest.mark.parametrize(
    "if_match",
    [
        b'"\xb2"',  # a superscript two: a digit to str.isdigit, not to int()
        b'"\xb9\xb3"',
        b'"' + b"9" * 150 + b'"',
        b'W/"1"',
        b'"-1"',
        b"\xff\xfe",
    ],
)
async def test_a_malformed_if_match_is_a_412_problem(
    client: httpx.AsyncClient, resident: Account, if_match: bytes
) -> None:
    offer = await post_offer(client, resident)
    response = await client.patch(
        f"/v1/offers/{offer['id']}",
        headers=[
            (b"authorization", resident.headers["Authorization"].encode()),
            (b"if-match", if_match),
        ],
        json={"title": "Shelves and pictures put up"},
    )
    problem(response, 412)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;COUNT=\u00b2",
        "FREQ=DAILY;INTERVAL=0",  # dateutil would loop for ever
        "FREQ=DAILY;INTERVAL=-1",
        "FREQ=DAILY;INTERVAL=99999999999999999999",
        "FREQ=DAILY;UNTIL=00010101T000000Z",
        "FREQ=DAILY;UNTIL=99991231T000000Z",  # the last occurrence would take most of a minute
        "FREQ=DAILY;UNTIL=99991231",
        "FREQ=YEARLY;BYEASTER=99999999999",
        "FREQ=WEEKLY;BYDAY=\u00b2TU",
    ],
)
async def test_a_hostile_repeat_rule_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, rule: str
) -> None:
    response = await client.post("/v1/events", headers=resident.headers, json=supper(rrule=rule))
    assert locations(problem(response, 422)) == [["body", "rrule"]]


@pytest.mark.parametrize("zone", ["Europe", "__pycache__", "zone.tab", "../etc", "UTC\x00"])
async def test_a_time_zone_that_is_no_zone_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, zone: str
) -> None:
    response = await client.patch("/v1/me", headers=resident.headers, json={"timezone": zone})
    assert locations(problem(response, 422)) == [["body", "timezone"]]
    problem(
        await client.post("/v1/events", headers=resident.headers, json=supper(timezone=zone)),
        422,
    )


async def test_a_home_far_outside_the_map_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account
) -> None:
    for home in ({"lat": 91, "lon": 0}, {"lat": 0, "lon": -181}, {"lat": "north", "lon": 0}):
        response = await client.patch("/v1/me", headers=resident.headers, json={"home": home})
        problem(response, 422)
    me = await client.get("/v1/me", headers=resident.headers)
    assert me.json()["home_cell"]  # the home they had is kept


# --- times at the edges of the calendar ---------------------------------------------------


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"),  # before year 1 in London time
        ("0001-01-01T00:00:00", "0001-01-01T01:00:00"),
        ("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z"),
    ],
)
async def test_an_event_at_the_edge_of_the_calendar_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, starts_at: str, ends_at: str
) -> None:
    response = await client.post(
        "/v1/events", headers=resident.headers, json=supper(starts_at=starts_at, ends_at=ends_at)
    )
    assert locations(problem(response, 422)) == [["body", "starts_at"]]


@pytest.mark.parametrize(
    "window",
    [
        {"from": "9999-12-20T00:00:00Z"},
        {"from": "0001-01-01T00:00:00+14:00", "to": "0001-01-02T00:00:00Z"},
        {"from": "2027-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"},
    ],
)
async def test_a_listing_window_at_the_edge_of_the_calendar_is_a_422_problem(
    client: httpx.AsyncClient, resident: Account, window: dict[str, str]
) -> None:
    problem(await client.get("/v1/events", headers=resident.headers, params=window), 422)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
async def test_an_occurrence_at_the_edge_of_the_calendar_is_not_found(
    client: httpx.AsyncClient, resident: Account, day: str
) -> None:
    hosted = await client.post("/v1/events", headers=resident.headers, json=supper())
    event = hosted.json()["id"]
    rsvp = await client.post(
        f"/v1/events/{event}/rsvp",
        headers=resident.headers,
        json={"occurrence": day, "answer": "going"},
    )
    problem(rsvp, 404, 422)
    cancel = await client.delete(f"/v1/events/{event}/occurrences/{day}", headers=resident.headers)
    problem(cancel, 404)
