"""Project configuration: ``[tool.charter]`` in pyproject.toml or ``.charter.yml``.

Found at the audit target's root. Flags given on the command line win over it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from charter.errors import CharterError
from charter.models import Severity


class Config(BaseModel):
    """Settings a repository keeps for its own audits."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    profiles: tuple[str, ...] = ()
    fail_on: Severity | None = Field(default=None, alias="fail-on")
    exclude: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    max_file_bytes: int | None = Field(default=None, alias="max-file-bytes", gt=0)


def _validate(data: Any, where: str) -> Config:
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise CharterError(f"{where}: charter settings must be a mapping; see the README")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CharterError(f"{where}: field '{loc}': {first['msg']}; fix or remove it") from None


def load_config(root: Path) -> tuple[Config, Path | None]:
    """The target's configuration and the file it came from (None when there is none)."""
    yml = next((root / n for n in (".charter.yml", ".charter.yaml") if (root / n).is_file()), None)
    if yml is not None:
        try:
            data = yaml.safe_load(yml.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            raise CharterError(f"{yml}: cannot read charter settings: {exc}".splitlines()[0]) from None
        return _validate(data, str(yml)), yml
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            return Config(), None  # a broken pyproject is the audit's business, not ours
        section = data.get("tool", {}).get("charter")
        if section is not None:
            return _validate(section, f"{pyproject} [tool.charter]"), pyproject
    return Config(), None
