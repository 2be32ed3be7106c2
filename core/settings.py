"""pace's configuration: one pydantic-settings class read from the environment (DESIGN.md's variables).

Every layer takes a `Settings` object rather than reading `os.environ`, so tests build one with the
values they need and nothing leaks between them.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import UserError


class SettingsError(UserError):
    """A configuration value is malformed; the message names the variable and the fix."""


def default_db_path() -> Path:
    """The warehouse under the user's data directory (XDG_DATA_HOME or ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pace" / "warehouse.duckdb"


class Settings(BaseSettings):
    """Run-time configuration; every field falls back to the environment variable named in its alias."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    db: Path = Field(default_factory=default_db_path, alias="PACE_DB", description="Warehouse DuckDB file.")
    as_of: date | None = Field(
        default=None,
        alias="PACE_AS_OF",
        description="Date that relative time ('last week') resolves against; default: last complete day of data.",
    )
    engine: Literal["duckdb", "spark"] = Field(default="duckdb", alias="PACE_ENGINE")
    openai_api_key: str | None = Field(default=None, alias="OPENAI_API_KEY", repr=False)
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    model: str = Field(default="gpt-4o-mini", alias="PACE_MODEL")
    llm_prompt_tokens: int = Field(
        default=1600, alias="PACE_LLM_PROMPT_TOKENS", ge=500,
        description="Token budget of one LLM planning request (prompt, question and tool schemas); "
        "set it below your model's context window minus room for the reply.",
    )
    llm_timeout_s: float = Field(default=60.0, alias="PACE_LLM_TIMEOUT_S", gt=0,
                                 description="Seconds one LLM request may take (a small local model on a CPU is slow).")
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN", repr=False)
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN", repr=False)
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET", repr=False)
    spark_master: str = Field(default="local[2]", alias="PACE_SPARK_MASTER")
    warehouse_path: str | None = Field(
        default=None, alias="PACE_WAREHOUSE_PATH",
        description="Parquet export for Spark: a folder or an object-store URL (s3a://...); default <db>.parquet beside the DB.",
    )
    query_timeout_s: float = Field(default=30.0, alias="PACE_QUERY_TIMEOUT_S", gt=0)
    memory_limit: str = Field(default="4GB", alias="PACE_MEMORY_LIMIT")
    threads: int = Field(default=2, alias="PACE_THREADS", ge=1)
    row_limit: int = Field(default=10_000, alias="PACE_ROW_LIMIT", ge=1)
    scan_timeout_s: float = Field(default=300.0, alias="PACE_SCAN_TIMEOUT_S", gt=0,
                                  description="Seconds one `pace scan` query may take (scans read far more than answers).")
    scan_memory_limit: str = Field(default="4GB", alias="PACE_SCAN_MEMORY_LIMIT",
                                   description="Memory for one `pace scan`: half is DuckDB's limit (it spills beyond it), "
                                               "a third sizes the chunks of the shared team-pool-hour grid.")

    @field_validator("openai_api_key", "openai_base_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def llm_configured(self) -> bool:
        """An LLM planner can run: a key, or a base URL of a local OpenAI-compatible server."""
        return bool(self.openai_api_key or self.openai_base_url)


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus explicit overrides, with errors that name the variable."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
            problems.append(f"{alias or field}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("bad configuration: " + "; ".join(problems)) from None
