"""ETags on every successful GET, and 304 Not Modified when the client already has it: a
phone on a metered connection re-checks a post or the first page of a feed for a few bytes.

Resources that carry a version ETag (for If-Match) keep it; other answers get a weak ETag
from a hash of the body. Streams pass straight through."""

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STREAMED = (b"text/event-stream",)


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): `W/"x"` and `"x"` are the same for a GET."""
    if if_none_match.strip() == "*":
        return True
    return _opaque(etag) in {_opaque(tag) for tag in if_none_match.split(",")}


class ConditionalGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                if message["status"] != 200 or headers.get("content-type", "").encode().startswith(
                    STREAMED
                ):
                    await send(message)  # not ours to hold back
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(start, b"".join(chunks), if_none_match, send)

        await self.app(scope, receive, buffered_send)

    @staticmethod
    async def _finish(start: Message, body: bytes, if_none_match: str | None, send: Send) -> None:
        headers = MutableHeaders(raw=list(start["headers"]))
        etag = headers.get("etag")
        if etag is None:
            etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
            headers["etag"] = etag
        if "cache-control" not in headers:
            headers["cache-control"] = "private, no-cache"  # per person: check back each time
        if if_none_match is not None and matches(if_none_match, etag):
            kept = [
                (name, value)
                for name, value in headers.raw
                if name not in (b"content-length", b"content-type")
            ]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
