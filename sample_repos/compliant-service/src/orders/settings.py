"""Runtime settings, read from ORDERS_* environment variables."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that differs between environments."""

    model_config = SettingsConfigDict(env_prefix="ORDERS_")

    inventory_url: str = "http://inventory:8080"
    log_level: str = "INFO"
    rate_limit: str = "100/minute"
