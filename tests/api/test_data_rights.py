"""Data rights: `GET /v1/me/export` holds everything about the caller and nothing kept from
them; `DELETE /v1/me` erases them, after which no table holds their name or email."""

import importlib
import json
import pkgutil
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

import models
from api.routes import me
from models.assisted import AssistedResident, ConsentHow, ContactPreference
from models.audit import AuditAction, AuditEntry
from models.data_rights import SECTION_LIMIT, DataExport
from models.residents import Resident
from models.webhooks import WebhookEndpoint
from services import data_export_shared
from services.data_export import EXPORTED, LEFT_OUT
from tests.api.test_events import host_event
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.api.test_sync import sync
from tests.factories import HOME, Account, connect, register, sign_in, unique_email

for _module in pkgutil.iter_modules(models.__path__):
    importlib.import_module(f"models.{_module.name}")  # every table on the metadata

NAME = "Zephyrine Quillfeather"
SUPPER_DAY = "2027-03-09"
AT_THE_SUPPER = datetime(2027, 3, 9, 17, 30, tzinfo=UTC)  # half an hour before it starts


@pytest.fixture(autouse=True)
def at_the_supper() -> Any:
    with time_machine.travel(AT_THE_SUPPER, tick=True) as traveller:
        yield traveller


# --- the export covers every table ---------------------------------------------------------


def unaccounted(metadata: sa.MetaData, decided: set[str]) -> list[str]:
    """Each column that points at a resident, and each table with none, must be decided."""
    missing = []
    for table in metadata.tables.values():
        naming = [
            f"{table.name}.{c.name}"
            for c in table.columns
            if any(fk.target_fullname == "resident.id" for fk in c.foreign_keys)
        ]
        missing += [key for key in naming or [table.name] if key not in decided]
    return sorted(missing)


def test_every_table_is_exported_or_left_out_for_a_stated_reason() -> None:
    decided = set(EXPORTED) | set(LEFT_OUT)
    known = set(SQLModel.metadata.tables) | {
        f"{t.name}.{c.name}" for t in SQLModel.metadata.tables.values() for c in t.columns
    }

    assert unaccounted(SQLModel.metadata, decided) == []
    assert not set(EXPORTED) & set(LEFT_OUT)
    assert decided <= known  # nothing stale
    assert all(reason.strip() for reason in LEFT_OUT.values())
    assert set(EXPORTED.values()) <= set(DataExport.model_fields)


def test_a_new_table_naming_a_resident_is_caught() -> None:
    scratch = sa.MetaData()
    sa.Table("resident", scratch, sa.Column("id", sa.Uuid, primary_key=True))
    sa.Table(
        "pet",
        scratch,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("owner_id", sa.Uuid, sa.ForeignKey("resident.id")),
    )
    sa.Table("weather", scratch, sa.Column("id", sa.Integer, primary_key=True))

    assert unaccounted(scratch, {"resident"}) == ["pet.owner_id", "weather"]


# --- one resident with one of everything ---------------------------------------------------


@dataclass
class World:
    name: str
    zeph: Account
    kim: Account
    rosa: Account
    connie: Account
    troll: Account
    kims_match: str  # Kim helps with Zeph's request: confirmed
    rosas_match: str  # Zeph helped Rosa: completed
    bridged_match: str  # Kim asks Rosa, because they both know Zeph
    zephs_offer: str
    zephs_event: str
    kims_sync: str


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def _make_admin(session: AsyncSession, account: Account) -> None:
    resident = await session.get(Resident, account.id)
    assert resident is not None
    resident.is_admin = True
    session.add(resident)
    await session.commit()


async def _match(
    client: httpx.AsyncClient,
    requester: Account,
    helper: Account,
    title: str = "Milk and bread",
    headers: dict[str, str] | None = None,
) -> Any:
    request = await post_request(client, requester, title=title)
    return await _ok(
        await client.post(
            f"/v1/requests/{request['id']}/matches",
            headers=requester.headers | (headers or {}),
            json={"helper_id": str(helper.id)},
        ),
        201,
    )


async def rich_history(client: httpx.AsyncClient, session: AsyncSession, name: str = NAME) -> World:
    """Zeph, an admin and connector, with posts, matches on both sides (details shared),
    ties, vouches, asks, a block, events hosted and attended, reports both ways, checks,
    devices, keys, a webhook; and neighbours whose notices and records name her."""
    email = unique_email("zephyrine.quillfeather")
    zeph = await register(client, email=email, display_name=name, bio=f"I am {name}.")
    kim, rosa, connie, troll = [
        await register(client, display_name=n) for n in ("Kim", "Rosa", "Connie", "Troll")
    ]
    await _make_admin(session, zeph)
    await _ok(await client.patch("/v1/me", headers=zeph.headers, json={"skills": ["knitting"]}))
    area = await _ok(
        await client.post(
            "/v1/neighbourhoods",
            headers=zeph.headers,
            json={"name": "Old Market", "lat": HOME["lat"], "lon": HOME["lon"], "radius_m": 2000},
        ),
        201,
    )
    for connector in (zeph, connie):
        await _ok(
            await client.put(
                f"/v1/neighbourhoods/{area['id']}/connectors/{connector.id}",
                headers=zeph.headers,
            ),
            204,
        )
    kims_sync = (await sync(client, kim))["next_token"]
    zephs_offer = await post_offer(client, zeph, category="shopping", title=f"Shopping by {name}")
    for helper in (kim, rosa):
        await post_offer(client, helper, category="shopping", title="Shopping runs")

    # Zeph helps Rosa (Rosa asked, retry-safe), details shared both ways, thanks both ways.
    rosas = await _match(client, rosa, zeph, headers={"Idempotency-Key": "rosa-asks-zeph"})
    base = f"/v1/matches/{rosas['id']}"
    await _ok(await client.post(f"{base}/accept", headers=zeph.headers, json={"contact": email}))
    await _ok(
        await client.post(
            f"{base}/confirm",
            headers=rosa.headers,
            json={"contact": "Rosa's landline", "meeting_note": f"Ask for Rosa, not {name}"},
        )
    )
    await _ok(await client.get(base, headers=zeph.headers))  # a disclosure of Rosa's details
    await _ok(await client.get(base, headers=rosa.headers))  # and of Zeph's
    await _ok(await client.post(f"{base}/complete", headers=rosa.headers))
    await _ok(
        await client.post(
            f"{base}/thanks", headers=rosa.headers, json={"message": f"Thanks {name}!"}
        )
    )
    await _ok(await client.post(f"{base}/thanks", headers=zeph.headers, json={"message": "A joy"}))

    # Kim helps Zeph: confirmed, so still open when she leaves.
    kims = await _match(client, zeph, kim, title=f"Shopping for {name}")
    base = f"/v1/matches/{kims['id']}"
    await _ok(await client.post(f"{base}/accept", headers=kim.headers, json={"contact": "07700"}))
    await _ok(
        await client.post(
            f"{base}/confirm",
            headers=zeph.headers,
            json={"contact": email, "meeting_note": f"Ring {name}'s bell"},
        )
    )

    # Ties and asks: Kim accepts Zeph's ask; Rosa's ask waits; vouches both ways; a block.
    asked = await _ok(
        await client.post(
            "/v1/connections", headers=zeph.headers, json={"resident_id": str(kim.id)}
        ),
        201,
    )
    await _ok(await client.post(f"/v1/connections/{asked['id']}/accept", headers=kim.headers))
    await _ok(
        await client.post(
            "/v1/connections", headers=rosa.headers, json={"resident_id": str(zeph.id)}
        ),
        201,
    )
    for voucher, vouchee, note in ((zeph, rosa, "Known her for years"), (kim, zeph, f"{name}!")):
        body = {"resident_id": str(vouchee.id), "note": note}
        await _ok(await client.post("/v1/vouches", headers=voucher.headers, json=body), 201)
    await _ok(
        await client.post("/v1/blocks", headers=zeph.headers, json={"resident_id": str(troll.id)}),
        201,
    )

    # Kim asks Rosa for help because they both know Zeph.
    bridged = await _match(client, kim, rosa)
    assert f"you both know {name}" in [r["text"] for r in bridged["reasons"]]

    # Zeph hosts a supper and invites Kim to co-host; Rosa is going. At Connie's supper
    # Zeph and Rosa check in and choose each other.
    zephs_event = await host_event(
        client, zeph, title=f"Supper with {name}", description=f"{name} cooks."
    )
    await _ok(
        await client.post(
            f"/v1/events/{zephs_event['id']}/hosts",
            headers=zeph.headers,
            json={"resident_id": str(kim.id)},
        )
    )
    connies_event = await host_event(client, connie)
    code = await _ok(
        await client.get(
            f"/v1/events/{connies_event['id']}/check-in-code",
            headers=connie.headers,
            params={"occurrence": SUPPER_DAY},
        )
    )
    for event, people in ((zephs_event, (rosa,)), (connies_event, (zeph, rosa))):
        for person in people:
            await _ok(
                await client.post(
                    f"/v1/events/{event['id']}/rsvp",
                    headers=person.headers,
                    json={"occurrence": SUPPER_DAY, "answer": "going"},
                )
            )
    base = f"/v1/events/{connies_event['id']}"
    for person in (zeph, rosa):
        present = {"occurrence": SUPPER_DAY, "code": code["code"]}
        await _ok(await client.post(f"{base}/check-ins", headers=person.headers, json=present))
    for person, other in ((zeph, rosa), (rosa, zeph)):
        chosen = {"occurrence": SUPPER_DAY, "resident_ids": [str(other.id)]}
        await _ok(await client.post(f"{base}/keep-in-touch", headers=person.headers, json=chosen))

    # Reports both ways, one resolved; checks both ways; a device, a feed, keys, a webhook.
    about_zeph = await _ok(
        await client.post(
            "/v1/reports",
            headers=rosa.headers,
            json={
                "subject_type": "resident",
                "subject_id": str(zeph.id),
                "reason": "other",
                "details": f"{name} was late",
            },
        ),
        201,
    )
    await _ok(
        await client.post(
            f"/v1/reports/{about_zeph['id']}/resolve",
            headers=connie.headers,
            json={"action": f"Spoke to {name}"},
        )
    )
    await _ok(
        await client.post(
            "/v1/reports",
            headers=zeph.headers,
            json={
                "subject_type": "resident",
                "subject_id": str(troll.id),
                "reason": "harassment",
                "details": f"From {name}: write to {email}",
            },
        ),
        201,
    )
    for by, subject in ((connie, zeph), (zeph, kim)):
        await _ok(
            await client.put(
                f"/v1/residents/{subject.id}/verifications",
                headers=by.headers,
                json={
                    "kind": "id_checked",
                    "issued_on": date.today().isoformat(),
                    "note": f"Passport seen; {name} was there",
                },
            )
        )
    await _ok(
        await client.post(
            "/v1/devices",
            headers=zeph.headers,
            json={"platform": "android", "push_token": "fcm-secret-token-1234"},
        ),
        201,
    )
    await _ok(await client.post("/v1/me/calendar-feed", headers=zeph.headers), 201)
    # Asked to be checked on in a crisis (with words of her own), and then asked.
    await _ok(
        await client.put(
            "/v1/me/welfare-check", headers=zeph.headers, json={"help_note": f"{name}'s medicines"}
        )
    )
    crisis_ends = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    await _ok(
        await client.post(
            f"/v1/neighbourhoods/{area['id']}/crisis",
            headers=connie.headers,
            json={"reason": "Power cut", "ends_at": crisis_ends},
        ),
        201,
    )
    for acts_as in (kim, zeph):
        await _ok(
            await client.post(
                "/v1/api-keys",
                headers=zeph.headers,
                json={
                    "name": f"Rota by {name}",
                    "resident_id": str(acts_as.id),
                    "scopes": ["offers:read"],
                },
            ),
            201,
        )
    session.add(
        WebhookEndpoint(
            url="https://hooks.example.org/kith",
            event_types=["request.created"],
            description=f"{name}'s dashboard",
            secret="whsec_test",
            created_by=zeph.id,
        )
    )
    session.add(
        AssistedResident(
            resident_id=zeph.id,
            registered_by=connie.id,
            consent_given_by=f"{name} herself",
            consent_how=ConsentHow.in_person,
            consent_at=AT_THE_SUPPER,
            contact_preference=ContactPreference.phone,
            contact=email,
        )
    )
    await session.commit()
    return World(
        name=name,
        zeph=zeph,
        kim=kim,
        rosa=rosa,
        connie=connie,
        troll=troll,
        kims_match=kims["id"],
        rosas_match=rosas["id"],
        bridged_match=bridged["id"],
        zephs_offer=str(zephs_offer["id"]),
        zephs_event=zephs_event["id"],
        kims_sync=kims_sync,
    )


async def _export(client: httpx.AsyncClient, who: Account) -> httpx.Response:
    response = await client.get("/v1/me/export", headers=who.headers)
    assert response.status_code == 200, response.text
    return response


# --- the export ----------------------------------------------------------------------------


async def test_the_export_has_every_section_for_someone_with_one_of_everything(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await rich_history(client, session)

    response = await _export(client, world.zeph)
    export = response.json()

    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    empty = [name for name in set(EXPORTED.values()) if not export[name]]
    assert empty == [], "an exported section came back empty: is it really exported?"
    assert export["truncated"] == []
    assert export["profile"]["email"] == world.zeph.email
    assert export["devices"][0]["push_token_hint"] == "…1234"
    assert "fcm-secret-token" not in response.text
    zeph_helped = next(m for m in export["matches"] if m["id"] == world.rosas_match)
    assert (zeph_helped["your_contact"], zeph_helped["thanks_received"]) == (
        world.zeph.email,
        f"Thanks {NAME}!",
    )
    assert "Rosa's landline" not in response.text  # the other side's contact is theirs
    assert {m["your_role"] for m in export["matches"]} == {"helper", "requester"}


async def test_the_export_keeps_back_what_was_never_shown(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await rich_history(client, session)
    blocked = await client.post(
        "/v1/blocks", headers=world.troll.headers, json={"resident_id": str(world.zeph.id)}
    )
    asked = await client.post(
        "/v1/connections", headers=world.zeph.headers, json={"resident_id": str(world.connie.id)}
    )
    declined = await client.post(
        f"/v1/connections/{asked.json()['id']}/decline", headers=world.connie.headers
    )
    assert (blocked.status_code, declined.status_code) == (201, 204)

    export = (await _export(client, world.zeph)).json()
    text = json.dumps(export)

    assert str(world.troll.id) in text  # she blocked Troll and reported Troll: both hers
    assert [b["resident"]["id"] for b in export["blocks"]] == [str(world.troll.id)]
    ask = next(c for c in export["connections"] if c["id"] == asked.json()["id"])
    assert ask["status"] == "pending"  # Connie's no reads as no answer yet, as it always did
    assert all(r["subject_id"] != str(world.zeph.id) for r in export["reports_filed"])
    assert "was late" not in text  # Rosa's report about her
    assert "Spoke to" not in text  # what a connector did about it
    assert str(world.kim.id) not in json.dumps(export["vouches_received"])
    assert f"{NAME}!" not in json.dumps(export["vouches_received"])  # Kim's note: connectors'
    assert all("reason" not in entry for entry in export["audit_about_you"])
    assert "Passport seen" not in json.dumps(export["audit_about_you"])


async def test_a_long_section_is_cut_and_says_so(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    zeph = await register(client, display_name=NAME)
    for title in ("First offer", "Second offer"):
        await post_offer(client, zeph, title=title)
    monkeypatch.setattr(data_export_shared, "SECTION_LIMIT", 1)

    export = (await _export(client, zeph)).json()

    assert export["truncated"] == ["offers"]
    assert [o["title"] for o in export["offers"]] == ["Second offer"]
    assert f"at most {SECTION_LIMIT:,} entries" in " ".join((me.export.__doc__ or "").split())


# --- erasure -------------------------------------------------------------------------------


def _holds_text(column_type: Any) -> bool:
    kind = column_type.impl if isinstance(column_type, sa.TypeDecorator) else column_type
    return isinstance(kind, sa.String | sa.JSON)


async def _columns_holding(session: AsyncSession, *needles: str) -> dict[str, set[str]]:
    """Every text or JSON column of every table, read back and searched in Python."""
    connection = await session.connection()
    found: dict[str, set[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if _holds_text(c.type)]
        if not columns:
            continue
        for row in (await connection.execute(sa.select(*columns))).all():
            for column, value in zip(columns, row, strict=True):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for needle in needles:
                    if needle.casefold() in text.casefold():
                        found.setdefault(needle, set()).add(f"{table.name}.{column.name}")
    return found


async def _erase(client: httpx.AsyncClient, who: Account) -> httpx.Response:
    fresh = await sign_in(client, who.email, who.password)
    return await client.delete(
        "/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
    )


# A name outside ASCII too: stored JSON escapes it, and the erasure must still find it.
@pytest.mark.parametrize("name", [NAME, "Zoë Ångström-Quill"])
async def test_erasure_leaves_no_name_or_email_anywhere_and_others_intact(
    client: httpx.AsyncClient, session: AsyncSession, name: str
) -> None:
    world = await rich_history(client, session, name)
    zeph, kim, rosa = world.zeph, world.kim, world.rosa
    needles = (name, zeph.email, zeph.email.split("@")[0])
    before = await _columns_holding(session, *needles)

    erased = await _erase(client, zeph)
    after = await _columns_holding(session, *needles)

    # The search can fail: before, her name was in all these places.
    assert {t.split(".")[0] for t in before[name]} >= {
        "resident", "offer", "help_request", "match", "notification", "idempotency_record",
        "vouch", "event", "report", "audit_entry", "api_key", "webhook_endpoint",
        "assisted_resident",
    }  # fmt: skip
    assert "match.helper_contact" in before[zeph.email]
    assert erased.status_code == 204, erased.text
    assert after == {}

    # Kim's match with her ended kindly, without naming her or quoting her request.
    kims_match = await _ok(await client.get(f"/v1/matches/{world.kims_match}", headers=kim.headers))
    assert kims_match["status"] == "cancelled"
    assert kims_match["requester"]["display_name"] == "Former neighbour"
    assert not any((kims_match["shared"] or {}).values())  # her contact and note are gone
    inbox = (await _ok(await client.get("/v1/notifications", headers=kim.headers)))["items"]
    notice = next(n for n in inbox if n["data"].get("match_id") == world.kims_match)
    assert notice["title"].startswith("A request you were matched with has been withdrawn")
    assert any(n["title"].startswith("A former neighbour would like to connect") for n in inbox)

    # Rosa's finished match stays finished; her own words stay, less the name.
    rosas_match = await _ok(
        await client.get(f"/v1/matches/{world.rosas_match}", headers=rosa.headers)
    )
    assert (rosas_match["status"], rosas_match["helper"]["display_name"]) == (
        "completed",
        "Former neighbour",
    )
    assert rosas_match["thanks_received"] is None  # Zeph's words, gone with her
    rosas_inbox = (await _ok(await client.get("/v1/notifications", headers=rosa.headers)))["items"]
    assert any("is cancelled" in n["title"] for n in rosas_inbox)  # Zeph's supper

    # The match Kim proposed to Rosa still says why, without her name.
    bridged = await _ok(await client.get(f"/v1/matches/{world.bridged_match}", headers=kim.headers))
    assert "you both know a former neighbour" in [r["text"] for r in bridged["reasons"]]
    assert bridged["status"] == "proposed"

    # Everything between them is gone, and Kim's phone is told.
    circle = (await _ok(await client.get("/v1/me/circle", headers=kim.headers)))["items"]
    assert str(zeph.id) not in json.dumps(circle)
    changed = await sync(client, kim, world.kims_sync)
    tombstones = {c["id"] for c in changed["changes"] if c["kind"] == "offer" and c["deleted"]}
    assert world.zephs_offer in tombstones
    event = await _ok(await client.get(f"/v1/events/{world.zephs_event}", headers=rosa.headers))
    assert event["status"] == "cancelled"

    # The audit log keeps her only as an id, its words redacted and marked.
    entries = (
        await session.exec(select(AuditEntry).execution_options(populate_existing=True))
    ).all()
    redacted = [e for e in entries if "former neighbour" in e.reason]
    assert len(redacted) == 3  # two checks recorded (of her, and by her) and her report
    assert all(e.redacted_at is not None for e in redacted)
    assert {e.actor_id for e in entries} >= {zeph.id}  # her acts stay, by id
    assert all(e.redacted_at is None for e in entries if e not in redacted)
    resident = await session.get(Resident, zeph.id, populate_existing=True)
    assert resident is not None
    assert (resident.status, resident.display_name, resident.home_cell) == (
        "erased",
        "Former neighbour",
        None,
    )


async def test_an_erased_account_signs_in_nowhere_and_its_email_is_free_again(
    client: httpx.AsyncClient,
) -> None:
    zeph = await register(client, display_name=NAME)

    erased = await _erase(client, zeph)
    old_token = await client.get("/v1/me", headers=zeph.headers)
    old_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": zeph.refresh_token})
    sign_in_again = await client.post(
        "/v1/auth/token", data={"username": zeph.email, "password": zeph.password}
    )
    again = await client.post(
        "/v1/auth/register",
        json={"email": zeph.email, "password": zeph.password, "display_name": NAME, "home": HOME},
    )

    assert erased.status_code == 204, erased.text
    assert old_token.status_code == old_refresh.status_code == sign_in_again.status_code == 401
    assert again.status_code == 201, again.text
    assert again.json()["id"] != str(zeph.id)


async def test_erasure_needs_a_sign_in_with_the_password_moments_ago(
    client: httpx.AsyncClient, at_the_supper: Any
) -> None:
    zeph = await register(client, display_name=NAME)
    at_the_supper.shift(timedelta(minutes=11))
    refreshed = await _ok(
        await client.post("/v1/auth/refresh", json={"refresh_token": zeph.refresh_token})
    )

    stale = await client.delete("/v1/me", headers=zeph.headers)
    after_refresh = await client.delete(
        "/v1/me", headers={"Authorization": f"Bearer {refreshed['access_token']}"}
    )
    still_here = await client.get("/v1/me", headers=zeph.headers)
    fresh = await _erase(client, zeph)

    assert stale.status_code == after_refresh.status_code == 401
    assert 'error="insufficient_user_authentication"' in stale.headers["www-authenticate"]
    assert "max_age=600" in stale.headers["www-authenticate"]
    assert stale.json()["type"] == "/problems/sign-in-again"
    assert still_here.status_code == 200
    assert fresh.status_code == 204


async def test_her_place_goes_to_the_next_in_line_and_a_co_hosted_event_goes_on(
    client: httpx.AsyncClient,
) -> None:
    zeph, kim, rosa = [await register(client, display_name=n) for n in (NAME, "Kim", "Rosa")]
    await connect(client, zeph, kim)
    full = await host_event(client, kim, capacity=1)
    shared = await host_event(client, zeph, title="Street party")
    invite = {"resident_id": str(kim.id)}
    await _ok(
        await client.post(f"/v1/events/{shared['id']}/hosts", headers=zeph.headers, json=invite)
    )
    await _ok(await client.post(f"/v1/events/{shared['id']}/hosts/accept", headers=kim.headers))
    for person in (zeph, rosa):
        await _ok(
            await client.post(
                f"/v1/events/{full['id']}/rsvp",
                headers=person.headers,
                json={"occurrence": SUPPER_DAY, "answer": "going"},
            )
        )

    erased = await _erase(client, zeph)
    rosas_place = await _ok(
        await client.post(
            f"/v1/events/{full['id']}/rsvp",
            headers=rosa.headers,
            json={"occurrence": SUPPER_DAY, "answer": "going"},
        )
    )
    party = await _ok(await client.get(f"/v1/events/{shared['id']}", headers=kim.headers))
    inbox = (await _ok(await client.get("/v1/notifications", headers=rosa.headers)))["items"]

    assert erased.status_code == 204, erased.text
    assert rosas_place["waitlisted"] is False
    assert any(n["title"].startswith("A place came free") for n in inbox)
    assert party["status"] == "scheduled"
    assert [h["display_name"] for h in party["hosts"]] == ["Kim"]


# --- the audit log's one door --------------------------------------------------------------


async def _an_entry(session: AsyncSession) -> AuditEntry:
    entry = AuditEntry(
        actor_id=uuid.uuid4(),
        action=AuditAction.resident_suspended,
        subject_type="resident",
        subject_id=uuid.uuid4(),
        reason=f"{NAME} shouted",
    )
    session.add(entry)
    await session.flush()
    return entry


async def test_the_audit_log_takes_a_marked_redaction_and_nothing_else(
    session: AsyncSession,
) -> None:
    entry = await _an_entry(session)
    this = col(AuditEntry.id) == entry.id
    later = datetime.now(UTC) + timedelta(seconds=1)
    refused = [
        update(AuditEntry).where(this).values(reason="rewritten"),  # unmarked
        update(AuditEntry).where(this).values(redacted_at=later, actor_id=uuid.uuid4()),
        update(AuditEntry).where(this).values(redacted_at=later, action="match_approved"),
        update(AuditEntry).where(this).values(redacted_at=later, at=later),
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.exec(statement)

    async with session.begin_nested():
        redacted = await session.exec(
            update(AuditEntry).where(this).values(reason="A former neighbour", redacted_at=later)
        )
    backwards = update(AuditEntry).where(this).values(reason="x", redacted_at=later - timedelta(1))
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.exec(backwards)

    assert redacted.rowcount == 1
