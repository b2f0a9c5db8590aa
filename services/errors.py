"""The domain's errors. `api/errors.py` turns each into an RFC 9457 problem response."""

from typing import ClassVar


class DomainError(Exception):
    """Base of every error a caller can act on; `detail` is safe to show them."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    # Most errors undo the request's writes; a few exist to record something (a revocation).
    keeps_changes: ClassVar[bool] = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Absent, or present but not the caller's to see: the two look the same on purpose."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class Unauthenticated(DomainError):
    status = 401
    slug = "unauthenticated"
    title = "Not signed in"


class SignInAgain(Unauthenticated):
    """Step-up (RFC 9470): the act needs a sign-in with the password in the last `max_age_s`
    seconds, not only a valid token."""

    slug = "sign-in-again"
    title = "Sign in again to confirm"

    def __init__(self, detail: str, max_age_s: int) -> None:
        super().__init__(detail)
        self.max_age_s = max_age_s


class Forbidden(DomainError):
    """Only for acts on things the caller may see but not do (seeing is handled by NotFound)."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class PreconditionFailed(DomainError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class InvalidInput(DomainError):
    """Well-formed input that the domain rejects (a weak password, say)."""

    status = 422
    slug = "invalid-input"
    title = "Invalid input"

    def __init__(self, detail: str, field: tuple[str | int, ...] = ()) -> None:
        super().__init__(detail)
        self.field = field


class RateLimited(DomainError):
    status = 429
    slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class PreconditionRequired(DomainError):
    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class Unavailable(DomainError):
    """A service Kith depends on (the geocoder, say) did not answer: try again later."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"


class Gone(DomainError):
    """What the caller asked to continue from no longer exists (a sync token too old)."""

    status = 410
    slug = "gone"
    title = "Gone"
