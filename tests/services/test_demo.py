"""The demo seed: a town with events whose past occurrences formed `met` ties."""

from datetime import timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.events import CheckIn, Event, KeepInTouch
from models.matches import Match, ReasonKind
from models.moderation import QueueItemKind
from models.neighbourhoods import NeighbourhoodConnector
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident
from models.ties import Tie, TieKind
from services import candidates, demo, health, moderation_queue
from services.matching import MatchingWeights
from services.passwords import PasswordHasher
from services.trust import TrustSettings


async def test_the_demo_has_events_with_past_meetings(session: AsyncSession) -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost_kib=1024)

    first = await demo.seed(session, hasher)
    second = await demo.seed(session, hasher)

    async def count(model: object, *where: object) -> int:
        return (await session.exec(select(func.count()).select_from(model).where(*where))).one()  # type: ignore[arg-type]

    assert first.created is True
    assert second.created is False  # idempotent
    assert await count(Event) == 3
    assert await count(CheckIn) > 0
    assert await count(KeepInTouch) > 0
    contexts = (await session.exec(select(Tie.context).where(col(Tie.kind) == TieKind.met))).all()
    titles = ("Tuesday community supper", "Litter pick and a cuppa", "Repair café")
    assert contexts
    assert all(context and context.startswith(titles) for context in contexts)


async def test_the_sample_accounts_request_has_candidates_with_reasons(
    session: AsyncSession,
) -> None:
    await demo.seed(session, PasswordHasher(time_cost=1, memory_cost_kib=1024))
    sample = (
        await session.exec(select(Resident).where(Resident.email == demo._resident_email(1)))
    ).one()
    request = (
        await session.exec(
            select(HelpRequest).where(
                HelpRequest.owner_id == sample.id, HelpRequest.status == RequestStatus.open
            )
        )
    ).one()

    ranked = await candidates.rank(session, request, TrustSettings(), MatchingWeights(), utcnow())
    kinds = {reason.kind for r in ranked for reason in r.scored.reasons}
    helped = (await session.exec(select(func.count()).select_from(Match))).one()

    assert ranked
    assert {ReasonKind.tie, ReasonKind.proximity} <= kinds
    assert helped >= 20


async def test_the_demo_connector_has_a_queue_and_a_health_page(session: AsyncSession) -> None:
    summary = await demo.seed(session, PasswordHasher(time_cost=1, memory_cost_kib=1024))
    connector = (
        await session.exec(select(Resident).where(Resident.email == summary.connector_email))
    ).one()
    area = (
        await session.exec(
            select(NeighbourhoodConnector.neighbourhood_id).where(
                NeighbourhoodConnector.resident_id == connector.id
            )
        )
    ).one()

    queued = await moderation_queue.queue(session, connector, None, 100, timedelta(hours=2))
    page = await health.health(session, connector, area)
    willing = await health.outreach(session, connector, area, None, 100)

    # Everything a connector meets on an ordinary day; the demo is not in crisis mode.
    in_crisis_only = {QueueItemKind.crisis_assignment, QueueItemKind.welfare_call}
    assert {item.kind for item in queued.items} == set(QueueItemKind) - in_crisis_only
    assert isinstance(page.residents, int)
    assert page.residents > 100
    assert isinstance(page.event_attendance, int)
    assert len(willing.items) >= 5
