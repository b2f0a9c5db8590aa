"""A NUL character in a request body is refused as bad input, on every database alike.

PostgreSQL cannot store U+0000 in a text (or JSON) column, and no field of Kith means one:
without this, a NUL would be a 500 on PostgreSQL and stored on SQLite. Path and query
parameters are typed (ids, dates, enums) or decoded strictly (cursors, tokens), so they need
no check of their own.
"""

from fastapi import Request
from fastapi.routing import APIRoute

from services.errors import InvalidInput

NUL = "\x00"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
Location = tuple[str | int, ...]


def _nul_at(document: object) -> Location | None:
    """Where the first string (or object key) holding a NUL is, if any. A loop, not
    recursion: a body may nest as deep as the JSON parser allows."""
    pending: list[tuple[object, Location]] = [(document, ())]
    while pending:
        value, where = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if NUL in key:
                    return (*where, key.replace(NUL, "\N{REPLACEMENT CHARACTER}"))
                pending.append((item, (*where, key)))
        elif isinstance(value, list):
            pending.extend((item, (*where, index)) for index, item in enumerate(value))
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""  # an uploaded file's bytes may hold anything


def _is_json(content_type: str) -> bool:
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def refuse_nul_bytes(request: Request) -> None:
    """An app-wide dependency: it runs after FastAPI has parsed the body (so reading it
    again costs nothing) and before the route's own dependencies and validation."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return
    content_type = request.headers.get("content-type", "")
    where: Location | None = None
    if content_type.lower().startswith(_FORMS):
        form = await request.form()
        where = next(
            ((name,) for name, value in form.multi_items() if NUL in name + _text(value)),
            None,
        )
    # In JSON a NUL can only be written as the escape \u0000: no escape, nothing to walk.
    elif _is_json(content_type) and b"\\u0000" in await request.body():
        where = _nul_at(await request.json())
    if where is not None:
        raise InvalidInput("Text may not contain NUL (U+0000) characters.", field=("body", *where))
