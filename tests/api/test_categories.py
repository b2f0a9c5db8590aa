import httpx

from models.categories import Category


async def test_every_category_with_its_tier(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/categories")

    categories = {c["id"]: c for c in response.json()}
    assert set(categories) == {c.value for c in Category}
    assert categories["personal_care"]["risk_tier"] == "regulated"
    assert categories["children"]["risk_tier"] == "personal"
    assert categories["befriending_visits"]["risk_tier"] == "personal"
    assert categories["shopping"]["risk_tier"] == "everyday"
    assert all(c["label"] and c["description"] for c in categories.values())
