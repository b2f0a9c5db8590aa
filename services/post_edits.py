"""Reading and changing one post, shared by offers and requests: who may see it, who may
change it, and the versioned write that makes concurrent edits safe."""

import uuid
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.posts import PostUpdateFields
from models.residents import Resident, ResidentStatus
from services import blocks, changes, circles, posts
from services.errors import NotFound, PreconditionFailed
from services.feeds import Post, PostModel
from services.posts import Reach, VersionMatch


def changed_values(owner: Resident, data: PostUpdateFields) -> dict[str, Any]:
    """The columns a PATCH sets: what was sent, with points turned into cells."""
    values = data.model_dump(exclude_unset=True, exclude={"location", "availability"})
    if data.location is not None:
        values["cell"] = posts.place(owner, data.location)
    if data.availability is not None:
        values["availability"] = data.availability.model_dump(mode="json")
    if data.expires_at is not None:
        values["expires_at"] = posts.expiry(data.expires_at)
    return values


def visible_to(post: Post, owner: Resident, viewer: Resident, live: bool) -> bool:
    """Its owner always sees a post; anyone else only while it is live and in reach."""
    if post.owner_id == viewer.id:
        return True
    if not live or owner.status != ResidentStatus.active or viewer.home_cell is None:
        return False
    if post.expires_at <= utcnow():
        return False
    return Reach(viewer.home_cell, post.radius_m).reaches(post.cell, post.radius_m)


async def with_owner(
    session: AsyncSession, model: PostModel, post_id: uuid.UUID, noun: str
) -> tuple[Any, Resident]:
    post: Post | None = await session.get(model, post_id)
    owner = await session.get(Resident, post.owner_id) if post else None
    if post is None or owner is None:
        raise NotFound(f"No such {noun}.")
    return post, owner


async def readable(
    session: AsyncSession,
    model: PostModel,
    viewer: Resident,
    post_id: uuid.UUID,
    noun: str,
    live_status: str,
) -> tuple[Any, Resident]:
    """The post and its owner, if the viewer may see it; otherwise NotFound."""
    post, owner = await with_owner(session, model, post_id, noun)
    if not visible_to(post, owner, viewer, post.status == live_status):
        raise NotFound(f"No such {noun}.")
    if owner.id != viewer.id and await blocks.blocked_either_way(session, owner.id, viewer.id):
        raise NotFound(f"No such {noun}.")  # a block hides, and never says so
    shared_with_viewer = await session.exec(
        select(model.id)
        .where(col(model.id) == post_id)
        .where(circles.audience_holds(viewer.id, model.visibility, model.owner_id))
    )
    if shared_with_viewer.first() is None:
        raise NotFound(f"No such {noun}.")  # nor does a circle post say it exists
    return post, owner


async def owned(
    session: AsyncSession, model: PostModel, owner: Resident, post_id: uuid.UUID, noun: str
) -> Any:
    post: Post | None = await session.get(model, post_id)
    if post is None or post.owner_id != owner.id:
        raise NotFound(f"No such {noun}.")  # someone else's post is not there to change
    return post


async def write(
    session: AsyncSession,
    post: Post,
    if_match: VersionMatch,
    values: dict[str, object],
    noun: str,
) -> None:
    """Apply `values` if the post is still at a version `if_match` accepts."""
    if not if_match.accepts(post.version):
        raise PreconditionFailed(
            f"This {noun} has changed (it is at version {post.version}); reload and try again."
        )
    model = type(post)
    changes.note(session, changes.POST_KINDS[model], post.id, changes.cell_audience(post.cell))
    # Conditional on the version read, so two concurrent edits cannot both win.
    result = await session.exec(
        update(model)
        .where(col(model.id) == post.id)
        .where(col(model.version) == post.version)
        .values(**values, version=post.version + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:
        raise PreconditionFailed(f"This {noun} changed while you were editing it; reload it.")
    await session.refresh(post)
