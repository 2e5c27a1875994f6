"""Settings from the environment (prefix LOCATOR_), so every worker is configured the same way."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The checkout (or image folder) holding the package beside data/ and static/: the install is
# editable in `make` and in the Dockerfile, so these stay where the repository has them.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
STATIC_DIR = PROJECT_ROOT / "static"


class Settings(BaseSettings):
    """Process settings; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="LOCATOR_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: the project's private development cluster.",
    )
    read_database_url: str | None = Field(
        default=None,
        description="A streaming read replica of database_url for the public reads (pages, "
        "nearest, listing, OGC, coverage, downloads). Unset: reads use database_url. Writes, "
        "editors, the change feed and /readyz always use database_url.",
    )
    replica_max_lag_s: float = Field(
        default=10,
        gt=0,
        le=3600,
        description="Reads go to the primary while the replica is further behind than this "
        "(or unreachable), so a reported broken hoist is never hidden for longer.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    pool_size: int = Field(default=20, ge=1, le=200)
    statement_timeout_ms: int = Field(default=5000, ge=100)
    header_timeout_s: float = Field(
        default=10,
        gt=0,
        le=120,
        description="A connection must send its request headers within this (new or kept "
        "alive); idle kept-alive connections are closed after it too.",
    )
    body_timeout_s: float = Field(
        default=10, gt=0, le=120, description="Longest pause allowed while a body arrives."
    )
    pool_acquire_timeout_s: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="Longest a request waits for a database connection before a 503.",
    )
    log_level: str = "info"
    tile_url: str = Field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="Map tile URL template for the pages ({z}/{x}/{y}).",
    )
    tile_attribution: str = Field(
        default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
        " contributors",
        description="Attribution the tile provider requires (HTML).",
    )
    tile_max_zoom: int = Field(default=19, ge=1, le=22)
    online_geocoder: bool = Field(
        default=False,
        description="Ask Nominatim (through geopy) first; local data is the fallback.",
    )
    nominatim_domain: str = "nominatim.openstreetmap.org"
    geocoder_timeout_s: float = Field(default=3.0, gt=0, le=30)
    geocoder_user_agent: str = "changing-places-locator"
    rate_limit_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests each client address may make per minute (0: no limit). Counted "
        "per worker process, or across all of them with redis_url.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for rate limits shared by every worker and machine, e.g. "
        "redis://127.0.0.1:6379/0. Unset: each worker counts in its own memory.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (uvicorn's forwarded_allow_ips). Unset: none, so a "
        "client cannot pick its own address for the rate limits.",
    )
    stale_after_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="An equipment state older than this is shown as the last known state, "
        "never as current, and counts as unknown in filters.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs session cookies and form tokens. Unset: a random key the service "
        "makes once and keeps in the database (shared by every worker).",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The address people reach the service at: door signs' QR codes and links.",
    )
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated host names the service answers to, besides the host of "
        "public_url, localhost and 127.0.0.1 (any other Host header gets 400, so links the "
        "service builds can never point elsewhere).",
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="Mark cookies Secure. Unset: when public_url is https.",
    )
    session_hours: float = Field(default=8, gt=0, le=24 * 30, description="Editors' sessions.")
    photo_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "photos",
        description="Where uploaded photos are kept (create it writable by the service).",
    )
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    reports_per_hour: int = Field(
        default=10,
        ge=1,
        description="Problem reports one address may send per hour (kept in memory only).",
    )
    sign_ins_per_15_min: int = Field(
        default=10, ge=1, description="Sign-in attempts per address and per email address."
    )
    cache_max_age_s: int = Field(
        default=60, ge=0, description="How long clients and proxies may reuse a GET response."
    )


def allowed_hosts(settings: Settings) -> list[str]:
    """Every host name the service answers to."""
    public = urlsplit(settings.public_url).hostname or ""
    extra = [h.strip() for h in settings.allowed_hosts.split(",") if h.strip()]
    return sorted({"127.0.0.1", "localhost", "::1", public, *extra} - {""})


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()
