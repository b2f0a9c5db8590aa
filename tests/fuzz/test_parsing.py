"""Whatever a client sends as a cursor or a token, parsing it either gives a value that is
safe to use (in SQL, in date arithmetic) or raises the domain's own error: never anything
else, which would be a 500."""

import base64
import json
import math
import struct
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services import auth, notification_stream, posts, sync
from services.errors import InvalidInput, Unauthenticated

PARSING = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
TOKENS = auth.TokenSettings(
    secret=SECRET, access_ttl=timedelta(minutes=15), refresh_ttl=timedelta(days=30)
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # with inf and nan, which Python's json writes and reads
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
# What a cursor might hold: the three-part key in any types, or any JSON at all.
keys = st.tuples(json_values, json_values, json_values).map(list) | json_values
time_keys = st.builds(
    lambda at, row, bucket, newest: [bucket, newest, f"{at}|{row}"],
    st.datetimes(timezones=st.none() | st.timezones()).map(datetime.isoformat)
    | st.text(max_size=40),
    st.uuids().map(str) | st.text(max_size=40),
    st.integers(),
    st.floats(),
)
documents = st.one_of(
    st.text(),  # anything at all, garbage and odd Unicode included
    st.binary().map(b64),  # valid base64 of garbage
    keys.map(lambda key: b64(json.dumps(key).encode())),
    time_keys.map(lambda key: b64(json.dumps(key).encode())),
    st.binary().map(lambda raw: base64.b64encode(raw).decode()),  # padded, standard alphabet
)


def genuine_cursor() -> str:
    return posts.encode_time_cursor(datetime(2026, 5, 1, 12, tzinfo=UTC), uuid.UUID(int=7))


@PARSING
@given(cursor=documents | st.text().map(lambda tail: genuine_cursor() + tail))
@example(cursor=b64(b'[Infinity, 0, "x"]'))
@example(cursor=b64(b'[0, NaN, "x"]'))
@example(cursor=b64(b"[" * 150 + b"]" * 150))
@example(cursor=genuine_cursor() + "\x00")
@example(cursor=genuine_cursor()[:-3])
def test_a_feed_cursor_is_a_finite_key_or_invalid_input(cursor: str) -> None:
    try:
        key = posts.decode_cursor(cursor)
    except InvalidInput:
        return
    assert math.isfinite(key.newest_first)
    assert isinstance(key.id_desc, str)


@PARSING
@given(cursor=documents)
@example(cursor=b64(json.dumps([0, 0.0, f"2024-01-01T00:00:00|{uuid.UUID(int=1)}"]).encode()))
@example(cursor=b64(json.dumps([0, 0.0, f"0001-01-01T00:00:00+05:00|{uuid.UUID(int=1)}"]).encode()))
@example(cursor=b64(json.dumps([0, 0.0, f"9999-12-31T23:59:59-05:00|{uuid.UUID(int=1)}"]).encode()))
def test_a_time_cursor_is_an_aware_utc_time_or_invalid_input(cursor: str) -> None:
    try:
        at, row_id = posts.decode_time_cursor(cursor)
    except InvalidInput:
        return
    assert at.tzinfo is UTC  # comparable with stored times on both databases
    assert isinstance(row_id, uuid.UUID)


sync_tokens = st.builds(
    lambda prefix, seq, fingerprint: b64(f"{prefix}.{seq}.{fingerprint}".encode()),
    st.sampled_from([sync.TOKEN_PREFIX, "s2", ""]),
    st.integers() | st.text(max_size=12),
    st.text(max_size=20),
)


@PARSING
@given(token=documents | sync_tokens)
@example(token=b64(f"{sync.TOKEN_PREFIX}.{2**64}.abc".encode()))
@example(token=b64(f"{sync.TOKEN_PREFIX}.-1.abc".encode()))
@example(token=b64(f"{sync.TOKEN_PREFIX}.\u00b2.abc".encode()))
def test_a_sync_token_names_a_64_bit_change_or_is_invalid_input(token: str) -> None:
    try:
        seq, fingerprint = sync.decode_token(token)
    except InvalidInput:
        return
    assert 0 <= seq < 2**63  # the change log's BIGINT
    assert isinstance(fingerprint, str)


stream_cursors = st.builds(
    lambda version, micros, entries: b64(
        struct.pack(">Bq", version, micros)
        + b"".join(struct.pack(">8sI", key, before) for key, before in entries)
    ),
    st.sampled_from([1, 2]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.lists(st.tuples(st.binary(min_size=8, max_size=8), st.integers(0, 2**32 - 1)), max_size=4),
)


@PARSING
@given(cursor=documents | stream_cursors)
@example(cursor=b64(struct.pack(">Bq", 1, -(2**63))))
@example(cursor=b64(struct.pack(">Bq", 1, 2**63 - 1)))
def test_a_stream_cursor_is_a_usable_position_or_invalid_input(cursor: str) -> None:
    try:
        position = notification_stream.Position.from_cursor(cursor)
    except InvalidInput:
        return
    # What a resumed stream computes from it (`catch_up`), and gives out again.
    assert position.newest - notification_stream.OVERLAP < position.newest
    assert notification_stream.Position.from_cursor(position.cursor()).newest == position.newest


def signed(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def genuine_claims(**changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(uuid.uuid4()),
        "fam": str(uuid.uuid4()),
        "iss": "kith",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    return claims | changes


def segment(document: object) -> str:
    return b64(json.dumps(document).encode())


claim_values = json_values | st.uuids().map(str) | st.just("kith")
forged = st.builds(
    lambda header, claims, signature: f"{segment(header)}.{segment(claims)}.{signature}",
    st.fixed_dictionaries(
        {"alg": st.sampled_from(["none", "HS256", "HS512", "RS256", "ES256", ""]) | json_values},
        optional={"typ": st.just("JWT"), "kid": json_values, "crit": json_values},
    ),
    st.dictionaries(st.sampled_from(["sub", "fam", "iss", "iat", "exp", "nbf"]), claim_values),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
)
# Signed with the real secret but otherwise anything (what a bug in issuing would produce);
# signed as raw JWS, since PyJWT's encode checks the types of the claims it knows.
odd_but_signed = st.dictionaries(
    st.sampled_from(["sub", "fam", "iss", "iat", "exp", "nbf"]), claim_values
).map(
    lambda claims: jwt.api_jws.encode(
        json.dumps(genuine_claims() | claims, default=lambda at: int(at.timestamp())).encode(),
        SECRET,
        algorithm="HS256",
    )
)


@PARSING
@given(token=st.text() | forged | odd_but_signed)
@example(token=signed(genuine_claims(), secret="not-the-secret-" * 3))
@example(token=signed(genuine_claims(exp=datetime(2000, 1, 1, tzinfo=UTC))))
@example(token=signed(genuine_claims())[:-5])
@example(token=signed(genuine_claims()).rsplit(".", 1)[0] + ".")
@example(token=jwt.encode(genuine_claims(), key=None, algorithm="none"))
@example(token=signed(genuine_claims(sub=12, fam=["x"])))
@example(token=signed(genuine_claims(iss="someone-else")))
@example(token="Bearer " + signed(genuine_claims()))
def test_an_access_token_names_a_sign_in_or_is_unauthenticated(token: str) -> None:
    try:
        resident_id, family_id = auth.access_token_subject(TOKENS, token)
    except Unauthenticated:
        return
    assert isinstance(resident_id, uuid.UUID)
    assert isinstance(family_id, uuid.UUID)


def test_a_genuine_access_token_is_read_back() -> None:
    claims = genuine_claims()
    assert auth.access_token_subject(TOKENS, signed(claims)) == (
        uuid.UUID(claims["sub"]),
        uuid.UUID(claims["fam"]),
    )
