"""Process settings, read from the environment (``RINGBACK_*``) or passed explicitly."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/ringback.db"


class Settings(BaseSettings):
    """Everything a node needs to run; the product configuration itself lives in the database."""

    model_config = SettingsConfigDict(env_prefix="RINGBACK_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: str = "info"

    # The scheduler sleeps until the earliest due time it knows of, but never longer than this,
    # so that callbacks created by another node sharing the database are seen in time.
    scheduler_max_sleep_seconds: float = Field(default=1.0, gt=0, le=60)
    scheduler_batch_size: int = Field(default=500, ge=1, le=10_000)
    # Offers one routing pass makes at most: small passes keep each decision short and let a
    # busy node interleave routing with requests; the loop repeats while passes make offers.
    routing_batch_size: int = Field(default=20, ge=1, le=1_000)
    stats_interval_seconds: float = Field(default=15.0, gt=0)

    # Default request budgets; an API key may carry its own per-minute budget.
    rate_limit_per_key_per_minute: int = Field(default=600, ge=1)
    rate_limit_per_phone_per_hour: int = Field(default=10, ge=1)
    # Failed sign-ins allowed per login and per client address in each fixed window; past
    # either, sign-in is refused (429) without a look at the password until the window ends.
    # Sites where many agents share one address (NAT) may need a larger per-address budget.
    sign_in_failures_per_login: int = Field(default=5, ge=1)
    sign_in_failures_per_address: int = Field(default=20, ge=1)
    sign_in_failure_window_minutes: int = Field(default=15, ge=1, le=1440)
    # Origins (scheme://host[:port]) whose pages may open the event stream with the session
    # cookie, besides the origin each request was made to: the public origin of a proxy that
    # changes the scheme or host. Comma-separated in RINGBACK_ALLOWED_ORIGINS.
    allowed_origins: Annotated[list[str], NoDecode] = []

    idempotency_ttl_hours: int = Field(default=24, ge=1)

    # The incumbents' callback APIs (docs/migrating.md), each of which a node may leave out:
    # Genesys Cloud's /api/v2/conversations/callbacks, and GMS's /genesys/1 and /genesys/2.
    # POST /oauth/token serves while either is on; its tokens last oauth_token_seconds.
    genesys_cloud_api: bool = True
    gms_api: bool = True
    oauth_token_seconds: int = Field(default=3600, ge=60, le=86_400)

    # A request body over this many bytes is refused with 413 before it is read whole (the
    # largest legitimate one, an agent's e-mail of 100,000 characters, fits).
    max_request_bytes: int = Field(default=1_048_576, ge=1024)

    # The switch service every node shares (`ringback switch`), e.g. http://10.0.0.5:8100; when
    # unset, the node runs the simulated switch in-process, on its own.
    switch_url: str | None = None

    # Outgoing e-mail (an agent's e-mail to a contact) goes through this SMTP relay.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False  # require STARTTLS before authenticating and sending
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = "Ringback <ringback@localhost>"
    # A transient failure is retried after email_retry_seconds, doubling each time (at most an
    # hour), until email_max_attempts attempts were made; then the e-mail is marked failed.
    email_max_attempts: int = Field(default=5, ge=1, le=50)
    email_retry_seconds: float = Field(default=60.0, gt=0)

    # Webhooks (docs/webhooks.md): deliveries sent at once by this node, and to one endpoint;
    # how long an endpoint may take to answer; how long a failing delivery is tried again
    # before its endpoint is disabled; how long events are kept for redelivery.
    webhook_concurrency: int = Field(default=16, ge=1, le=1000)
    webhook_endpoint_concurrency: int = Field(default=4, ge=1, le=1000)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    webhook_retry_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    webhook_retention_days: int = Field(default=7, ge=1, le=366)
    # How often callbacks waiting past their service's expire_after_hours are looked for.
    expiry_interval_seconds: float = Field(default=60.0, gt=0, le=3600)

    # The customer's page (docs/customers.md). Links are signed with a key derived from
    # secret_key, which every node must share; when unset, one is made at first start and kept
    # in the database. A link stops working customer_link_days after its callback ended.
    # public_url (e.g. https://callbacks.bank.example) makes absolute links; when unset, the
    # Callback API answers with links on the address each request was made to.
    secret_key: SecretStr | None = None
    customer_link_days: int = Field(default=7, ge=1, le=366)
    public_url: str | None = None
    # Changes (move, note, cancel) customers' pages may make per hour, per callback and per number.
    customer_actions_per_hour: int = Field(default=20, ge=1)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("database URL must start with sqlite:// or postgresql://")
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origin_list(cls, value: object) -> object:
        origins = value.split(",") if isinstance(value, str) else value
        if not isinstance(origins, list):
            return value
        origins = [str(origin).strip().rstrip("/") for origin in origins if str(origin).strip()]
        for origin in origins:
            if not origin.startswith(("http://", "https://")):
                raise ValueError(f"an origin is scheme://host[:port], not {origin!r}")
        return origins

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"the public URL is http(s)://host[:port][/path], not {value!r}")
        return value

    @field_validator("mail_from")
    @classmethod
    def _mailbox(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError("mail_from must be an address, e.g. 'Bank <contact@bank.example>'")
        return value
