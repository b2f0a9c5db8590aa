"""Every error leaves as an RFC 9457 `application/problem+json` body, and says so in OpenAPI."""

import logging
import traceback
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db_faults import RETRY_AFTER_S, database_unavailable
from services.errors import DomainError, InvalidInput, RateLimited, SignInAgain

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("kith.errors")


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Path to the field, e.g. ['body', 'home', 'lat'].")
    msg: str
    type: str


class Problem(BaseModel):
    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str = Field(description="A short summary that is the same for every occurrence.")
    status: int
    detail: str | None = Field(default=None, description="What went wrong this time.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldError] | None = Field(
        default=None, description="For validation problems: one entry per bad field."
    )


def problem_response(
    request: Request,
    status: int,
    *,
    slug: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"/problems/{slug}" if slug else "about:blank",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(request, exc)


def domain_problem(request: Request, exc: DomainError) -> JSONResponse:
    """The problem response for a domain error, with the headers its kind calls for; also
    for middleware, which answers before any exception handler is reached."""
    headers = {}
    errors = None
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, SignInAgain):
        headers["WWW-Authenticate"] = (
            f'Bearer error="insufficient_user_authentication", max_age={exc.max_age_s}'
        )
    if isinstance(exc, InvalidInput) and exc.field:
        # Fields name their place like FastAPI's own errors: the body unless said otherwise.
        located = exc.field[0] in ("body", "query", "header", "path")
        loc = list(exc.field) if located else ["body", *exc.field]
        errors = [FieldError(loc=loc, msg=exc.detail, type=exc.slug)]
    return problem_response(
        request,
        exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=errors,
        headers=headers or None,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Never echo the rejected input back: it may be a password.
    errors = [
        FieldError(loc=list(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e.get("type")))
        for e in exc.errors()
    ]
    return problem_response(
        request,
        422,
        slug="validation",
        title="The request is not valid",
        detail=f"{len(errors)} field(s) need attention.",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's bare 400 for a body it could not parse at all (not UTF-8, nested deeper
        # than the JSON parser goes, a broken form): a bad payload, so a 422 like the
        # malformed JSON that FastAPI itself reports as a validation error.
        return problem_response(
            request,
            422,
            slug="validation",
            title="The request is not valid",
            detail="The request body could not be parsed.",
            errors=[FieldError(loc=["body"], msg="Could not be parsed.", type="body_unparseable")],
        )
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(request, exc.status_code, detail=detail, headers=headers)


def log_unexpected(exc: BaseException) -> None:
    """Log where it broke, never what it said: exception messages carry data (PostgreSQL's
    "Key (email)=(...) already exists", a value that failed to parse), and logs must not."""
    chain: list[str] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(f"{type(cause).__module__}.{type(cause).__qualname__}")
        cause = cause.__cause__ or cause.__context__
    extra: dict[str, object] = {
        "error_types": chain,
        "stack": "".join(traceback.format_tb(exc.__traceback__)),
    }
    if isinstance(exc, DBAPIError):
        extra["statement"] = exc.statement  # placeholders only; parameters stay out
    logger.error("unhandled error", extra=extra)


class UnexpectedErrors:
    """Turns whatever escaped every handler into a 500 problem, logged by `log_unexpected`.

    A pure middleware rather than an `Exception` handler: Starlette re-raises after such a
    handler, and the server would then log the exception with its message.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log_unexpected(exc)
            if started:
                return  # the client sees a cut-off response; nothing more can be sent
            if database_unavailable(exc):  # its transaction never committed: safe to retry
                response = problem_response(
                    Request(scope),
                    503,
                    detail="Kith cannot reach its database just now. Nothing was saved; "
                    "try again in a few seconds.",
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            else:
                response = problem_response(
                    Request(scope),
                    500,
                    detail="Something went wrong on our side. It has been logged.",
                )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry that documents these error statuses as problem+json."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
