"""Hypothesis drives three neighbours through posts, withdrawals, matches, connections and
blocks, with syncs of random page sizes interleaved; whenever one of them syncs to the end,
their copy must equal what the list endpoints show them at that moment."""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from api.app import create_app
from api.db import Database, make_engine, make_sessionmaker
from tests.api.test_offers import NEAR, offer_body
from tests.api.test_requests import request_body
from tests.conftest import test_settings as settings_for
from tests.factories import HOME, Account, register

T = TypeVar("T")
NEXT_DOOR = {"lat": HOME["lat"] - 0.004, "lon": HOME["lon"] + 0.003}
PEOPLE = range(3)
PAIRS = [(a, b) for a in PEOPLE for b in PEOPLE if a != b]
Copy = dict[tuple[str, str], Any]


def _comparable(kind: str, data: dict[str, Any]) -> Any:
    """What must agree between a synced copy and a fresh read (not decaying strengths)."""
    if kind in ("offer", "request"):
        return (data["status"], data["version"], data["title"])
    if kind == "match":
        return (data["status"], data["version"])
    if kind == "notification":
        return (data["title"], data["read_at"])
    if kind == "tie":
        return tuple(sorted(data["kinds"]))
    return data["version"]


class Neighbours(RuleBasedStateMachine):
    database_url = ""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.run(self._start())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    async def _start(self) -> None:
        self.engine = make_engine(self.database_url)
        self.connection = await self.engine.connect()
        self.transaction = await self.connection.begin()  # rolled back in teardown
        database = Database(
            engine=self.engine,
            sessionmaker=make_sessionmaker(
                self.connection, join_transaction_mode="create_savepoint"
            ),
        )
        self.app = create_app(settings_for(self.database_url), database=database)
        self.lifespan = LifespanManager(self.app)
        await self.lifespan.__aenter__()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )
        self.people: list[Account] = [
            await register(self.client, display_name=name, home=home)
            for name, home in (("Ash", HOME), ("Bo", NEAR), ("Cy", NEXT_DOOR))
        ]
        self.copies: list[Copy] = [{} for _ in PEOPLE]
        self.tokens: list[str | None] = [None for _ in PEOPLE]
        self.posts: list[tuple[str, str, int]] = []  # (kind, id, owner)
        self.requests: list[tuple[str, int]] = []
        self.blocks: set[tuple[int, int]] = set()
        for who in PEOPLE:  # something of everyone's in everyone's feed from the start
            await self._post(who, "offer")
            await self._post(who, "request")

    def teardown(self) -> None:
        try:
            for who in PEOPLE:
                self.run(self._converges(who))
        finally:
            self.run(self._stop())
            self.loop.close()

    async def _stop(self) -> None:
        await self.client.aclose()
        await self.lifespan.__aexit__(None, None, None)
        await self.transaction.rollback()
        await self.connection.close()
        await self.engine.dispose()

    async def _call(self, method: str, path: str, who: int, **kwargs: Any) -> httpx.Response:
        headers = self.people[who].headers | kwargs.pop("headers", {})
        response = await self.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 500, response.text
        return response

    @rule(who=st.sampled_from(PEOPLE))
    def post_offer(self, who: int) -> None:
        self.run(self._post(who, "offer"))

    @rule(who=st.sampled_from(PEOPLE))
    def post_request(self, who: int) -> None:
        self.run(self._post(who, "request"))

    async def _post(self, who: int, kind: str) -> None:
        body = offer_body() if kind == "offer" else request_body()
        created = await self._call("POST", f"/v1/{kind}s", who, json=body)
        assert created.status_code == 201, created.text
        self.posts.append((kind, created.json()["id"], who))
        if kind == "request":
            self.requests.append((created.json()["id"], who))

    @rule(data=st.data())
    def take_down(self, data: st.DataObject) -> None:
        if not self.posts:
            return
        kind, post_id, owner = data.draw(st.sampled_from(self.posts))
        path = f"/v1/{kind}s/{post_id}"
        self.run(self._call("DELETE", path, owner, headers={"If-Match": "*"}))

    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        if not self.posts:
            return
        kind, post_id, owner = data.draw(st.sampled_from(self.posts))
        title = data.draw(st.sampled_from(["Edited", "Edited again"]))
        path = f"/v1/{kind}s/{post_id}"
        self.run(self._call("PATCH", path, owner, headers={"If-Match": "*"}, json={"title": title}))

    @rule(data=st.data(), helper=st.sampled_from(PEOPLE))
    def propose(self, data: st.DataObject, helper: int) -> None:
        if not self.requests:
            return
        request_id, owner = data.draw(st.sampled_from(self.requests))
        if owner == helper:
            return
        body = {"helper_id": str(self.people[helper].id)}
        self.run(self._call("POST", f"/v1/requests/{request_id}/matches", owner, json=body))

    @rule(pair=st.sampled_from(PAIRS))
    def connect(self, pair: tuple[int, int]) -> None:
        a, b = pair
        asked = self.run(
            self._call("POST", "/v1/connections", a, json={"resident_id": str(self.people[b].id)})
        )
        if asked.status_code == 201:
            self.run(self._call("POST", f"/v1/connections/{asked.json()['id']}/accept", b))

    @rule(pair=st.sampled_from(PAIRS))
    def block_or_unblock(self, pair: tuple[int, int]) -> None:
        a, b = pair
        if (a, b) in self.blocks:
            self.run(self._call("DELETE", f"/v1/blocks/{self.people[b].id}", a))
            self.blocks.discard((a, b))
        else:
            body = {"resident_id": str(self.people[b].id)}
            self.run(self._call("POST", "/v1/blocks", a, json=body))
            self.blocks.add((a, b))

    @invariant()
    def phones_keep_syncing(self) -> None:
        """A page of three changes for everyone after every step: copies are rarely current
        and rarely far behind, so a change that is not logged shows up as a stale copy."""
        for who in PEOPLE:
            self.run(self._sync_page(who, 3))

    @rule()
    def converges(self) -> None:
        for who in PEOPLE:
            self.run(self._converges(who))

    async def _sync_page(self, who: int, limit: int) -> bool:
        params: dict[str, Any] = {"limit": limit}
        if self.tokens[who] is not None:
            params["since"] = self.tokens[who]
        page = (await self._call("GET", "/v1/sync", who, params=params)).json()
        copy = self.copies[who]
        for change in page["changes"]:
            key = (change["kind"], change["id"])
            if change["deleted"]:
                copy.pop(key, None)
            else:
                copy[key] = _comparable(change["kind"], change["data"])
        self.tokens[who] = page["next_token"]
        return bool(page["more"])

    async def _converges(self, who: int) -> None:
        while await self._sync_page(who, 50):
            pass
        assert self.copies[who] == await self._server_view(who)

    async def _server_view(self, who: int) -> Copy:
        view: Copy = {}
        lists = [
            ("offer", "/v1/offers", {}),
            ("offer", "/v1/offers", {"mine": "true"}),
            ("request", "/v1/requests", {}),
            ("request", "/v1/requests", {"mine": "true"}),
            ("match", "/v1/matches", {}),
            ("notification", "/v1/notifications", {}),
            ("tie", "/v1/me/circle", {}),
        ]
        for kind, path, params in lists:
            for item in await self._all(who, path, params):
                view[kind, item["id"]] = _comparable(kind, item)
        return view

    async def _all(self, who: int, path: str, params: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        while True:
            query = params | {"limit": 100} | ({"cursor": cursor} if cursor else {})
            page = (await self._call("GET", path, who, params=query)).json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items


def test_a_synced_copy_converges_to_the_server_view(database_url: str) -> None:
    Neighbours.database_url = database_url
    run_state_machine_as_test(
        Neighbours,
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
