"""One typed settings object, read from the environment (prefix ``DUALUSE_``) and an optional ``.env`` file.

Created once at the entry point and passed down; nothing else reads the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.errors import ConfigurationError

AnswerMode = Literal["auto", "extractive", "llm"]


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("dualuse-assistant", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUALUSE_", env_file=".env", extra="ignore", populate_by_name=True)

    # -- state ---------------------------------------------------------------------------------------------
    data_dir: Path = Field(default_factory=_default_data_dir, description="Holds all state: index, database, caches.")
    chroma_url: str | None = Field(
        None, description="A Chroma server (http://host:8000) instead of the embedded index."
    )

    # -- embeddings ----------------------------------------------------------------------------------------
    embedding_backend: Literal["onnx", "openai"] = Field(
        "onnx", description="'onnx': the offline MiniLM model; 'openai': an OpenAI-compatible embeddings endpoint."
    )
    embedding_model: str = Field("text-embedding-3-small", description="Model name for the 'openai' embedding backend.")
    embedding_threads: int = Field(0, ge=0, description="ONNX threads for embeddings (0: up to 4, by CPU count).")

    # -- ingest --------------------------------------------------------------------------------------------
    chunk_tokens: int = Field(200, ge=50, le=1000, description="Target chunk size in cl100k tokens.")
    chunk_overlap: int = Field(40, ge=0, le=300, description="Overlap between consecutive chunks, in tokens.")

    # -- trainers and untrusted input ----------------------------------------------------------------------
    trainers: str = Field(
        "",
        description="Comma-separated Slack user ids (U...) and/or user group ids (S...) allowed to manage the corpus.",
    )
    max_upload_mb: int = Field(
        50, ge=1, le=1024, description="Largest Slack upload or web page accepted for ingestion, in MB."
    )
    allow_private_urls: bool = Field(
        False, description="Allow URL ingestion from loopback, private and link-local addresses (off: SSRF guard)."
    )
    private_url_hosts: str = Field(
        "", description="Comma-separated internal hosts (e.g. an intranet wiki) URL ingestion may fetch from."
    )
    fetch_timeout: float = Field(20.0, gt=0, description="Seconds allowed for fetching one URL.")
    parse_timeout: float = Field(
        60.0, gt=0, description="Seconds allowed for parsing one document before it is rejected."
    )
    parse_memory_mb: int = Field(1024, ge=128, description="Memory allowed for parsing one document, in MB.")

    # -- retrieval and answers -----------------------------------------------------------------------------
    top_k: int = Field(6, ge=1, le=20, description="Passages given to the answer composer.")
    max_chunks_per_doc: int = Field(2, ge=1, le=20, description="At most this many passages from one document.")
    dense_weight: float = Field(
        0.3,
        ge=0.0,
        le=5.0,
        description="Weight of the embedding ranking against BM25's (1.0) when fusing them; 0 is BM25 alone.",
    )
    min_relevance: float = Field(
        0.0, description="Override of the calibrated relevance threshold for 'no answer' (0: use the calibrated one)."
    )
    multilingual: bool = Field(
        True,
        description="Answer questions in other languages by searching with multilingual-e5 (false: every question "
        "is read as English).",
    )
    answer_mode: AnswerMode = Field(
        "auto", description="'auto': llm when OPENAI_API_KEY or OPENAI_BASE_URL is set, else extractive."
    )
    llm_model: str = Field("gpt-4o-mini", description="Chat model for llm mode.")
    llm_timeout: float = Field(30.0, gt=0, description="Seconds before the LLM call gives up (then: extractive).")
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "DUALUSE_OPENAI_API_KEY"), description="OpenAI key."
    )
    openai_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "DUALUSE_OPENAI_BASE_URL"),
        description="OpenAI-compatible server (vLLM, Ollama, llama.cpp), e.g. http://localhost:8000/v1.",
    )

    # -- operations ----------------------------------------------------------------------------------------
    log_level: str = Field("WARNING", description="Log level: DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["text", "json"] = Field("text", description="'json' writes one JSON object per log line.")

    # -- database (answer log, Slack event de-duplication) ------------------------------------------------------
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the database (default: SQLite in the data dir); postgresql://... works."
    )
    database_wait_seconds: float = Field(
        300.0,
        ge=0,
        description="`dualuse serve` at start-up: how long to wait for a database server that cannot be reached, "
        "trying every 2 s, before giving up with one line (0: give up at once).",
    )

    # -- answer log and admin page -------------------------------------------------------------------------
    log_raw_users: bool = Field(
        False, description="Keep raw Slack user/channel ids in the answer log (default: keyed hash)."
    )
    log_retry_seconds: float = Field(
        10.0,
        gt=0,
        description="While the database server is unreachable, answers are kept in the data dir (and Slack events "
        "claimed in the process) and the server is tried again after this many seconds.",
    )
    log_pseudonym_key: SecretStr | None = Field(
        None, description="Key for pseudonymising user ids (default: a random key kept in the data dir)."
    )
    admin_token: SecretStr | None = Field(None, description="Sign-in token for the admin page and its JSON API.")
    admin_session_secret: SecretStr | None = Field(
        None, description="Signs admin session cookies (default: a random secret kept in the data dir)."
    )
    admin_trusted_proxies: str = Field(
        "",
        description="Comma-separated proxy addresses/networks whose X-Forwarded-For the admin page believes "
        "(default: none, the socket peer counts).",
    )

    # -- Slack ---------------------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "DUALUSE_SLACK_BOT_TOKEN"), description="xoxb-... token."
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "DUALUSE_SLACK_APP_TOKEN"),
        description="xapp-... token; when set, `dualuse serve` uses Socket Mode.",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "DUALUSE_SLACK_SIGNING_SECRET"),
        description="Verifies Events API requests in HTTP mode.",
    )
    slack_api_url: str | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_API_URL", "DUALUSE_SLACK_API_URL"),
        description="Slack Web API base URL (default https://slack.com/api/); for gateways and tests.",
    )
    slack_workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Slack questions answered at once (0: one per CPU core; more for a remote LLM); later ones wait.",
    )
    slack_queue_limit: int = Field(
        500, ge=1, description="Slack questions allowed to wait in line; beyond that the bot asks to try again later."
    )

    # -- nudges in team channels (opt in per channel with `/dualuse watch on`) ----------------------------------
    nudges_per_day: int = Field(
        2, ge=0, le=100, description="Nudges at most per watched channel and UTC day (0: none)."
    )
    nudge_quiet_days: int = Field(
        7, ge=0, le=365, description='Days without nudges in a channel after someone there presses "don\'t nudge".'
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("openai_base_url", "chroma_url", "slack_api_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _overlap_smaller_than_chunk(self) -> Settings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError("DUALUSE_CHUNK_OVERLAP must be smaller than DUALUSE_CHUNK_TOKENS")
        return self

    # -- derived -------------------------------------------------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def trainer_ids(self) -> frozenset[str]:
        return frozenset(part.strip() for part in self.trainers.split(",") if part.strip())

    @property
    def database_url_or_default(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'dualuse.sqlite3'}"

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def effective_answer_mode(self) -> Literal["extractive", "llm"]:
        if self.answer_mode == "auto":
            return "llm" if self.llm_configured else "extractive"
        return self.answer_mode

    @property
    def embedding_id(self) -> str:
        return "minilm-l6-int8" if self.embedding_backend == "onnx" else f"openai-{self.embedding_model}"


def load_settings(**overrides: Any) -> Settings:
    """Read settings; a bad value becomes one :class:`ConfigurationError` line naming the variable.

    ``overrides`` are raw values, validated like the environment's (a string for a secret, a path as text): ``Any``
    is pydantic's own type for what it is given."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        variable = field.upper() if field.startswith(("OPENAI_", "SLACK_")) else f"DUALUSE_{field.upper()}"
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigurationError(f"{variable} is invalid: {message}" if field else message) from None
