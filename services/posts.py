"""What offers and requests share: placing a post, reach, the feed order and its cursor."""

import base64
import json
import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from models.base import utcnow
from models.posts import DistanceView, OwnerView
from models.residents import HomeLocation, Resident
from services import geo
from services.errors import Conflict, InvalidInput

T = TypeVar("T")
# Cursors given out are a third of this; a longer one is refused before it is read.
MAX_CURSOR_LENGTH = 300
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
DEFAULT_LIFETIME = timedelta(days=60)
MAX_LIFETIME = timedelta(days=180)
POST_RESOLUTIONS = (7, 8)  # a post sits at its owner's privacy level: either of these


def place(owner: Resident, location: HomeLocation | None) -> str:
    """The cell a post sits in: the owner's home cell, or the given point's cell at the
    owner's privacy level (the point itself is dropped)."""
    if location is not None:
        return geo.cell_of(location.lat, location.lon, owner.cell_resolution)
    if owner.home_cell is None:
        raise InvalidInput(
            "Give a `location`, or set your home with PATCH /v1/me first.", field=("location",)
        )
    return owner.home_cell


def expiry(requested: datetime | None, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    if requested is None:
        return now + DEFAULT_LIFETIME
    if requested.tzinfo is None:
        raise InvalidInput("expires_at needs a time zone offset.", field=("expires_at",))
    if not now < requested <= now + MAX_LIFETIME:
        raise InvalidInput(
            "expires_at must be in the future and at most 180 days ahead.", field=("expires_at",)
        )
    return requested


def viewer_cell(viewer: Resident) -> str:
    if viewer.home_cell is None:
        raise Conflict("Set your home with PATCH /v1/me to see what is near you.")
    return viewer.home_cell


def distance_view(viewer: Resident, post_cell: str) -> DistanceView:
    if viewer.home_cell is None:
        return DistanceView(bucket_km=0, label="unknown")
    bucket, label = geo.distance_bucket(geo.centre_distance_m(viewer.home_cell, post_cell))
    return DistanceView(bucket_km=bucket, label=label)


def owner_view(owner: Resident) -> OwnerView:
    return OwnerView(id=owner.id, display_name=owner.display_name)


@dataclass(frozen=True, order=True)
class FeedKey:
    """Feed order: nearest distance bucket first, then newest. Never exact distance."""

    bucket_km: int
    newest_first: float  # minus the creation timestamp
    id_desc: str  # ties broken by id, so the order is total and cursors never skip

    @classmethod
    def of(cls, bucket_km: int, created_at: datetime, post_id: uuid.UUID) -> "FeedKey":
        # Complementing the id's hex inverts its order, matching newest-first.
        inverted = f"{(1 << 128) - 1 - post_id.int:032x}"
        return cls(bucket_km, -created_at.timestamp(), inverted)


def encode_cursor(key: FeedKey) -> str:
    raw = json.dumps([key.bucket_km, key.newest_first, key.id_desc]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_base64url(text: str) -> bytes:
    """Unpadded URL-safe base64, as the cursors and tokens here are written; strict, unlike
    `base64.urlsafe_b64decode`, which skips any character outside the alphabet (a NUL, say).
    ValueError (binascii.Error is one) for anything else."""
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not unpadded URL-safe base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_cursor(cursor: str) -> FeedKey:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("longer than any cursor given out")
        bucket, newest, id_desc = json.loads(decode_base64url(cursor))
        key = FeedKey(int(bucket), float(newest), str(id_desc))
        if not math.isfinite(key.newest_first):
            raise ValueError("not a finite number")
        return key
    # OverflowError: int(Infinity), which JSON as Python reads it allows.
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput(
            "This cursor is not one Kith gave out.", field=("query", "cursor")
        ) from exc


def paginate(
    keyed: Iterable[tuple[FeedKey, T]], cursor: str | None, limit: int
) -> tuple[list[T], str | None]:
    """One page of a list ordered by key, resuming after the key the cursor holds. Lists of
    one person's things (blocks, vouches, ties) are small enough to order in memory."""
    ordered = sorted(keyed, key=lambda entry: entry[0])
    if cursor is not None:
        after = decode_cursor(cursor)
        ordered = [entry for entry in ordered if entry[0] > after]
    page = ordered[:limit]
    next_cursor = encode_cursor(page[-1][0]) if len(ordered) > limit else None
    return [item for _, item in page], next_cursor


def encode_time_cursor(at: datetime, row_id: uuid.UUID) -> str:
    """A keyset cursor for lists ordered by (time, id), resumed in SQL."""
    return encode_cursor(FeedKey(0, 0.0, f"{at.isoformat()}|{row_id}"))


def decode_time_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        at, row_id = decode_cursor(cursor).id_desc.split("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("no time zone: not comparable with a stored time")
        return moment.astimezone(UTC), uuid.UUID(row_id)
    # OverflowError: a time at the very edge of the calendar, moved to UTC.
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            "This cursor is not one Kith gave out.", field=("query", "cursor")
        ) from exc


class Reach:
    """Which cells a viewer's feed looks at, and whether a post there reaches them.

    A post is in reach when the viewer's cell lies within the post's radius and the post
    within the viewer's `within_m`: both measured cell centre to cell centre.
    """

    def __init__(self, viewer: str, within_m: int) -> None:
        self.viewer = viewer
        self.within_m = within_m
        self.cells = geo.cells_near_cell(viewer, within_m, POST_RESOLUTIONS)
        self._distances: dict[str, float] = {}

    def distance_m(self, cell: str) -> float:
        if cell not in self._distances:
            self._distances[cell] = geo.centre_distance_m(self.viewer, cell)
        return self._distances[cell]

    def reaches(self, cell: str, radius_m: int) -> bool:
        return self.distance_m(cell) <= min(radius_m, self.within_m)

    def bucket(self, cell: str) -> int:
        return geo.distance_bucket(self.distance_m(cell))[0]


@dataclass(frozen=True)
class VersionMatch:
    """What an `If-Match` header accepts: any current version (`*`), or these versions."""

    versions: frozenset[int] = frozenset()
    any_version: bool = False

    def accepts(self, version: int) -> bool:
        return self.any_version or version in self.versions
