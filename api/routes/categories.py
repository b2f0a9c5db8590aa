"""The fixed taxonomy of help."""

from fastapi import APIRouter

from models.categories import CATEGORIES, CategoryPublic

router = APIRouter(prefix="/v1/categories", tags=["categories"])


@router.get("")
async def list_all() -> list[CategoryPublic]:
    """Every category with its label, description and risk tier. Public and fixed."""
    return list(CATEGORIES)
