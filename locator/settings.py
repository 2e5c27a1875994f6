"""Settings from the environment (prefix LOCATOR_), so every worker is configured the same way."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process settings; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="LOCATOR_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: the project's private development cluster.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    pool_size: int = Field(default=10, ge=1, le=200)
    statement_timeout_ms: int = Field(default=5000, ge=100)
    log_level: str = "info"


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process."""
    return Settings()
