"""Project configuration: ``[tool.charter]`` in pyproject.toml or ``.charter.yml``.

Found at the audit target's root. Flags given on the command line win over it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from charter.errors import CharterError
from charter.models import Severity
from charter.pathclass import PathClass
from charter.sources import BoundedSafeLoader, safe_message


class RuleOverride(BaseModel):
    """How a repository adjusts one rule for every profile: severity, parameters, or off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    disable: bool = False
    #: the path classes the rule judges (source, test, example, migration, generated, vendored)
    scope: tuple[PathClass, ...] | None = Field(default=None, min_length=1)


FailOnSetting = Literal["critical", "high", "medium", "low", "none"]


class Config(BaseModel):
    """Settings a repository keeps for its own audits."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    profiles: tuple[str, ...] = ()
    fail_on: FailOnSetting | None = Field(default=None, alias="fail-on")
    #: one floor for every profile, or a floor per profile id
    min_score: float | dict[str, float] | None = Field(default=None, alias="min-score")
    exclude: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    max_file_bytes: int | None = Field(default=None, alias="max-file-bytes", gt=0)
    max_file_seconds: float | None = Field(default=None, alias="max-file-seconds", ge=0)
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    baseline: str | None = None
    #: also audit the agent profiles the repository ships (``charter audit --repo-profiles``)
    repo_profiles: bool = Field(default=False, alias="repo-profiles")
    #: where those profiles are (globs); default ``.claude/agents/*.md``, AGENTS.md, CLAUDE.md
    repo_profile_globs: tuple[str, ...] = Field(default=(), alias="repo-profile-globs")
    #: gate on every rule, not only on those of high or very-high measured precision
    strict: bool = False
    #: paths put into a class explicitly (gitignore-style globs), before the built-in patterns:
    #: ``{generated: ["api/client/**"], source: ["examples/live/**"]}``
    path_classes: dict[PathClass, tuple[str, ...]] = Field(
        default_factory=dict, alias="path-classes"
    )

    @field_validator("min_score")
    @classmethod
    def _score_range(cls, value: float | dict[str, float] | None) -> Any:
        floors = value.values() if isinstance(value, dict) else [] if value is None else [value]
        for floor in floors:
            if not 0 <= floor <= 100:
                raise ValueError(f"{floor} is not a score between 0 and 100")
        return value


def _validate(data: Any, where: str) -> Config:
    if data is None:
        return Config()
    if not isinstance(data, dict):
        raise CharterError(f"{where}: charter settings must be a mapping; see the README")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-"))
        loc = safe_message(loc)  # a key from the file: one line, nothing secret-looking
        kind = first["type"]
        if kind == "extra_forbidden":
            fix = "remove it or fix its spelling (see docs/ci.md for the settings)"
        else:
            got = first.get("input")
            fix = "correct it" if isinstance(got, dict) else f"got {got!r}; correct the value"
        raise CharterError(f"{where}: field '{loc}': {first['msg']}; {fix}") from None


def _plain_file(path: Path) -> bool:
    """A regular file that is not a symlink: the audited repo's settings never come from a
    file outside it."""
    return path.is_file() and not path.is_symlink()


def load_config(root: Path) -> tuple[Config, Path | None]:
    """The target's configuration and the file it came from (None when there is none)."""
    yml = next((root / n for n in (".charter.yml", ".charter.yaml") if _plain_file(root / n)), None)
    if yml is not None:
        try:
            data = yaml.load(yml.read_text(encoding="utf-8"), Loader=BoundedSafeLoader)
        except (yaml.YAMLError, OSError, UnicodeDecodeError, RecursionError) as exc:
            first = f"{exc}".splitlines()[0] if f"{exc}" else type(exc).__name__
            raise CharterError(
                f"{yml}: cannot read charter settings: {first}; fix the YAML syntax"
            ) from None
        return _validate(data, str(yml)), yml
    pyproject = root / "pyproject.toml"
    if _plain_file(pyproject):
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError, RecursionError):
            return Config(), None  # a broken pyproject is the audit's business, not ours
        tool = data.get("tool")
        section = tool.get("charter") if isinstance(tool, dict) else None
        if section is not None:
            return _validate(section, f"{pyproject} [tool.charter]"), pyproject
    return Config(), None
