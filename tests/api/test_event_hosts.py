"""Co-hosts who said yes, silent declines, the last host, and hosting for a neighbourhood."""

from typing import Any

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.notifications import Notification, NotificationKind
from tests.api.test_events import before_the_events, host_event  # noqa: F401
from tests.api.test_offers import FAR
from tests.factories import Account, connect, make_connector, register


async def _invite(client: httpx.AsyncClient, host: Account, event: Any, who: Account) -> Any:
    return await client.post(
        f"/v1/events/{event['id']}/hosts", headers=host.headers, json={"resident_id": str(who.id)}
    )


async def _pair(client: httpx.AsyncClient) -> tuple[Account, Account]:
    return (
        await register(client, display_name="Hana"),
        await register(client, display_name="Omar"),
    )


async def _retitle(
    client: httpx.AsyncClient, who: Account, event: Any, version: int = 1
) -> httpx.Response:
    return await client.patch(
        f"/v1/events/{event['id']}",
        headers=who.headers | {"If-Match": f'"{version}"'},
        json={"title": f"Tea with {who.id}"[:40]},
    )


async def _accept(client: httpx.AsyncClient, who: Account, event: Any) -> httpx.Response:
    return await client.post(f"/v1/events/{event['id']}/hosts/accept", headers=who.headers)


async def _remove(
    client: httpx.AsyncClient, by: Account, event: Any, who: Account
) -> httpx.Response:
    return await client.delete(f"/v1/events/{event['id']}/hosts/{who.id}", headers=by.headers)


async def _hosts(client: httpx.AsyncClient, viewer: Account, event: Any) -> list[tuple[str, str]]:
    response = await client.get(f"/v1/events/{event['id']}/hosts", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [(h["resident"]["display_name"], h["status"]) for h in response.json()["hosts"]]


async def _named_hosts(client: httpx.AsyncClient, viewer: Account, event: Any) -> list[str]:
    response = await client.get(f"/v1/events/{event['id']}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [h["display_name"] for h in response.json()["hosts"]]


async def _invitations(session: AsyncSession, who: Account) -> int:
    rows = await session.exec(
        select(Notification).where(
            Notification.resident_id == who.id, Notification.kind == NotificationKind.host_invite
        )
    )
    return len(rows.all())


async def test_a_co_host_is_named_only_after_saying_yes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    hana, omar = (
        await register(client, display_name="Hana"),
        await register(client, display_name="Omar"),
    )
    event = await host_event(client, hana)
    stranger_invite = await _invite(client, hana, event, omar)
    await connect(client, hana, omar)

    invited = await _invite(client, hana, event, omar)
    named_while_invited = await _named_hosts(client, omar, event)
    cannot_change_yet = await _retitle(client, omar, event, 1)
    accepted = await _accept(client, omar, event)
    changed = await _retitle(client, omar, event, 1)

    assert stranger_invite.status_code == 422
    assert invited.json()["status"] == "invited"
    assert await _invitations(session, omar) == 1
    assert named_while_invited == ["Hana"]
    assert cannot_change_yet.status_code == 403
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "hosting"
    assert changed.status_code == 200, changed.text
    assert await _named_hosts(client, hana, event) == ["Hana", "Omar"]


async def test_a_decline_looks_like_no_answer_and_asking_again_stays_quiet(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    hana, omar = (
        await register(client, display_name="Hana"),
        await register(client, display_name="Omar"),
    )
    await connect(client, hana, omar)
    event = await host_event(client, hana)
    await _invite(client, hana, event, omar)

    declined = await _remove(client, omar, event, omar)
    seen_by_host = await _hosts(client, hana, event)
    asked_again = await _invite(client, hana, event, omar)
    accept_after_no = await client.post(
        f"/v1/events/{event['id']}/hosts/accept", headers=omar.headers
    )

    assert declined.status_code == 204
    assert seen_by_host == [("Hana", "hosting"), ("Omar", "invited")]
    assert asked_again.json()["status"] == "invited"
    assert await _invitations(session, omar) == 1  # the second ask was never delivered
    assert accept_after_no.status_code == 404


async def test_the_last_host_cannot_step_down_but_can_hand_over(client: httpx.AsyncClient) -> None:
    hana, omar = (
        await register(client, display_name="Hana"),
        await register(client, display_name="Omar"),
    )
    await connect(client, hana, omar)
    event = await host_event(client, hana)
    path = f"/v1/events/{event['id']}/hosts/{hana.id}"

    alone = await client.delete(path, headers=hana.headers)
    await _invite(client, hana, event, omar)
    await _accept(client, omar, event)
    handed_over = await client.delete(path, headers=hana.headers)
    hana_changes = await _retitle(client, hana, event, 1)
    omar_removes_last = await _remove(client, omar, event, omar)

    assert alone.status_code == 409
    assert handed_over.status_code == 204
    assert hana_changes.status_code == 403
    assert omar_removes_last.status_code == 409
    assert await _named_hosts(client, omar, event) == ["Omar"]


async def test_a_host_can_withdraw_an_invitation_or_remove_a_co_host(
    client: httpx.AsyncClient,
) -> None:
    hana, omar, pia = (
        await register(client, display_name="Hana"),
        await register(client, display_name="Omar"),
        await register(client, display_name="Pia"),
    )
    await connect(client, hana, omar)
    await connect(client, hana, pia)
    event = await host_event(client, hana)
    await _invite(client, hana, event, omar)
    await _invite(client, hana, event, pia)
    await _accept(client, pia, event)

    for who in (omar, pia):
        removed = await _remove(client, hana, event, who)
        assert removed.status_code == 204
    pia_changes = await _retitle(client, pia, event, 1)

    assert await _hosts(client, hana, event) == [("Hana", "hosting")]
    assert pia_changes.status_code == 403


async def test_co_hosts_who_block_each_other_still_run_their_event(
    client: httpx.AsyncClient,
) -> None:
    hana, omar = (
        await register(client, display_name="Hana"),
        await register(client, display_name="Omar"),
    )
    await connect(client, hana, omar)
    event = await host_event(client, hana)
    await _invite(client, hana, event, omar)
    await _accept(client, omar, event)
    blocked = await client.post(
        "/v1/blocks", headers=hana.headers, json={"resident_id": str(omar.id)}
    )
    assert blocked.status_code in (200, 201), blocked.text

    for host in (hana, omar):
        response = await client.get(f"/v1/events/{event['id']}", headers=host.headers)
        assert response.status_code == 200


async def test_connectors_host_for_their_neighbourhood_together(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    area = (await client.get("/v1/me", headers=connie.headers)).json()["roles"]["connector_of"][0]
    admin_made = await client.get(f"/v1/neighbourhoods/{area}", headers=connie.headers)
    assert admin_made.status_code == 200
    resident = await register(client)

    not_a_connector = await client.post(
        "/v1/events", headers=resident.headers, json=_supper_for(area)
    )
    outside = await client.post(
        "/v1/events",
        headers=connie.headers,
        json=_supper_for(area) | {"venue": {"name": "Far hall", **FAR}},
    )
    event = await host_event(client, connie, neighbourhood_id=area)
    second = await _appoint_another(client, session, area)
    by_second_connector = await _retitle(client, second, event, 1)
    by_resident = await _retitle(client, resident, event, 2)

    assert not_a_connector.status_code == 403
    assert outside.status_code == 422
    assert event["neighbourhood"] == {"id": area, "name": "Old Market"}
    assert by_second_connector.status_code == 200, by_second_connector.text
    assert by_resident.status_code == 403


def _supper_for(area: str) -> dict[str, object]:
    from tests.api.test_events import supper

    return supper(neighbourhood_id=area)


async def _appoint_another(client: httpx.AsyncClient, session: AsyncSession, area: str) -> Account:
    from tests.factories import make_admin

    admin = await make_admin(client, session)
    second = await register(client, display_name="Cy")
    appointed = await client.put(
        f"/v1/neighbourhoods/{area}/connectors/{second.id}", headers=admin.headers
    )
    assert appointed.status_code == 204, appointed.text
    return second
