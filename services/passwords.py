"""Password hashing (argon2 via pwdlib) and the weak-password rule (zxcvbn)."""

from dataclasses import dataclass, field

import anyio.to_thread
from anyio import CapacityLimiter
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from zxcvbn import zxcvbn

from services.errors import InvalidInput

# zxcvbn's cost grows with length; a prefix judges strength just as well.
_STRENGTH_PREFIX = 64
MIN_STRENGTH_SCORE = 2  # zxcvbn: 0-1 guessable within an online attack's budget


@dataclass
class PasswordHasher:
    """Argon2id with settable cost. Hashing runs on a worker thread: it takes ~0.1 s of CPU."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    # Each hash holds a core for ~0.1 s; a burst of sign-ins queues here, not in the thread pool
    # that every other blocking call shares.
    max_concurrent: int = 4
    _hash: PasswordHash = field(init=False)
    _dummy: str = field(init=False)
    _slots: CapacityLimiter | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._hash = PasswordHash(
            (Argon2Hasher(time_cost=self.time_cost, memory_cost=self.memory_cost_kib),)
        )
        # Checked against when the email is unknown, so that answer costs the same time.
        self._dummy = self._hash.hash("not a real password, only a timing twin")

    def _limiter(self) -> CapacityLimiter:
        # Made on first use: a limiter belongs to the running event loop.
        if self._slots is None:
            self._slots = CapacityLimiter(self.max_concurrent)
        return self._slots

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hash.hash, password, limiter=self._limiter())

    async def verify(self, password: str, password_hash: str | None) -> bool:
        matched, _ = await self.verify_and_update(password, password_hash)
        return matched

    async def verify_and_update(
        self, password: str, password_hash: str | None
    ) -> tuple[bool, str | None]:
        """(matched, a new hash if the stored one was made with an older cost, else None).

        With no stored hash (unknown email) the dummy is checked, so both paths cost alike.
        """
        target = password_hash if password_hash is not None else self._dummy
        matched, updated = await anyio.to_thread.run_sync(
            self._hash.verify_and_update, password, target, limiter=self._limiter()
        )
        if password_hash is None:
            return False, None
        return matched, updated


def check_strength(password: str, *, personal: list[str]) -> None:
    """Refuse passwords an attacker would guess early, including ones built from `personal`."""
    result = zxcvbn(password[:_STRENGTH_PREFIX], user_inputs=personal)
    if result["score"] < MIN_STRENGTH_SCORE:
        feedback = result["feedback"]
        hint = feedback["warning"] or " ".join(feedback["suggestions"]) or "It is easy to guess."
        raise InvalidInput(f"This password is too weak. {hint}".strip(), field=("password",))
