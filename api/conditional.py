"""ETag and If-Match: versions on the wire, so two phones editing one post cannot clobber."""

from typing import Annotated

from fastapi import Depends, Header, Response

from services.errors import PreconditionRequired
from services.posts import VersionMatch


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            max_length=200,
            description='The ETag you last read, e.g. `"3"`. Required; 412 if it is stale.',
        ),
    ] = None,
) -> VersionMatch:
    if if_match is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag you last read, so that you do not overwrite a newer "
            "change."
        )
    if if_match.strip() == "*":
        return VersionMatch(any_version=True)
    versions = set()
    for tag in if_match.split(","):
        tag = tag.strip()
        # Weak tags never match under If-Match (RFC 9110 strong comparison). ASCII digits
        # only: "²" is a digit to str.isdigit, not to int().
        body = tag[1:-1]
        if len(tag) >= 2 and tag[0] == tag[-1] == '"' and body.isascii() and body.isdigit():
            versions.add(int(body))
    return VersionMatch(versions=frozenset(versions))


IfMatch = Annotated[VersionMatch, Depends(_if_match)]
