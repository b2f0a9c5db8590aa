"""The per-replica read model: on a fixed fixture (the synthetic city, then varied with
blocks, vouches, checks, matches, narrower audiences, suspensions, caps and quiet hours),
every ranking from the model equals the database's, to the last float; the offers its cell
index finds equal a scan of every offer; and what it learns from the row-change stream
equals a load from scratch."""

import random
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlmodel import col, select

from api.db import Database
from api.migrate import upgrade
from models.base import utcnow
from models.matches import Match, MatchOrigin, MatchStatus
from models.offers import Offer, OfferStatus
from models.posts import Visibility
from models.requests import Eligibility, HelpRequest, RequestStatus
from models.residents import Resident, ResidentStatus
from models.row_changes import RowChange
from models.ties import Tie
from models.trust import Block
from models.verifications import Verification, VerificationKind
from models.vouches import Vouch
from services import candidates, city, demo
from services.city_layout import PER_NEIGHBOURHOOD
from services.matching import MatchingWeights
from services.passwords import PasswordHasher
from services.posts import Reach
from services.read_model import ReadModel
from services.read_model_reads import ModelReads
from services.read_model_sync import RETENTION, ReadModelFeed, prune
from services.sql_reads import SqlRankReads
from services.trust import TrustSettings
from tests.databases import backend, fresh_database

SETTINGS, WEIGHTS = TrustSettings(), MatchingWeights()


@pytest.fixture(scope="module")
async def database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with fresh_database(tmp_path_factory.mktemp("read-model")) as url:
        await upgrade(url)
        database = Database.connect(url)
        await city.seed(
            database.transaction, PasswordHasher(1, 1024), demo.RESIDENTS + PER_NEIGHBOURHOOD
        )
        try:
            yield database
        finally:
            await database.dispose()


async def _open_requests(database: Database) -> list[HelpRequest]:
    async with database.transaction(writes=False) as session:
        found = await session.exec(
            select(HelpRequest)
            .where(HelpRequest.status == RequestStatus.open)
            .order_by(col(HelpRequest.id))
        )
        return list(found.all())


async def _assert_rankings_agree(database: Database, model: ReadModel) -> int:
    """Every open request ranked from the database and from the model; returns how many
    candidates were compared."""
    requests, compared = await _open_requests(database), 0
    now = utcnow()
    async with database.transaction(writes=False) as session:
        every_offer = (await session.exec(select(Offer))).all()
        for request in requests:
            from_database = await candidates.rank(session, request, SETTINGS, WEIGHTS, now)
            from_model = await candidates.rank(
                session, request, SETTINGS, WEIGHTS, now, reads=ModelReads(model)
            )
            assert from_model == from_database, f"request {request.id}"
            compared += len(from_database)

            reach = Reach(request.cell, request.radius_m)
            brute_force = {
                offer.id
                for offer in every_offer
                if offer.status == OfferStatus.active
                and offer.category == request.category
                and offer.expires_at > now
                and offer.owner_id != request.owner_id
                and reach.reaches(offer.cell, offer.radius_m)
            }
            for reads in (SqlRankReads(session), ModelReads(model)):
                found = await reads.offers_in_reach(request, reach.cells, now)
                indexed = {row.id for row in found if reach.reaches(row.cell, row.radius_m)}
                assert indexed == brute_force, f"{type(reads).__name__}, request {request.id}"
    return compared


def _contents(model: ReadModel) -> dict[str, Any]:
    """What the model holds, order within each key aside."""
    return {
        name: {
            # Rows under a key (a plain tuple, or a set) in any order; one row (a NamedTuple) as is.
            key: sorted(value, key=repr) if type(value) in (tuple, set, frozenset) else value
            for key, value in held.items()
        }
        for name, held in vars(model).items()
    }


async def _vary(database: Database, rng: random.Random) -> None:
    """Edits of every kind the model holds, committed as the API would commit them, aimed at
    the people rankings see: each request's candidates, their ties and vouchers."""
    now = utcnow()
    requests = await _open_requests(database)
    async with database.transaction() as session:
        # Who rankings see now, to aim the edits at them.
        seen: list[tuple[HelpRequest, list[uuid.UUID]]] = []
        for request in rng.sample(requests, min(60, len(requests))):
            ranked = await candidates.rank(session, request, SETTINGS, WEIGHTS, now)
            seen.append((request, [r.scored.facts.helper_id for r in ranked]))
        residents = list((await session.exec(select(Resident.id).order_by(col(Resident.id)))).all())
        offers = list((await session.exec(select(Offer.id).order_by(col(Offer.id)))).all())
        ids = rng.sample(offers, len(offers) // 3)
        third = len(ids) // 3
        await _set(session, Offer, ids[:third], visibility=Visibility.circle)
        await _set(session, Offer, ids[third : 2 * third], visibility=Visibility.circle_of_circle)
        await _set(session, Offer, ids[2 * third : 2 * third + 5], status=OfferStatus.paused)
        await _set(session, Offer, ids[-5:], expires_at=now - timedelta(hours=1))
        await session.exec(delete(Offer).where(col(Offer.id).in_(ids[-10:-5])))
        asked = rng.sample(requests, len(requests) // 2)
        quarter = len(asked) // 4
        await _set(session, HelpRequest, [r.id for r in asked[:quarter]], visibility="circle")
        await _set(
            session,
            HelpRequest,
            [r.id for r in asked[quarter : 2 * quarter]],
            visibility=Visibility.circle_of_circle,
        )
        await _set(
            session,
            HelpRequest,
            [r.id for r in asked[2 * quarter : 3 * quarter]],
            eligibility=Eligibility.vetted,
        )
        await _set(session, HelpRequest, [r.id for r in asked[3 * quarter :]], eligibility="circle")
        helpers = sorted({h for _, found in seen for h in found})
        await _set(session, Resident, rng.sample(helpers, 8), status=ResidentStatus.suspended)
        await _set(session, Resident, rng.sample(helpers, 8), weekly_help_cap=0)
        await _set(
            session, Resident, rng.sample(helpers, 8), quiet_from="00:00", quiet_until="23:59"
        )

        # Unique pairs: a block, a live vouch, a match of a helper for a request.
        taken: set[tuple[str, uuid.UUID, uuid.UUID]] = {
            ("match", request, helper)
            for request, helper in (
                await session.exec(select(Match.request_id, Match.helper_id))
            ).all()
        }

        def first_time(*key: Any) -> bool:
            fresh = key not in taken
            taken.add(key)
            return fresh

        for number, (request, found) in enumerate(s for s in seen if s[1]):
            helper, other = found[0], rng.choice(residents)
            pair = (request.owner_id, helper) if number % 8 == 0 else (helper, other)
            # A block, either way, with the requester or through a tie.
            if number % 4 == 0 and pair[0] != pair[1] and first_time("block", *pair):
                session.add(Block(blocker_id=pair[0], blocked_id=pair[1]))
            voucher = rng.choice(residents)
            if voucher != helper and first_time("vouch", voucher, helper):
                session.add(
                    Vouch(
                        voucher_id=voucher,
                        vouchee_id=helper,
                        by_connector=number % 3 == 0,
                        revoked_at=now if number % 5 == 0 else None,
                    )
                )
            issued = date.today() + timedelta(days=(-30, 30)[number % 2])
            expires = (None, date.today() - timedelta(days=1), date.today() + timedelta(days=90))
            session.add(
                Verification(
                    resident_id=helper,
                    kind=(VerificationKind.dbs_basic, VerificationKind.dbs_enhanced_barred_adults)[
                        number % 2
                    ],
                    issued_on=issued,
                    expires_on=expires[number % 3],
                )
            )
            for back, status in ((2, MatchStatus.accepted), (100, MatchStatus.completed)):
                asked_for = request if back == 2 and number % 2 else rng.choice(requests)
                if asked_for.owner_id == helper or not first_time("match", asked_for.id, helper):
                    continue
                at = now - timedelta(days=back)
                session.add(
                    Match(
                        request_id=asked_for.id,
                        requester_id=asked_for.owner_id,
                        helper_id=helper,
                        origin=(MatchOrigin.requester, MatchOrigin.helper)[number % 2],
                        status=status,
                        accepted_at=at,
                        closed_at=at + timedelta(days=1)
                        if status == MatchStatus.completed
                        else None,
                        created_at=at,
                    )
                )
            if number % 5 == 0:  # a tie withdrawn
                await session.exec(
                    delete(Tie)
                    .where(col(Tie.resident_id) == request.owner_id)
                    .where(col(Tie.other_id) == helper)
                )
            await session.flush()  # one request's rows at a time: no duplicate keys pile up


async def _set(session: Any, model: Any, ids: list[uuid.UUID], **values: Any) -> None:
    await session.exec(update(model).where(col(model.id).in_(ids)).values(**values))


async def test_rankings_from_the_model_equal_the_database_before_and_after_changes(
    database: Database,
) -> None:
    feed = ReadModelFeed(database.engine)
    await feed.load()
    assert feed.model is not None
    assert await _assert_rankings_agree(database, feed.model) > 100

    await _vary(database, random.Random(7))
    model = await feed.fresh(max_staleness_s=0)
    assert model is not None
    compared = await _assert_rankings_agree(database, model)

    from_scratch = ReadModelFeed(database.engine)
    await from_scratch.load()
    assert from_scratch.model is not None
    assert _contents(model) == _contents(from_scratch.model)
    assert compared > 50  # the varied city still has candidates to compare


async def test_a_fresh_enough_model_answers_without_reading_the_stream(
    database: Database,
) -> None:
    feed = ReadModelFeed(database.engine)
    await feed.load()
    async with database.transaction() as session:
        offer = (
            await session.exec(select(Offer).where(Offer.status == OfferStatus.active))
        ).first()
        assert offer is not None
        await _set(session, Offer, [offer.id], status=OfferStatus.closed)

    stale = await feed.fresh(max_staleness_s=60)
    assert stale is not None
    assert offer.id in stale.offers  # within the staleness allowed
    caught_up = await feed.fresh(max_staleness_s=0)
    assert caught_up is not None
    assert offer.id not in caught_up.offers


@pytest.mark.skipif(backend() != "postgres", reason="SQLite has one writer at a time")
async def test_a_transaction_that_commits_late_is_not_skipped(database: Database) -> None:
    """A writer that began first but commits last has the lower txid and seq: the cursor
    must not have moved past it when it becomes visible."""
    feed = ReadModelFeed(database.engine)
    await feed.load()
    async with database.transaction(writes=False) as session:
        first, second = (
            await session.exec(select(Offer.id).where(Offer.status == OfferStatus.active).limit(2))
        ).all()
    async with database.engine.connect() as slow:
        await slow.execute(update(Offer).where(col(Offer.id) == first).values(status="paused"))
        async with database.transaction() as session:
            await _set(session, Offer, [second], status=OfferStatus.paused)
        model = await feed.fresh(max_staleness_s=0)
        assert model is not None
        # Neither yet: the quick one waits until every older writer has finished.
        assert {first, second} <= model.offers.keys()
        await slow.commit()

    model = await feed.fresh(max_staleness_s=0)
    assert model is not None
    assert not {first, second} & model.offers.keys()


async def test_the_stream_forgets_changes_older_than_its_retention(database: Database) -> None:
    async with database.transaction() as session:
        count = select(RowChange.seq).limit(1)
        assert (await session.exec(count)).first() is not None
        removed_now = await prune(session, utcnow())
        removed_later = await prune(session, utcnow() + RETENTION + timedelta(minutes=1))
        left = (await session.exec(count)).first()
        await session.rollback()
    assert removed_now == 0
    assert removed_later > 0
    assert left is None
