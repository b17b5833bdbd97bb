"""Settings from the environment (prefix ``HABITLOOP_``), built by ``load_settings``, never at
import.

The plain names an existing deployment's ``.env`` uses (``ENABLE_DYNAMIC_PLANS``,
``TASK_LIBRARY_VERSION``, ``FEEDBACK_COLLECTION_ENABLED``, ``ADAPTIVE_LEARNING_ENABLED``,
``WEEKLY_SUMMARIES_ENABLED``, ``ROTATION_THRESHOLD_HOURS``) are read as well.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from limits import parse_many
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from habitloop.core.vocab import Strategy

MIN_SECRET_LENGTH = 32
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def _env(name: str, *, legacy: bool = False) -> Any:
    names = [f"HABITLOOP_{name}", name] if legacy else [f"HABITLOOP_{name}"]
    return AliasChoices(name.lower(), *names)


class Settings(BaseSettings):
    # Inputs stay out of error messages: several settings are secrets.
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
        hide_input_in_errors=True,
    )

    environment: Literal["development", "production"] = Field(
        "development", validation_alias=_env("ENVIRONMENT")
    )
    database_url: str = Field("sqlite:///./habitloop.db", validation_alias=_env("DATABASE_URL"))
    migration_database_url: str | None = Field(
        None,
        validation_alias=_env("MIGRATION_DATABASE_URL"),
        description=(
            "PostgreSQL: the tables' owner, for migrations; unset: DATABASE_URL. The service "
            "itself logs in as a role that owns nothing (README, Security)"
        ),
    )
    db_pool_size: int = Field(10, ge=1, le=200, validation_alias=_env("DB_POOL_SIZE"))
    db_max_overflow: int = Field(10, ge=0, le=200, validation_alias=_env("DB_MAX_OVERFLOW"))
    # PostgreSQL only (a SQLite worker runs one transaction at a time): more threads waiting on
    # a loopback server cost the worker more CPU than they save; a far database wants more.
    db_lanes: int = Field(2, ge=1, le=200, validation_alias=_env("DB_LANES"))
    sqlite_busy_timeout_ms: int = Field(
        10_000, ge=0, le=600_000, validation_alias=_env("SQLITE_BUSY_TIMEOUT_MS")
    )

    jwt_secret: SecretStr | None = Field(None, validation_alias=_env("JWT_SECRET"))
    jwt_secret_file: Path | None = Field(None, validation_alias=_env("JWT_SECRET_FILE"))
    token_ttl_seconds: int = Field(
        3600, ge=60, le=366 * 86400, validation_alias=_env("TOKEN_TTL_SECONDS")
    )
    token_max_ttl_seconds: int = Field(
        86400,
        ge=60,
        le=366 * 86400,
        validation_alias=_env("TOKEN_MAX_TTL_SECONDS"),
        description="tokens whose expiry lies further ahead (or further from iat) are refused",
    )
    client_api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = Field(
        (),
        validation_alias=_env("CLIENT_API_KEYS"),
        description=(
            "keys (32+ characters) or their SHA-256 hex digests, comma-separated, that let an "
            "app act for any user on the compatibility routes through X-API-Key; empty: off"
        ),
    )

    enable_dynamic_plans: bool = Field(
        True, validation_alias=_env("ENABLE_DYNAMIC_PLANS", legacy=True)
    )
    task_library_version: str = Field(
        "v1", min_length=1, validation_alias=_env("TASK_LIBRARY_VERSION", legacy=True)
    )
    task_library_path: Path | None = Field(None, validation_alias=_env("TASK_LIBRARY_PATH"))
    feedback_collection_enabled: bool = Field(
        True, validation_alias=_env("FEEDBACK_COLLECTION_ENABLED", legacy=True)
    )
    adaptive_learning_enabled: bool = Field(
        True, validation_alias=_env("ADAPTIVE_LEARNING_ENABLED", legacy=True)
    )
    weekly_summaries_enabled: bool = Field(
        True, validation_alias=_env("WEEKLY_SUMMARIES_ENABLED", legacy=True)
    )
    rotation_threshold_hours: int = Field(
        48, ge=0, le=24 * 14, validation_alias=_env("ROTATION_THRESHOLD_HOURS", legacy=True)
    )

    default_strategy: Strategy | None = Field(
        None,
        validation_alias=_env("DEFAULT_STRATEGY"),
        description=(
            "unset: bandit when adaptive learning is enabled, else dynamic. While it is bandit, "
            "every user's bandit model learns from every answer; otherwise from a user's "
            "first bandit plan on"
        ),
    )
    profile_half_life_days: float = Field(
        14.0, gt=0, le=365, validation_alias=_env("PROFILE_HALF_LIFE_DAYS")
    )
    learner_interval_seconds: float = Field(
        1.0,
        ge=0,
        le=3600,
        validation_alias=_env("LEARNER_INTERVAL_SECONDS"),
        description=(
            "how often each worker learns from answers stored to be learned later; 0: "
            "never, leaving them to each user's next plan, answer or profile read and to "
            "`habitloop learning run`"
        ),
    )
    learner_users_per_round: int = Field(
        200, ge=1, le=100_000, validation_alias=_env("LEARNER_USERS_PER_ROUND")
    )
    learner_users_per_transaction: int = Field(
        10,
        ge=1,
        le=1000,
        validation_alias=_env("LEARNER_USERS_PER_TRANSACTION"),
        description="more saves commits; fewer holds SQLite's write turn for less time",
    )
    rotation_hours_discovery: int = Field(
        24, ge=0, le=24 * 14, validation_alias=_env("ROTATION_HOURS_DISCOVERY")
    )
    rotation_hours_establishment: int = Field(
        48, ge=0, le=24 * 14, validation_alias=_env("ROTATION_HOURS_ESTABLISHMENT")
    )
    rotation_hours_mastery: int = Field(
        72, ge=0, le=24 * 14, validation_alias=_env("ROTATION_HOURS_MASTERY")
    )
    archetype_weight: float = Field(0.7, ge=0, le=1, validation_alias=_env("ARCHETYPE_WEIGHT"))
    mode_weight: float = Field(0.3, ge=0, le=1, validation_alias=_env("MODE_WEIGHT"))
    exploration_epsilon: float = Field(
        0.1, ge=0, le=1, validation_alias=_env("EXPLORATION_EPSILON")
    )
    plan_seed_salt: str = Field("habitloop", validation_alias=_env("PLAN_SEED_SALT"))

    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=64 * 1_048_576, validation_alias=_env("MAX_BODY_BYTES")
    )
    plan_horizon_days: int = Field(
        366,
        ge=1,
        le=3660,
        validation_alias=_env("PLAN_HORIZON_DAYS"),
        description="how far past the server's today (UTC) a plan, or any other date, may lie",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", validation_alias=_env("LOG_LEVEL")
    )
    log_json: bool = Field(False, validation_alias=_env("LOG_JSON"))

    # Limits a person never reaches and a script hammering does (README, "Limits").
    rate_limit: bool = Field(True, validation_alias=_env("RATE_LIMIT"))
    rate_limit_user_writes: str = Field(
        "20/second;120/minute", validation_alias=_env("RATE_LIMIT_USER_WRITES")
    )
    rate_limit_address_writes: str = Field(
        "60/second;1200/minute", validation_alias=_env("RATE_LIMIT_ADDRESS_WRITES")
    )
    rate_limit_failed_auth: str = Field(
        "10/minute", validation_alias=_env("RATE_LIMIT_FAILED_AUTH")
    )
    metrics_token: SecretStr | None = Field(
        None,
        validation_alias=_env("METRICS_TOKEN"),
        description="a bearer token (32+ characters) for /metrics and the detailed health",
    )

    @field_validator("client_api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("client_api_keys")
    @classmethod
    def _long_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        # A short key can be guessed; the message counts characters and never shows the key.
        for number, key in enumerate(value, start=1):
            length = len(key.get_secret_value())
            if length < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"HABITLOOP_CLIENT_API_KEYS: key {number} of {len(value)} has {length} "
                    f"characters; each key needs at least {MIN_SECRET_LENGTH} (or give its "
                    "SHA-256 hex digest)"
                )
        return value

    @field_validator(
        "rate_limit_user_writes", "rate_limit_address_writes", "rate_limit_failed_auth"
    )
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"{value!r} is not a rate limit such as '20/second;120/minute'"
            ) from exc
        return value

    @field_validator("metrics_token")
    @classmethod
    def _long_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"HABITLOOP_METRICS_TOKEN needs at least {MIN_SECRET_LENGTH} characters"
            )
        return value

    @field_validator("jwt_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Only a configured secret is checked: the generated one is always long enough.
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"HABITLOOP_JWT_SECRET has {len(value.get_secret_value())} characters; it needs "
                f"at least {MIN_SECRET_LENGTH} (Supabase: the project's JWT secret), or leave it "
                "unset on SQLite to have one generated beside the database"
            )
        return value

    @model_validator(mode="after")
    def _token_lifetimes(self) -> Settings:
        # The server would refuse the tokens its own `habitloop token` printed.
        if self.token_ttl_seconds > self.token_max_ttl_seconds:
            raise ValueError(
                f"HABITLOOP_TOKEN_TTL_SECONDS ({self.token_ttl_seconds}) exceeds "
                f"HABITLOOP_TOKEN_MAX_TTL_SECONDS ({self.token_max_ttl_seconds})"
            )
        return self

    @model_validator(mode="after")
    def _safe_in_production(self) -> Settings:
        if self.archetype_weight + self.mode_weight <= 0:
            raise ValueError("archetype_weight and mode_weight must not both be zero")
        if self.environment == "production":
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"HABITLOOP_JWT_SECRET must be set to at least {MIN_SECRET_LENGTH} "
                    "characters in production"
                )
        return self

    @property
    def strategy(self) -> Strategy:
        """The strategy a plan gets when the request names none: the one that completed most on
        the simulator's comparison across user-model families (``docs/evaluation/families.md``)."""
        if self.default_strategy is not None:
            return self.default_strategy
        return Strategy.BANDIT if self.adaptive_learning_enabled else Strategy.DYNAMIC

    @property
    def client_key_digests(self) -> tuple[bytes, ...]:
        """The SHA-256 digest of each client key: 64 hex digits are read as a digest already,
        so a deployment can keep only digests in its configuration."""
        return tuple(_key_digest(key.get_secret_value()) for key in self.client_api_keys)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None for PostgreSQL or an in-memory database."""
        if not self.is_sqlite:
            return None
        path = (
            self.database_url.split("://", 1)[1].lstrip("/") if "://" in self.database_url else ""
        )
        if self.database_url.startswith("sqlite:////"):
            path = "/" + path
        if not path or path == ":memory:":
            return None
        return Path(path)


def _key_digest(key: str) -> bytes:
    if SHA256_HEX.fullmatch(key):
        return bytes.fromhex(key)
    return hashlib.sha256(key.encode()).digest()


def load_settings(**overrides: Any) -> Settings:
    """Read the environment (and ``.env``), with explicit overrides on top."""
    return Settings(**overrides)
