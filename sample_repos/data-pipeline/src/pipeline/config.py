"""Settings read from the environment (12-factor); no defaults for credentials."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads from and writes to."""

    api_base_url: str
    api_token: str
    database_url: str
    staging_dir: Path
    temporal_address: str = "localhost:7233"
    task_queue: str = "daily-orders"
    metrics_port: int = 9464

    @classmethod
    def from_env(cls) -> Settings:
        """Build the settings from `PARTNER_API_*`, `DATABASE_URL` and `STAGING_DIR`."""
        return cls(
            api_base_url=os.environ["PARTNER_API_URL"],
            api_token=os.environ["PARTNER_API_TOKEN"],
            database_url=os.environ["DATABASE_URL"],
            staging_dir=Path(os.environ.get("STAGING_DIR", "/var/lib/pipeline/staging")),
            temporal_address=os.environ.get("TEMPORAL_ADDRESS", "localhost:7233"),
        )
