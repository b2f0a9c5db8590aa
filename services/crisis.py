"""Crisis batches: every open request of a neighbourhood against every helper free to be
asked, planned at once (`services.assignment`), shown to a connector, and only sent when
they commit it."""

import uuid
from datetime import datetime, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.assignments import (
    Assignment,
    AssignmentCommitted,
    AssignmentPlan,
    AssignmentPlanPublic,
)
from models.base import Page, utcnow
from models.matches import TAKEN_STATUSES, Match, MatchCreate
from models.neighbourhoods import NeighbourhoodCell
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident
from services import (
    assignment,
    bulk,
    candidates,
    geo,
    helper_records,
    matches,
    matching,
    names,
    neighbourhoods,
)
from services.errors import Conflict, DomainError, NotFound
from services.matching import MatchingWeights
from services.neighbourhoods import AREA_RESOLUTION
from services.posts import FeedKey, paginate
from services.trust import TrustSettings

PLAN_LIFETIME = timedelta(hours=1)


async def open_requests(
    session: AsyncSession, neighbourhood_id: uuid.UUID, now: datetime
) -> list[HelpRequest]:
    area = set(
        (
            await session.exec(
                select(NeighbourhoodCell.cell).where(
                    NeighbourhoodCell.neighbourhood_id == neighbourhood_id
                )
            )
        ).all()
    )
    # A request sits at its owner's privacy level: a fine cell, or a coarse one around it.
    coarse = {geo.at_resolution(cell, AREA_RESOLUTION - 1) for cell in area}
    rows = await session.exec(
        select(HelpRequest)
        .where(HelpRequest.status == RequestStatus.open, col(HelpRequest.expires_at) > now)
        .where(col(HelpRequest.cell).in_(sorted(area | coarse)))
        .order_by(col(HelpRequest.created_at), col(HelpRequest.id))
    )
    return [r for r in rows.all() if geo.at_resolution(r.cell, AREA_RESOLUTION) in area]


async def _places(session: AsyncSession, requests: list[HelpRequest]) -> dict[uuid.UUID, int]:
    taken = dict(
        (
            await session.exec(
                select(Match.request_id, func.count())
                .where(bulk.among(session, col(Match.request_id), [r.id for r in requests]))
                .where(col(Match.status).in_(TAKEN_STATUSES))
                .group_by(col(Match.request_id))
            )
        ).all()
    )
    return {r.id: r.helpers_needed - taken.get(r.id, 0) for r in requests}


async def plan(
    session: AsyncSession,
    connector: Resident,
    neighbourhood_id: uuid.UUID,
    trust: TrustSettings,
    weights: MatchingWeights,
) -> AssignmentPlanPublic:
    """A dry run: nothing is sent until the connector commits it."""
    await neighbourhoods.require_connector(session, connector, neighbourhood_id)
    now = utcnow()
    requests = await open_requests(session, neighbourhood_id, now)
    places = await _places(session, requests) if requests else {}
    edges: list[assignment.Edge] = []
    for request in requests:
        if places[request.id] > 0:
            edges += [
                assignment.Edge(request.id, r.scored.facts.helper_id, r.scored.score)
                for r in await candidates.rank(session, request, trust, weights, now)
            ]
    spare = await helper_records.spare_places(session, {e.helper for e in edges}, now)
    best = assignment.solve(edges, places, spare)
    quick = assignment.greedy(edges, places, spare)
    served = {e.request for e in best}
    pairs: list[dict[str, object]] = [
        {"request_id": str(e.request), "helper_id": str(e.helper),
         "score_permille": round(e.score * 1000)}
        for e in best
    ] + [
        {"request_id": str(r.id), "helper_id": None, "score_permille": 0}
        for r in requests if r.id not in served
    ]  # fmt: skip
    record = AssignmentPlan(
        neighbourhood_id=neighbourhood_id,
        made_by=connector.id,
        pairs=pairs,
        total_permille=round(assignment.total(best) * 1000),
        greedy_total_permille=round(assignment.total(quick) * 1000),
    )
    session.add(record)
    await session.flush()
    return _summary(record, helpers=len(spare), requests=len(requests))


def _summary(record: AssignmentPlan, helpers: int, requests: int) -> AssignmentPlanPublic:
    assigned = sum(1 for p in record.pairs if p["helper_id"])
    return AssignmentPlanPublic(
        id=record.id,
        assigned=assigned,
        unassigned=len({p["request_id"] for p in record.pairs})
        - len({p["request_id"] for p in record.pairs if p["helper_id"]}),
        total_score=record.total_permille / 1000,
        greedy_total_score=record.greedy_total_permille / 1000,
        requests=requests,
        helpers=helpers,
        created_at=record.created_at,
        committed_at=record.committed_at,
        expires_at=record.created_at + PLAN_LIFETIME,
    )


async def _plan_of(
    session: AsyncSession, connector: Resident, neighbourhood_id: uuid.UUID, plan_id: uuid.UUID
) -> AssignmentPlan:
    await neighbourhoods.require_connector(session, connector, neighbourhood_id)
    record = await session.get(AssignmentPlan, plan_id)
    if record is None or record.neighbourhood_id != neighbourhood_id:
        raise NotFound("No such plan.")
    return record


async def read(
    session: AsyncSession, connector: Resident, neighbourhood_id: uuid.UUID, plan_id: uuid.UUID
) -> AssignmentPlanPublic:
    record = await _plan_of(session, connector, neighbourhood_id, plan_id)
    requests = len({p["request_id"] for p in record.pairs})
    helpers = len({p["helper_id"] for p in record.pairs if p["helper_id"]})
    return _summary(record, helpers=helpers, requests=requests)


async def pairs(
    session: AsyncSession,
    connector: Resident,
    neighbourhood_id: uuid.UUID,
    plan_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[Assignment]:
    record = await _plan_of(session, connector, neighbourhood_id, plan_id)
    keyed = [(FeedKey(0, 0.0, f"{n:08d}"), p) for n, p in enumerate(record.pairs)]  # in plan order
    page, next_cursor = paginate(keyed, cursor, limit)
    request_ids = [uuid.UUID(str(p["request_id"])) for p in page]
    helper_ids = [uuid.UUID(str(p["helper_id"])) for p in page if p["helper_id"]]
    titles = dict(
        (await session.exec(select(HelpRequest.id, HelpRequest.title).where(
            col(HelpRequest.id).in_(request_ids)))).all()
    ) if request_ids else {}  # fmt: skip
    known = await names.names(session, helper_ids)
    items = []
    for p in page:
        request_id = uuid.UUID(str(p["request_id"]))
        helper_id = uuid.UUID(str(p["helper_id"])) if p["helper_id"] else None
        items.append(
            Assignment(
                request_id=request_id,
                request_title=titles.get(request_id, ""),
                helper=names.ref(helper_id, known) if helper_id else None,
                score=matching.shown(int(str(p["score_permille"])) / 1000) if helper_id else None,
            )
        )
    return Page[Assignment](items=items, next_cursor=next_cursor)


async def commit(
    session: AsyncSession,
    connector: Resident,
    neighbourhood_id: uuid.UUID,
    plan_id: uuid.UUID,
    trust: TrustSettings,
    weights: MatchingWeights,
) -> AssignmentCommitted:
    """Send the plan's proposals, as the connector's. A pair that no longer fits (the request
    filled meanwhile, the helper now in quiet hours) is skipped, not forced."""
    record = await _plan_of(session, connector, neighbourhood_id, plan_id)
    if record.committed_at is not None:
        raise Conflict("This plan has already been sent.")
    if utcnow() >= record.created_at + PLAN_LIFETIME:
        raise Conflict("This plan is more than an hour old: make a new one.")
    made: list[uuid.UUID] = []
    skipped = 0
    for pair in record.pairs:
        if not pair["helper_id"]:
            continue
        try:
            async with session.begin_nested():
                match = await matches.propose(
                    session,
                    connector,
                    uuid.UUID(str(pair["request_id"])),
                    MatchCreate(helper_id=uuid.UUID(str(pair["helper_id"]))),
                    trust,
                    weights,
                )
            made.append(match.id)
        except DomainError:
            skipped += 1
    record.committed_at = utcnow()
    session.add(record)
    return AssignmentCommitted(proposed=len(made), skipped=skipped, match_ids=made)
