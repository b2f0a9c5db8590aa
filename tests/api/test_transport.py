"""Transport for phones on thin connections: 304 when nothing changed, gzip when it helps."""

import httpx

from tests.api.test_offers import post_offer
from tests.factories import register


async def test_a_post_unchanged_since_the_last_read_is_a_bodiless_304(
    client: httpx.AsyncClient,
) -> None:
    owner, reader = await register(client), await register(client)
    offer = await post_offer(client, owner)
    path = f"/v1/offers/{offer['id']}"

    first = await client.get(path, headers=reader.headers)
    again = await client.get(
        path, headers=reader.headers | {"If-None-Match": first.headers["etag"]}
    )
    await client.patch(
        path, headers=owner.headers | {"If-Match": '"1"'}, json={"title": "Shelves up"}
    )
    changed = await client.get(
        path, headers=reader.headers | {"If-None-Match": first.headers["etag"]}
    )

    assert first.headers["etag"] == '"1"'
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == '"1"'
    assert changed.status_code == 200
    assert changed.headers["etag"] == '"2"'


async def test_the_first_page_of_a_feed_answers_304_until_something_new_arrives(
    client: httpx.AsyncClient,
) -> None:
    owner, reader = await register(client), await register(client)
    await post_offer(client, owner)

    first = await client.get("/v1/offers", headers=reader.headers)
    tag = first.headers["etag"]
    again = await client.get("/v1/offers", headers=reader.headers | {"If-None-Match": tag})
    await post_offer(client, owner, title="Another offer")
    after_new = await client.get("/v1/offers", headers=reader.headers | {"If-None-Match": tag})

    assert tag.startswith('W/"')
    assert first.headers["cache-control"] == "private, no-cache"
    assert again.status_code == 304
    assert after_new.status_code == 200
    assert after_new.headers["etag"] != tag


async def test_large_answers_are_gzipped_and_small_ones_are_not(client: httpx.AsyncClient) -> None:
    large = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    small = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})

    assert large.headers["content-encoding"] == "gzip"
    assert large.json()["openapi"].startswith("3.")  # httpx decoded it: it really is gzip
    assert "content-encoding" not in small.headers


async def test_errors_are_never_turned_into_304(client: httpx.AsyncClient) -> None:
    reader = await register(client)
    missing = await client.get(
        "/v1/offers/00000000-0000-0000-0000-000000000000",
        headers=reader.headers | {"If-None-Match": "*"},
    )
    assert missing.status_code == 404
