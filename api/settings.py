"""Configuration from the environment (pydantic-settings), built on first use, never at import."""

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.alert_waves import AlertPolicy, Pace
from services.alerts import Alerting
from services.auth import TokenSettings
from services.geocoding import GeocoderSettings
from services.matching import MatchingWeights
from services.trust import TrustSettings
from services.webhook_urls import WebhookPolicy

# Only good for a laptop: production refuses to start with it.
DEV_JWT_SECRET = "kith-development-only-secret-do-not-deploy-0000"


class AuthSettings(BaseModel):
    jwt_secret: SecretStr = Field(default=SecretStr(DEV_JWT_SECRET))
    access_ttl_s: int = Field(default=900, ge=60, le=86_400)
    refresh_ttl_days: int = Field(default=30, ge=1, le=365)
    # argon2id cost; the defaults are pwdlib's recommendation. Tests lower them for speed.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=1024)
    # How many password hashes may run at once per process: each is ~0.1 s of one core.
    max_concurrent_hashes: int = Field(default=4, ge=1)

    def tokens(self) -> TokenSettings:
        return TokenSettings(
            secret=self.jwt_secret.get_secret_value(),
            access_ttl=timedelta(seconds=self.access_ttl_s),
            refresh_ttl=timedelta(days=self.refresh_ttl_days),
        )


class RateLimitSettings(BaseModel):
    """`limits` notation, e.g. '5/minute'. Shared between replicas when REDIS_URL is set."""

    login_per_account: str = "5/minute;20/hour"
    login_per_client: str = "20/minute;200/hour"
    # A connector signing up a room of neighbours shares one address: generous per hour.
    register_per_client: str = "30/hour"
    refresh_per_client: str = "60/minute"
    # A six-digit code is guessable by brute force; an attendee needs one or two tries.
    check_in_per_resident: str = "5/minute;20/hour"
    # Every request but the probes and /metrics (api/rate_limits.py), against runaway clients
    # rather than normal use. A phone syncing after a day offline makes a few dozen requests
    # in a burst: 10 a second sustained is far above that. An integrator backfilling pages
    # through at up to 50 a second. The address limit counts on top of either, so it sits
    # above one key's quota (an integrator runs from one host) with room for the many phones
    # that share a community centre's wifi during an event.
    per_resident: str = "600/minute"
    per_api_key: str = "3000/minute"
    per_address: str = "3600/minute"


class TrustConfig(BaseModel):
    tie_half_life_days: float = Field(default=180.0, gt=0, le=3650)
    two_hop_damping: float = Field(default=0.5, gt=0, le=1)

    def settings(self) -> TrustSettings:
        return TrustSettings(self.tie_half_life_days, self.two_hop_damping)


class MatchingConfig(BaseModel):
    """The weights of `services.matching`'s formula (`KITH_MATCHING__PROXIMITY`, ...)."""

    proximity: float = Field(default=0.35, ge=0, le=1)
    trust: float = Field(default=0.40, ge=0, le=1)
    availability: float = Field(default=0.15, ge=0, le=1)
    record: float = Field(default=0.10, ge=0, le=1)
    fairness: float = Field(default=0.15, ge=0, lt=1)

    def weights(self) -> MatchingWeights:
        return MatchingWeights(
            self.proximity, self.trust, self.availability, self.record, self.fairness
        )


class PaceConfig(BaseModel):
    """One pace of alert waves (`services.alert_waves.Pace`): the usual one."""

    first_wave: int = Field(default=3, ge=1, le=50)
    growth: float = Field(default=2.0, ge=1, le=5)
    interval_s: int = Field(default=900, ge=10, le=86_400)
    max_waves: int = Field(default=4, ge=1, le=20)
    keep_trying_h: float = Field(default=48, gt=0, le=24 * 30)

    def pace(self) -> Pace:
        return Pace(
            self.first_wave,
            self.growth,
            timedelta(seconds=self.interval_s),
            self.max_waves,
            timedelta(hours=self.keep_trying_h),
        )


class CrisisPaceConfig(PaceConfig):
    """The pace where crisis mode is on: a bigger first wave, one every 5 minutes, more of
    them, each half as big again as the last (chosen with `kith crisis-replay`: faster
    waves than that mostly alert people before the first have had time to answer, and use
    up their daily caps). Its own defaults, so that one variable changes one of them."""

    first_wave: int = Field(default=4, ge=1, le=50)
    growth: float = Field(default=1.5, ge=1, le=5)
    interval_s: int = Field(default=300, ge=10, le=86_400)
    max_waves: int = Field(default=6, ge=1, le=20)
    keep_trying_h: float = Field(default=24, gt=0, le=24 * 30)


class CrisisConfig(BaseModel):
    """Alerts for new requests (`KITH_CRISIS__NORMAL__FIRST_WAVE`, ...), at the usual pace and
    at the pace of a neighbourhood in crisis mode; and welfare check-ins."""

    normal: PaceConfig = PaceConfig()
    crisis: CrisisPaceConfig = CrisisPaceConfig()
    rotation: float = Field(default=0.5, ge=0, le=10)
    # An "are you OK?" unanswered this long goes to the connector queue for a phone call.
    check_in_answer_within_min: int = Field(default=120, ge=5, le=24 * 60)

    def policy(self) -> AlertPolicy:
        return AlertPolicy(self.normal.pace(), self.crisis.pace(), self.rotation)

    @property
    def answer_within(self) -> timedelta:
        return timedelta(minutes=self.check_in_answer_within_min)


class GeocoderConfig(BaseModel):
    """A Nominatim-compatible server for assisted residents' addresses
    (`KITH_GEOCODER__URL`, ideally one you host: addresses are personal data)."""

    url: str = Field(default="https://nominatim.openstreetmap.org", max_length=300)
    user_agent: str = Field(default="kith-mutual-aid", max_length=200)
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    country_codes: str | None = Field(default="gb", max_length=100)

    def settings(self) -> GeocoderSettings:
        return GeocoderSettings(self.url, self.user_agent, self.timeout_s, self.country_codes)


class HttpSettings(BaseModel):
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)


class LiveSettings(BaseModel):
    """The live notification stream (`GET /v1/notifications/stream`)."""

    # How often an idle stream re-reads the database (so a lost wake-up only delays) and
    # sends a comment that keeps proxies from closing it.
    keepalive_s: float = Field(default=15.0, gt=0, le=300)
    # Per server process: each open stream holds a connection and a task.
    max_streams_per_resident: int = Field(default=5, ge=1, le=100)


class ReadModelSettings(BaseModel):
    """Each server's in-memory copy of what candidate rankings read, kept fresh from the
    database's row-change stream (docs/scaling.md). Off: rankings read the database.

    `max_staleness_ms`: how old a copy may answer. A listing of candidates is a suggestion;
    asking one of them re-checks everything on the primary, so a copy a moment old can never
    reach someone blocked or suspended. 0: catch up before every ranking (one small query).
    """

    enabled: bool = False
    max_staleness_ms: int = Field(default=250, ge=0, le=60_000)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITH_", env_nested_delimiter="__", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default="sqlite+aiosqlite:///./kith.db",
        validation_alias=AliasChoices("DATABASE_URL", "KITH_DATABASE_URL"),
    )
    database_read_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_READ_URL", "KITH_DATABASE_READ_URL"),
        description="A read replica of DATABASE_URL for the nearby feeds (docs/scaling.md); "
        "unset: the feeds read the primary.",
    )
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "KITH_REDIS_URL")
    )
    webhook_allowed_hosts: str = Field(
        default="",
        max_length=2000,
        validation_alias=AliasChoices("WEBHOOK_ALLOWED_HOSTS", "KITH_WEBHOOK_ALLOWED_HOSTS"),
        description="Comma-separated hosts webhooks may reach although they resolve to a "
        "private or loopback address (and, outside production, over plain http).",
    )
    run_worker: bool = Field(
        default=True, description="`kith serve` also runs the background worker in-process."
    )
    worker_interval_s: float = Field(default=5.0, gt=0, le=300)
    log_level: str = "INFO"
    auth: AuthSettings = AuthSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    http: HttpSettings = HttpSettings()
    live: LiveSettings = LiveSettings()
    trust: TrustConfig = TrustConfig()
    matching: MatchingConfig = MatchingConfig()
    crisis: CrisisConfig = CrisisConfig()
    geocoder: GeocoderConfig = GeocoderConfig()
    read_model: ReadModelSettings = ReadModelSettings()

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> "Settings":
        if self.environment == "production":
            secret = self.auth.jwt_secret.get_secret_value()
            if secret == DEV_JWT_SECRET or len(secret) < 32:
                raise ValueError(
                    "KITH_AUTH__JWT_SECRET must be set to a random value of at least 32 "
                    "characters in production"
                )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()


def webhook_policy(settings: Settings) -> WebhookPolicy:
    hosts = {h.strip().lower() for h in settings.webhook_allowed_hosts.split(",") if h.strip()}
    return WebhookPolicy(frozenset(hosts), production=settings.environment == "production")


def alerting(settings: Settings) -> Alerting:
    return Alerting(
        settings.crisis.policy(), settings.trust.settings(), settings.matching.weights()
    )
