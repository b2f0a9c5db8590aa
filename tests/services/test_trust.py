"""Trust between residents: direct ties, the best two-hop path, endorsements, and blocks."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident
from models.ties import TieKind
from models.trust import Block
from models.verifications import Verification, VerificationKind
from models.vouches import Vouch
from services import ties
from services.trust import TrustSettings, trust_between
from tests.factories import resident_row

AT = datetime(2026, 6, 1, tzinfo=UTC)
SETTINGS = TrustSettings()


async def _people(session: AsyncSession, *names: str) -> list[Resident]:
    return [await resident_row(session, name) for name in names]


async def test_a_direct_tie_gives_its_strength_and_says_how(session: AsyncSession) -> None:
    viewer, sam = await _people(session, "Viewer", "Sam")
    await ties.record_tie(session, viewer.id, sam.id, TieKind.connected, at=AT)
    await ties.record_tie(session, viewer.id, sam.id, TieKind.met, at=AT, context="the Elm supper")

    trust = (await trust_between(session, viewer.id, [sam.id], SETTINGS, AT))[sam.id]

    assert trust.direct == pytest.approx(1 - 0.4 * 0.7)
    assert trust.score == pytest.approx(trust.direct, abs=1e-6)
    assert trust.reasons == ["you are connected", "you both went to the Elm supper"]


async def test_two_hops_take_the_best_path_damped_and_name_the_neighbour(
    session: AsyncSession,
) -> None:
    viewer, weak, strong, target = await _people(session, "Viewer", "Wes", "Sam", "Tara")
    await ties.record_tie(session, viewer.id, weak.id, TieKind.met, at=AT)
    await ties.record_tie(session, weak.id, target.id, TieKind.met, at=AT)
    await ties.record_tie(session, viewer.id, strong.id, TieKind.connected, at=AT)
    await ties.record_tie(session, strong.id, target.id, TieKind.connected, at=AT)

    trust = (await trust_between(session, viewer.id, [target.id], SETTINGS, AT))[target.id]

    assert trust.direct == 0
    assert trust.via == pytest.approx(0.5 * 0.6 * 0.6)
    assert trust.via_name == "Sam"
    assert trust.reasons == ["you both know Sam"]


async def test_a_direct_tie_outranks_a_path_and_strangers_score_zero(
    session: AsyncSession,
) -> None:
    viewer, friend, stranger = await _people(session, "Viewer", "Fran", "Stan")
    await ties.record_tie(session, viewer.id, friend.id, TieKind.met, at=AT)

    scores = await trust_between(session, viewer.id, [friend.id, stranger.id], SETTINGS, AT)

    assert scores[friend.id].score == pytest.approx(0.3)
    assert scores[stranger.id].score == 0
    assert scores[stranger.id].reasons == []


async def test_blocks_hide_the_pair_and_a_blocked_mutual_carries_nothing(
    session: AsyncSession,
) -> None:
    viewer, mutual, target, blocked = await _people(session, "Viewer", "Mo", "Tara", "Bea")
    for a, b in ((viewer, mutual), (mutual, target), (viewer, blocked)):
        await ties.record_tie(session, a.id, b.id, TieKind.connected, at=AT)
    session.add(Block(blocker_id=blocked.id, blocked_id=viewer.id))
    session.add(Block(blocker_id=target.id, blocked_id=mutual.id))
    await session.flush()

    scores = await trust_between(session, viewer.id, [target.id, blocked.id], SETTINGS, AT)

    assert blocked.id not in scores  # blocked either way: not a candidate at all
    assert scores[target.id].via == 0  # the only path runs through someone Tara blocked
    assert scores[target.id].reasons == []


async def test_vouches_and_checks_raise_trust_a_connectors_vouch_most(
    session: AsyncSession,
) -> None:
    viewer, by_neighbour, by_connector, checked, voucher = await _people(
        session, "Viewer", "Nell", "Cora", "Chet", "Vic"
    )
    session.add(Vouch(voucher_id=voucher.id, vouchee_id=by_neighbour.id))
    session.add(Vouch(voucher_id=voucher.id, vouchee_id=by_connector.id, by_connector=True))
    session.add(
        Verification(
            resident_id=checked.id, kind=VerificationKind.id_checked, issued_on=date(2026, 1, 1)
        )
    )
    session.add(  # lapsed: stops counting
        Verification(
            resident_id=checked.id,
            kind=VerificationKind.dbs_basic,
            issued_on=date(2025, 1, 1),
            expires_on=date(2026, 1, 1),
        )
    )
    await session.flush()

    scores = await trust_between(
        session, viewer.id, [by_neighbour.id, by_connector.id, checked.id], SETTINGS, AT
    )

    assert scores[by_neighbour.id].reasons == ["vouched for by 1 neighbour"]
    assert scores[by_connector.id].reasons == ["vouched for by a connector"]
    assert scores[checked.id].reasons == ["ID checked by a connector"]
    assert scores[by_connector.id].score > scores[by_neighbour.id].score > 0
    assert scores[checked.id].score == pytest.approx(0.1)


async def test_endorsements_alone_stay_below_a_fresh_connection(session: AsyncSession) -> None:
    viewer, endorsed, friend = await _people(session, "Viewer", "Edie", "Fran")
    vouchers = await _people(session, *[f"V{i}" for i in range(8)])
    for index, voucher in enumerate(vouchers):
        session.add(Vouch(voucher_id=voucher.id, vouchee_id=endorsed.id, by_connector=index < 4))
    for kind in VerificationKind:
        session.add(Verification(resident_id=endorsed.id, kind=kind, issued_on=date(2026, 1, 1)))
    await session.flush()
    await ties.record_tie(session, viewer.id, friend.id, TieKind.connected, at=AT)

    scores = await trust_between(session, viewer.id, [endorsed.id, friend.id], SETTINGS, AT)

    assert scores[endorsed.id].score < scores[friend.id].score


async def test_the_same_data_and_day_give_the_same_answer(session: AsyncSession) -> None:
    people = await _people(session, *[f"P{i}" for i in range(12)])
    viewer, others = people[0], people[1:]
    for index, person in enumerate(others):
        await ties.record_tie(session, people[index].id, person.id, TieKind.met, at=AT)

    first = await trust_between(session, viewer.id, [p.id for p in others], SETTINGS, AT)
    second = await trust_between(session, viewer.id, [p.id for p in reversed(others)], SETTINGS, AT)
    later = await trust_between(
        session, viewer.id, [p.id for p in others], SETTINGS, AT + timedelta(days=90)
    )

    assert first == second
    assert later[others[0].id].score < first[others[0].id].score  # time weakens it
