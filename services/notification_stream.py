"""Following one resident's notifications as they are stored, for the live stream: where a
stream stands, what it sends next, and the resume cursor (`Last-Event-ID`) of each event.

Notifications are ordered by `created_at`, stamped when they are inserted, but a transaction
may commit after a later one: an older notification can appear after a newer one was sent.
So a stream does not resume at the newest time it sent. It re-reads an overlap window before
that time and skips what it already sent (or passed over at the start) by id. Whatever
commits within `OVERLAP` of being stamped (every transaction here, by far) is sent once.

A cursor carries the same state: the newest time sent, and the ids (8 bytes each) with their
times of what is within the window before it, so a phone that reconnects gets what it
missed, and nothing twice.
"""

import base64
import binascii
import struct
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.notifications import Notification, NotificationPublic
from services.errors import InvalidInput
from services.notifications import public
from services.posts import decode_base64url

# Longer than any transaction that stores notifications stays open, plus clock skew between
# servers: a notification committed later than this after its time stamp may be missed.
OVERLAP = timedelta(minutes=5)
# A stream catching up (after a reconnect) sends at most this many, and none older than
# MAX_AGE: the inbox keeps the rest.
BACKLOG = 100
MAX_AGE = timedelta(hours=24)
# Ids a cursor remembers (the newest ones); past that a resumed stream may repeat one.
REMEMBERED = 24

_VERSION = 1
_HEAD = struct.Struct(">Bq")  # version, newest time sent in microseconds since the epoch
_ENTRY = struct.Struct(">8sI")  # id tail, how many milliseconds before the newest time
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _key(notification_id: uuid.UUID) -> bytes:
    # The random half of a uuid4: unique among a resident's notifications of a few minutes.
    return notification_id.bytes[8:]


@dataclass
class Position:
    """Where a stream stands: `newest` is the latest time stamp sent (or the time the stream
    started), `seen` what was sent or passed over within OVERLAP before it."""

    newest: datetime
    seen: dict[bytes, datetime] = field(default_factory=dict)

    def note(self, notification: Notification) -> None:
        """Sent (or passed over): move past it, and forget what left the window."""
        self.seen[_key(notification.id)] = notification.created_at
        self.newest = max(self.newest, notification.created_at)
        floor = self.newest - OVERLAP
        self.seen = {key: at for key, at in self.seen.items() if at > floor}

    def cursor(self) -> str:
        newest = sorted(self.seen.items(), key=lambda item: item[1], reverse=True)[:REMEMBERED]
        packed = _HEAD.pack(_VERSION, _micros(self.newest)) + b"".join(
            _ENTRY.pack(key, (self.newest - at) // timedelta(milliseconds=1)) for key, at in newest
        )
        return base64.urlsafe_b64encode(packed).decode().rstrip("=")

    @classmethod
    def from_cursor(cls, cursor: str) -> "Position":
        try:
            packed = decode_base64url(cursor)
            version, micros = _HEAD.unpack_from(packed)
            body = packed[_HEAD.size :]
            if version != _VERSION or len(body) % _ENTRY.size or len(body) > 64 * _ENTRY.size:
                raise ValueError("not a stream cursor")
            # Every cursor given out is after the epoch; one far before it would overflow
            # when the stream reads the window before it.
            if micros < 0:
                raise ValueError("before any cursor given out")
            newest = _EPOCH + timedelta(microseconds=micros)
            seen = {
                key: newest - timedelta(milliseconds=before)
                for key, before in _ENTRY.iter_unpack(body)
            }
        except (ValueError, binascii.Error, struct.error, OverflowError) as exc:
            raise InvalidInput(
                "This Last-Event-ID is not one Kith gave out.", field=("header", "Last-Event-ID")
            ) from exc
        return cls(newest=newest, seen=seen)


async def start(session: AsyncSession, resident_id: uuid.UUID, now: datetime) -> Position:
    """A stream from now on: what is stored already is the inbox's to show, not the stream's
    (including what came within the overlap window just before)."""
    rows = (
        await session.exec(
            select(Notification.id, Notification.created_at)
            .where(Notification.resident_id == resident_id)
            .where(col(Notification.created_at) > now - OVERLAP)
        )
    ).all()
    # A server whose clock runs ahead may have stamped one later than our now.
    newest = max([now, *(at for _, at in rows)])
    return Position(newest=newest, seen={_key(row_id): at for row_id, at in rows})


async def catch_up(
    session: AsyncSession, resident_id: uuid.UUID, position: Position, now: datetime
) -> list[tuple[NotificationPublic, str]]:
    """What the stream has not sent yet, oldest first, each with the cursor to resume after
    it; `position` moves past them. At most BACKLOG (the newest), none older than MAX_AGE."""
    floor = max(position.newest - OVERLAP, now - MAX_AGE)
    rows = (
        await session.exec(
            select(Notification)
            .where(Notification.resident_id == resident_id)
            .where(col(Notification.created_at) > floor)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(BACKLOG + len(position.seen))
        )
    ).all()
    fresh = [row for row in rows if _key(row.id) not in position.seen][:BACKLOG]
    sent = []
    for notification in reversed(fresh):
        position.note(notification)
        sent.append((public(notification), position.cursor()))
    return sent
