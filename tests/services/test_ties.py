"""Tie strength: deterministic, combining kinds, fading with a half-life, standing ties held."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.ties import Tie, TieKind
from services import ties
from tests.factories import resident_row

T0 = datetime(2026, 3, 1, tzinfo=UTC)
DECAY = ties.Decay(half_life_days=180)


def test_evidence_halves_every_half_life() -> None:
    fresh = DECAY.strength(TieKind.met, 1, T0, T0)
    assert fresh == pytest.approx(0.3)
    assert DECAY.strength(TieKind.met, 1, T0, T0 + timedelta(days=180)) == pytest.approx(0.15)
    assert DECAY.strength(TieKind.met, 1, T0, T0 + timedelta(days=360)) == pytest.approx(0.075)


def test_the_half_life_is_a_setting() -> None:
    quick = ties.Decay(half_life_days=30)
    assert quick.strength(TieKind.helped, 1, T0, T0 + timedelta(days=30)) == pytest.approx(0.25)


def test_a_standing_tie_keeps_half_its_weight_while_it_stands() -> None:
    years_later = T0 + timedelta(days=3650)
    assert DECAY.strength(TieKind.connected, 1, T0, years_later) == pytest.approx(0.3, abs=1e-4)
    assert DECAY.strength(TieKind.met, 1, T0, years_later) < 0.001


def test_repeated_evidence_compounds_and_kinds_combine() -> None:
    once = DECAY.strength(TieKind.met, 1, T0, T0)
    thrice = DECAY.strength(TieKind.met, 3, T0, T0)
    assert thrice == pytest.approx(1 - 0.7**3)
    both = ties.combined([DECAY.strength(TieKind.connected, 1, T0, T0), once])
    assert both == pytest.approx(1 - 0.4 * 0.7)
    assert 0 <= both <= 1


async def _rows(session: AsyncSession) -> list[Tie]:
    return list((await session.exec(select(Tie).order_by(col(Tie.resident_id)))).all())


async def test_recording_writes_both_sides_and_counts_each_occasion(session: AsyncSession) -> None:
    a, b = await resident_row(session, "A"), await resident_row(session, "B")
    await ties.record_tie(session, a.id, b.id, TieKind.met, at=T0, context="the Elm St supper")
    later = T0 + timedelta(days=40)
    await ties.record_tie(session, b.id, a.id, TieKind.met, at=later)
    earlier = T0 - timedelta(days=10)  # evidence may arrive out of order
    await ties.record_tie(session, a.id, b.id, TieKind.met, at=earlier)

    rows = await _rows(session)
    assert {(r.resident_id, r.other_id) for r in rows} == {(a.id, b.id), (b.id, a.id)}
    for row in rows:
        assert (row.times, row.since, row.last_at) == (3, earlier, later)
        assert row.context == "the Elm St supper"
    summary = await ties.between(session, a.id, b.id, DECAY, later)
    assert summary is not None
    assert summary.kinds == [TieKind.met]
    assert summary.strength == pytest.approx(1 - 0.7**3)


async def test_withdrawing_removes_one_occasion_then_the_tie(session: AsyncSession) -> None:
    a, b = await resident_row(session), await resident_row(session)
    await ties.record_tie(session, a.id, b.id, TieKind.helped, at=T0)
    await ties.record_tie(session, b.id, a.id, TieKind.helped, at=T0)
    await ties.record_tie(session, a.id, b.id, TieKind.met, at=T0)

    await ties.withdraw_tie(session, a.id, b.id, TieKind.helped)
    assert sorted((r.kind, r.times) for r in await _rows(session)) == [
        (TieKind.helped, 1),
        (TieKind.helped, 1),
        (TieKind.met, 1),
        (TieKind.met, 1),
    ]
    await ties.withdraw_tie(session, b.id, a.id, TieKind.helped)
    assert {r.kind for r in await _rows(session)} == {TieKind.met}


async def test_a_vouch_is_held_on_the_vouchers_side_only(session: AsyncSession) -> None:
    a, b = await resident_row(session), await resident_row(session)
    await ties.record_tie(session, a.id, b.id, TieKind.vouched, at=T0)
    await ties.record_tie(session, b.id, a.id, TieKind.vouched, at=T0)
    assert {(r.resident_id, r.times) for r in await _rows(session)} == {(a.id, 1), (b.id, 1)}

    await ties.withdraw_tie(session, a.id, b.id, TieKind.vouched)  # a takes theirs back

    assert [(r.resident_id, r.other_id) for r in await _rows(session)] == [(b.id, a.id)]


async def test_a_tie_needs_two_people(session: AsyncSession) -> None:
    a = await resident_row(session)
    with pytest.raises(ValueError, match="two different"):
        await ties.record_tie(session, a.id, a.id, TieKind.met)
