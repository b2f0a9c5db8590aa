"""Delta sync: every change a resident may see since their token, as the thing's current
state or a tombstone, read from the change log (`services.changes`).

A token is bound to what decides the caller's view: who they are, their home cell and the
reach they sync. When any of these differ, or the log has been pruned past the token, the
answer is 410 and the client starts again without a token.
"""

import base64
import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.matches import Match
from models.notifications import Notification
from models.offers import OfferStatus
from models.requests import RequestStatus
from models.residents import Resident
from models.sync import (
    AnyChange,
    SyncChange,
    SyncClock,
    SyncedEvent,
    SyncedMatch,
    SyncedNotification,
    SyncedOffer,
    SyncedRequest,
    SyncedTie,
    SyncKind,
    SyncPage,
)
from services import circles, events, feeds, match_views, notifications, offers, requests, ties
from services.changes import POST_MODELS, cell_audience, resident_audience
from services.errors import Gone, InvalidInput
from services.posts import Reach, decode_base64url

TOKEN_PREFIX = "s1"
# Change numbers are 64-bit in the database: a token past that names no change.
MAX_SEQ = 2**63 - 1
LIVE = {
    SyncKind.offer: col(POST_MODELS[SyncKind.offer].status) == OfferStatus.active,
    SyncKind.request: col(POST_MODELS[SyncKind.request].status) == RequestStatus.open,
}

# The model each kind of change is sent in.
SHAPES: dict[SyncKind, type[AnyChange]] = {
    SyncKind.offer: SyncedOffer,
    SyncKind.request: SyncedRequest,
    SyncKind.match: SyncedMatch,
    SyncKind.event: SyncedEvent,
    SyncKind.notification: SyncedNotification,
    SyncKind.tie: SyncedTie,
}


@dataclass(frozen=True)
class SyncView:
    """What a resident's synced copy depends on besides the things themselves."""

    resident_id: uuid.UUID
    home_cell: str | None
    within_m: int

    def fingerprint(self) -> str:
        basis = f"{self.resident_id}|{self.home_cell}|{self.within_m}".encode()
        return hashlib.sha256(basis).hexdigest()[:16]


def encode_token(seq: int, view: SyncView) -> str:
    raw = f"{TOKEN_PREFIX}.{seq}.{view.fingerprint()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[int, str]:
    try:
        prefix, seq, fingerprint = decode_base64url(token).decode().split(".")
        if prefix != TOKEN_PREFIX:
            raise ValueError(prefix)
        after = int(seq)
        if not 0 <= after <= MAX_SEQ:
            raise ValueError("not a change number")
        return after, fingerprint
    # UnicodeDecodeError and binascii.Error are ValueErrors too.
    except ValueError as exc:
        raise InvalidInput(
            "This is not a sync token. Send one this API gave you, or none to start again.",
            field=("query", "since"),
        ) from exc


async def changes_since(
    session: AsyncSession,
    viewer: Resident,
    decay: ties.Decay,
    *,
    since: str | None,
    within_m: int,
    limit: int,
) -> SyncPage:
    view = SyncView(viewer.id, viewer.home_cell, within_m)
    # Read before the log: every change numbered up to here has committed (see changes.py).
    clock = await session.get(SyncClock, 1)
    latest, horizon = (clock.seq, clock.horizon) if clock else (0, 0)
    after = 0
    if since is not None:
        after, fingerprint = decode_token(since)
        if fingerprint != view.fingerprint():
            raise Gone(
                "Your home or reach changed since this token, so what you may see changed: "
                "sync again without `since`."
            )
        if after < horizon or after > latest:
            raise Gone("This sync token is too old. Sync again without `since`.")
    reach = Reach(viewer.home_cell, within_m) if viewer.home_cell else None
    audiences = [resident_audience(viewer.id)]
    if reach is not None:
        audiences += [cell_audience(cell) for cell in sorted(reach.cells)]
    newest = func.max(SyncChange.seq)
    rows = (
        await session.exec(
            select(SyncChange.kind, SyncChange.entity_id, newest)
            .where(col(SyncChange.audience).in_(audiences), col(SyncChange.seq) > after)
            .group_by(col(SyncChange.kind), col(SyncChange.entity_id))
            .order_by(newest)
            .limit(limit + 1)
        )
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    keys = [(SyncKind(kind), entity_id) for kind, entity_id, _seq in rows]
    current = await _current(session, viewer, reach, decay, keys)
    changes: list[AnyChange] = []
    for kind, entity_id in keys:
        found = current.get((kind, entity_id))
        if found is not None:
            changes.append(found)
        elif since is not None:  # a fresh copy holds nothing to remove
            changes.append(_tombstone(kind, entity_id))
    reached = rows[-1][2] if rows else after
    next_seq = reached if more else max(reached, latest)
    return SyncPage(changes=changes, next_token=encode_token(next_seq, view), more=more)


def _tombstone(kind: SyncKind, entity_id: uuid.UUID) -> AnyChange:
    return SHAPES[kind](id=entity_id, deleted=True)


async def _current(
    session: AsyncSession,
    viewer: Resident,
    reach: Reach | None,
    decay: ties.Decay,
    keys: list[tuple[SyncKind, uuid.UUID]],
) -> dict[tuple[SyncKind, uuid.UUID], AnyChange]:
    """The viewer's view of each of these things that they may see now."""
    ids: dict[SyncKind, list[uuid.UUID]] = defaultdict(list)
    for kind, entity_id in keys:
        ids[kind].append(entity_id)
    found: dict[tuple[SyncKind, uuid.UUID], AnyChange] = {}

    offer_rows = await _posts(session, SyncKind.offer, viewer, reach, ids[SyncKind.offer])
    for offer, owner in offer_rows:
        data = offers.public(offer, owner, viewer)
        found[SyncKind.offer, offer.id] = SyncedOffer(id=offer.id, deleted=False, data=data)
    request_rows = await _posts(session, SyncKind.request, viewer, reach, ids[SyncKind.request])
    for request, owner in request_rows:
        shown = requests.public(request, owner, viewer)
        found[SyncKind.request, request.id] = SyncedRequest(
            id=request.id, deleted=False, data=shown
        )
    if ids[SyncKind.match]:
        mine = await session.exec(
            select(Match)
            .where(col(Match.id).in_(ids[SyncKind.match]))
            .where(or_(col(Match.requester_id) == viewer.id, col(Match.helper_id) == viewer.id))
        )
        for match in mine.all():
            seen = await match_views.view(session, viewer, match)
            found[SyncKind.match, match.id] = SyncedMatch(id=match.id, deleted=False, data=seen)
    for event in await events.shown_among(session, viewer, reach, ids[SyncKind.event]):
        found[SyncKind.event, event.id] = SyncedEvent(id=event.id, deleted=False, data=event)
    if ids[SyncKind.notification]:
        inbox = await session.exec(
            select(Notification)
            .where(col(Notification.id).in_(ids[SyncKind.notification]))
            .where(Notification.resident_id == viewer.id)
        )
        for item in inbox.all():
            found[SyncKind.notification, item.id] = SyncedNotification(
                id=item.id, deleted=False, data=notifications.public(item)
            )
    for member in await circles.members_among(session, viewer, decay, ids[SyncKind.tie]):
        found[SyncKind.tie, member.id] = SyncedTie(id=member.id, deleted=False, data=member)
    return found


async def _posts(
    session: AsyncSession,
    kind: SyncKind,
    viewer: Resident,
    reach: Reach | None,
    ids: list[uuid.UUID],
) -> list[tuple[Any, Resident]]:
    """The viewer's own posts in every state, and others' that their nearby feed shows."""
    model = POST_MODELS[kind]
    rows = await feeds.owned_among(session, model, viewer, ids)
    if reach is not None:
        rows += await feeds.shown_among(session, model, viewer, reach, LIVE[kind], ids)
    return rows
