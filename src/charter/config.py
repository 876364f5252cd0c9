"""Project configuration: ``[tool.charter]`` in pyproject.toml or ``.charter.yml``.

Found at the audit target's root. Flags given on the command line win over it.

The settings come from the audited repository, so they are checked as untrusted data: the
``baseline`` and ``policies`` paths must be a regular file and a folder inside the repository,
reached without ``..`` or a symlink (:func:`repo_baseline`, :func:`repo_policy_dirs`), and
every report states what they changed (:func:`in_force`).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
import tomllib
from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from charter.errors import CharterError, FieldHint, describe_validation
from charter.models import ConfigChange, Severity
from charter.pathclass import PathClass
from charter.policy import builtin_policy_dir, load_profile_file, load_rule_file
from charter.sources import BoundedSafeLoader, safe_message


class RuleOverride(BaseModel):
    """How a repository adjusts one rule for every profile: severity, parameters, or off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    disable: bool = False
    #: the path classes the rule judges (source, test, example, migration, generated, vendored)
    scope: tuple[PathClass, ...] | None = Field(default=None, min_length=1)


#: the accepted range of ``max-file-seconds`` besides 0 (no cap)
MIN_FILE_SECONDS = 0.1
MAX_FILE_SECONDS = 86400.0

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
    #: wall-clock cap per file: 0 (none) or MIN_FILE_SECONDS to MAX_FILE_SECONDS
    max_file_seconds: float | None = Field(default=None, alias="max-file-seconds")
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    baseline: str | None = None
    #: also audit the agent profiles the repository ships (``charter audit --repo-profiles``)
    repo_profiles: bool = Field(default=False, alias="repo-profiles")
    #: where those profiles are (globs); default ``.claude/agents/*.md``, AGENTS.md, CLAUDE.md
    repo_profile_globs: tuple[str, ...] = Field(default=(), alias="repo-profile-globs")
    #: gate on every rule, not only on those of high or very-high measured precision
    strict: bool = False
    #: the repository is example code (true) or a team's own (false); unset: its README says
    example_repository: bool | None = Field(default=None, alias="example-repository")
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

    @field_validator("max_file_seconds")
    @classmethod
    def _seconds_range(cls, value: float | None) -> float | None:
        # a cap shorter than the alarm's own set-up fires outside the analysis it guards
        if value is None or value == 0 or MIN_FILE_SECONDS <= value <= MAX_FILE_SECONDS:
            return value
        raise ValueError(
            f"{value:g} is out of range: 0 (no cap) or {MIN_FILE_SECONDS:g} to "
            f"{MAX_FILE_SECONDS:g} seconds"
        )


#: what each setting holds, in the words of docs/ci.md, with an example value
HINTS: dict[str, FieldHint] = {
    "profiles": FieldHint("a list of profile ids", ["backend-polyglot"]),
    "fail-on": FieldHint("one of critical, high, medium, low, none", "high"),
    "min-score": FieldHint("a score from 0 to 100, or a mapping of profile id to score", 80),
    "min-score.*": FieldHint("a score from 0 to 100", 80),
    "exclude": FieldHint("a list of globs", ["gen/"]),
    "policies": FieldHint("a list of policy folders", ["ci/policies"]),
    "max-file-bytes": FieldHint("a whole number of bytes above 0", 2000000),
    "max-file-seconds": FieldHint("a number of seconds: 0 (no cap) or 0.1 to 86400", 60),
    "rules": FieldHint("a mapping of rule id to its override", {"type-hints": {"severity": "low"}}),
    "rules.*": FieldHint(
        "a mapping with severity, params, disable or scope", {"severity": "low"}
    ),
    "rules.*.severity": FieldHint("one of critical, high, medium, low", "low"),
    "rules.*.params": FieldHint(
        "a mapping of the rule's parameters (charter explain RULE)", {"include_tests": True}
    ),
    "rules.*.disable": FieldHint("true or false", True),
    "rules.*.scope": FieldHint("a list of path classes", ["source", "test"]),
    "baseline": FieldHint("the path of a baseline file", ".charter-baseline.json"),
    "repo-profiles": FieldHint("true or false", True),
    "repo-profile-globs": FieldHint("a list of globs", [".claude/agents/*.md"]),
    "strict": FieldHint("true or false", True),
    "path-classes": FieldHint(
        "a mapping of path class to a list of globs", {"generated": ["api/client/**"]}
    ),
    "path-classes.*": FieldHint("a list of globs", ["api/client/**"]),
}


def _validate(data: Any, where: str) -> Config:
    if data is None:
        return Config()
    toml = where.endswith("[tool.charter]")
    if not isinstance(data, dict):
        example = '[tool.charter]\nfail-on = "high"' if toml else "fail-on: high"
        raise CharterError(
            f"{where}: charter settings must be a mapping of setting to value, e.g. "
            f"{example.replace(chr(10), ' ')}; see docs/ci.md#configuration"
        )
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise CharterError(
            describe_validation(
                exc,
                where,
                Config,
                syntax="toml" if toml else "yaml",
                hints=HINTS,
                keys_doc="docs/ci.md#configuration",
            )
        ) from None


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError, text: str) -> str:
    """One line naming the file and the line of a TOML syntax error (tomllib says where at
    the end of its message: ``(at line 3, column 9)``)."""
    message = " ".join(str(exc).split())
    found = _TOML_AT.search(message)
    end = _TOML_END.search(message)
    where = str(path)
    if found is not None:
        where = f"{path}:{found.group(1)}"
        message = f"{message[: found.start()]} (column {found.group(2)})"
    elif end is not None:  # an unterminated string or list: the last line
        where = f"{path}:{max(1, len(text.splitlines()))}"
        message = f"{message[: end.start()]} (at the end of the file)"
    return (
        f"{where}: invalid TOML, so its [tool.charter] settings cannot be read: "
        f"{safe_message(message)}; fix the TOML syntax, or pass --no-repo-config to audit "
        "without the repository's settings"
    )


def did_you_mean(name: str, known: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest ids to a mistyped one, or nothing."""
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


def check_min_score(config: Config, known: Collection[str], where: str) -> None:
    """A ``min-score`` floor for a profile that is not in force is an error: a typo in the
    id would otherwise switch that floor off without a word."""
    if not isinstance(config.min_score, dict):
        return
    for name in config.min_score:
        if name not in known:
            shown = safe_message(name)
            raise CharterError(
                f"{where}: field 'min-score.{shown}': unknown profile '{shown}'"
                f"{did_you_mean(name, known)}; use one of {', '.join(sorted(known))}, or "
                "remove the entry (a profile from --policies or --repo-profiles counts "
                "only when it is loaded)"
            )


def _plain_file(path: Path) -> bool:
    """A regular file that is not a symlink: the audited repo's settings never come from a
    file outside it."""
    return path.is_file() and not path.is_symlink()


#: the largest settings file, baseline or policy file read from an audited repository
MAX_REPO_FILE_BYTES = 50 * 1024 * 1024


def _too_big(path: Path) -> bool:
    try:
        return path.lstat().st_size > MAX_REPO_FILE_BYTES
    except OSError:
        return False


def load_config(root: Path) -> tuple[Config, Path | None]:
    """The target's configuration and the file it came from (None when there is none)."""
    yml = next((root / n for n in (".charter.yml", ".charter.yaml") if _plain_file(root / n)), None)
    if yml is not None:
        if _too_big(yml):
            raise CharterError(
                f"{yml}: over the {MAX_REPO_FILE_BYTES >> 20} MB limit for charter settings; "
                "keep only charter's settings in it"
            )
        try:
            data = yaml.load(yml.read_text(encoding="utf-8"), Loader=BoundedSafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"{yml}:{mark.line + 1}" if mark is not None else str(yml)
            problem = safe_message(" ".join(f"{exc.problem or exc.context or exc}".split()))
            column = f" (column {mark.column + 1})" if mark is not None else ""
            began = exc.context_mark
            if exc.context and began is not None and mark is not None and began.line != mark.line:
                problem += f" ({exc.context} that began at line {began.line + 1})"
            raise CharterError(
                f"{where}: invalid YAML{column}: {problem}; fix the YAML syntax at that line"
            ) from None
        except (yaml.YAMLError, OSError, UnicodeDecodeError, RecursionError) as exc:
            first = f"{exc}".splitlines()[0] if f"{exc}" else type(exc).__name__
            raise CharterError(
                f"{yml}: cannot read charter settings: {safe_message(first)}; fix the YAML syntax"
            ) from None
        return _validate(data, str(yml)), yml
    pyproject = root / "pyproject.toml"
    if _plain_file(pyproject) and not _too_big(pyproject):  # too big: the audit reports it
        try:
            text = pyproject.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # charter would read [tool.charter] here: running with defaults instead would
            # silently drop the repository's settings (its gate, its exclusions)
            raise CharterError(_toml_error(pyproject, exc, text)) from None
        except (OSError, UnicodeDecodeError, RecursionError) as exc:
            reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else (
                "nested too deeply" if isinstance(exc, RecursionError)
                else exc.strerror or type(exc).__name__
            )
            raise CharterError(
                f"{pyproject}: cannot read [tool.charter] ({reason}); fix the file, or pass "
                "--no-repo-config to audit without the repository's settings"
            ) from None
        tool = data.get("tool")
        section = tool.get("charter") if isinstance(tool, dict) else None
        if section is not None:
            return _validate(section, f"{pyproject} [tool.charter]"), pyproject
    return Config(), None


# --- paths the repository's settings name -----------------------------------------------------

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISREG, "a regular file"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def _inside(
    root: Path, value: str, where: str, field: str, fix: str
) -> tuple[Path, os.stat_result | None]:
    """``root / value`` and its ``lstat`` (None when it does not exist), once ``value`` is known
    to stay inside ``root``: relative, no ``..``, no symlink on the way."""
    shown = safe_message(value)
    rel = PurePosixPath(value.replace("\\", "/"))
    if rel.is_absolute() or Path(value).is_absolute():
        raise CharterError(f"{where}: field '{field}': '{shown}' is an absolute path; {fix}")
    if ".." in rel.parts:
        raise CharterError(
            f"{where}: field '{field}': '{shown}' leaves the repository through '..'; {fix}"
        )
    path = root
    info: os.stat_result | None = None
    for part in rel.parts:
        path = path / part
        try:
            info = path.lstat()
        except FileNotFoundError:
            return root.joinpath(*rel.parts), None  # the loader says it is missing
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            reason = exc.strerror if isinstance(exc, OSError) else "not a valid path"
            raise CharterError(
                f"{where}: field '{field}': '{shown}' cannot be read ({reason}); {fix}"
            ) from None
        if stat.S_ISLNK(info.st_mode):
            link = safe_message(path.relative_to(root).as_posix())
            raise CharterError(
                f"{where}: field '{field}': '{shown}' is reached through the symlink '{link}', "
                f"which could lead outside the repository; {fix}"
            )
    if info is None:
        info = path.lstat()
    return path, info


def repo_baseline(root: Path, value: str, where: str) -> Path:
    """The repository's ``baseline`` setting as a path, once it is a regular file inside the
    repository of at most :data:`MAX_REPO_FILE_BYTES` (a FIFO would hang the audit, a device
    such as ``/dev/zero`` exhaust its memory)."""
    fix = (
        "point it at a file inside the repository written by 'charter baseline', "
        "or pass --baseline FILE or --no-repo-config"
    )
    path, info = _inside(root, value, where, "baseline", fix)
    if info is None:
        return path
    shown = safe_message(value)
    if not stat.S_ISREG(info.st_mode):
        raise CharterError(
            f"{where}: field 'baseline': '{shown}' is {_kind(info.st_mode)}, not a regular "
            f"file; {fix}"
        )
    if info.st_size > MAX_REPO_FILE_BYTES:
        raise CharterError(
            f"{where}: field 'baseline': '{shown}' is {info.st_size} bytes, over the "
            f"{MAX_REPO_FILE_BYTES >> 20} MB limit for a baseline; {fix}"
        )
    return path


#: the parts of a policy folder charter reads
POLICY_PARTS = ("rules", "profiles", "secrets")


def repo_policy_dirs(root: Path, values: Sequence[str], where: str) -> list[Path]:
    """The repository's ``policies`` settings as folders inside it: no ``..`` or symlink on
    the way, and no symlink or file over :data:`MAX_REPO_FILE_BYTES` among the YAML files
    charter reads from them (``rules/``, ``profiles/``, ``secrets/``)."""
    fix = "point it at a folder inside the repository, or pass --policies DIR or --no-repo-config"
    out: list[Path] = []
    for value in values:
        folder, info = _inside(root, value, where, "policies", fix)
        out.append(folder)
        if info is None:
            continue  # the policy loader says the folder does not exist
        shown = safe_message(value)
        if not stat.S_ISDIR(info.st_mode):
            raise CharterError(
                f"{where}: field 'policies': '{shown}' is {_kind(info.st_mode)}, not a folder; "
                f"{fix}"
            )
        for part in POLICY_PARTS:
            sub = folder / part
            try:
                sub_info = sub.lstat()
            except OSError:
                continue
            if stat.S_ISLNK(sub_info.st_mode):
                raise CharterError(
                    f"{where}: field 'policies': '{shown}/{part}' is a symlink, which could lead "
                    f"outside the repository; {fix}"
                )
            if not stat.S_ISDIR(sub_info.st_mode):
                continue
            try:
                entries = sorted(sub.iterdir())
            except OSError:
                continue  # the policy loader reports a folder it cannot read
            for entry in entries:
                if entry.suffix not in {".yaml", ".yml"}:
                    continue
                try:
                    entry_info = entry.lstat()
                except OSError:
                    continue
                name = safe_message(f"{value}/{part}/{entry.name}")
                if stat.S_ISLNK(entry_info.st_mode):
                    raise CharterError(
                        f"{where}: field 'policies': '{name}' is a symlink, which could lead "
                        f"outside the repository; replace it with the file itself"
                    )
                if stat.S_ISREG(entry_info.st_mode) and entry_info.st_size > MAX_REPO_FILE_BYTES:
                    raise CharterError(
                        f"{where}: field 'policies': '{name}' is {entry_info.st_size} bytes, "
                        f"over the {MAX_REPO_FILE_BYTES >> 20} MB limit for a policy file; "
                        "split or shorten it"
                    )
    return out


# --- what the repository's settings changed ---------------------------------------------------

#: settings a flag replaces (the others add to what flags say, or have no flag)
SETTINGS = (
    "profiles",
    "fail-on",
    "min-score",
    "strict",
    "example-repository",
    "max-file-bytes",
    "max-file-seconds",
    "repo-profiles",
    "repo-profile-globs",
)
_MAX_CHANGE = 200


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_CHANGE else text[: _MAX_CHANGE - 1] + "…"


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def in_force(
    root: Path,
    config: Config,
    config_file: Path | None,
    *,
    policy_dirs: Sequence[Path] = (),
    baseline: str | None = None,
    overridden: Collection[str] = (),
) -> tuple[ConfigChange, ...]:
    """What the repository's own configuration changed in its audit, in the order it says it:
    each setting no flag replaced (``overridden`` names those a flag did), each rule override,
    exclude and path class, the ``baseline`` when it was applied, and each rule, profile and
    secret detector of the repository's ``policy_dirs`` (those in force: none when
    ``--policies`` replaced them). Empty when there is no configuration."""
    if config_file is None:
        return ()
    source = _rel(root, config_file)
    out: list[ConfigChange] = []

    def add(kind: str, name: str, change: str, where: str = source) -> None:
        out.append(ConfigChange(kind=kind, name=_short(name), change=_short(change), source=where))

    data = config.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for key in SETTINGS:
        if key in data and key not in overridden:
            value = data[key]
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            add("setting", key, shown if isinstance(shown, str) else _short(shown))
    for rule_id, override in config.rules.items():
        parts = []
        if override.disable:
            parts.append("disabled")
        if override.severity is not None:
            parts.append(f"severity {override.severity.value}")
        if override.scope is not None:
            parts.append(f"scope {', '.join(override.scope)}")
        if override.params:
            parts.append(f"parameters {_short(override.params)}")
        add("rule", rule_id, "; ".join(parts) or "listed without a change")
    for glob in config.exclude:
        add("exclude", glob, "not audited")
    for cls, globs in sorted(config.path_classes.items()):
        for glob in globs:
            add("path-class", glob, f"classed as {cls}")
    if baseline is not None:
        add("baseline", baseline, "the findings it records are accepted")
    for folder in policy_dirs:
        add("policies", _rel(root, folder), "policy folder loaded")
        out.extend(_policy_changes(root, folder))
    return tuple(out)


def _policy_changes(root: Path, folder: Path) -> list[ConfigChange]:
    """The rules, profiles and secret detectors a policy folder of the repository adds,
    replaces or disables, each compared with charter's built-in one."""
    builtin = builtin_policy_dir()
    out: list[ConfigChange] = []

    def add(kind: str, name: str, change: str, path: Path) -> None:
        where = _rel(root, path)
        out.append(ConfigChange(kind=kind, name=_short(name), change=_short(change), source=where))

    for path in _yaml_in(folder / "rules"):
        rule = load_rule_file(path)
        original = builtin / "rules" / path.name
        if not original.is_file():
            add("rule", rule.id, "added", path)
            continue
        was = load_rule_file(original)
        parts = ["replaces the built-in rule"]
        if rule.analyzer != was.analyzer:
            parts.append(f"analyzer {was.analyzer} -> {rule.analyzer}")
        if rule.severity != was.severity:
            parts.append(f"severity {was.severity.value} -> {rule.severity.value}")
        if rule.scope != was.scope:
            parts.append(f"scope {', '.join(was.scope)} -> {', '.join(rule.scope)}")
        if rule.precision.gates != was.precision.gates:
            gate = "gates" if rule.precision.gates else "no longer gates (advisory)"
            parts.append(f"precision {was.precision.level} -> {rule.precision.level}: {gate}")
        if rule.params != was.params:
            parts.append(f"parameters {_short(rule.params)}")
        add("rule", rule.id, "; ".join(parts), path)
    for path in _yaml_in(folder / "profiles"):
        profile = load_profile_file(path)
        original = builtin / "profiles" / path.name
        if not original.is_file():
            add("profile", profile.id, "added", path)
            continue
        was_profile = load_profile_file(original)
        now = {r.id: r for r in profile.rules}
        parts = ["replaces the built-in profile"]
        dropped = [r.id for r in was_profile.rules if r.id not in now]
        if dropped:
            parts.append(f"drops {', '.join(dropped)}")
        for ref in was_profile.rules:
            new = now.get(ref.id)
            if new is not None and new.severity != ref.severity:
                severity = new.severity.value if new.severity else "the rule's own"
                parts.append(f"severity of {ref.id} {severity}")
            if new is not None and new.scope != ref.scope:
                scope = ", ".join(new.scope) if new.scope else "the rule's own"
                parts.append(f"scope of {ref.id} {scope}")
        add("profile", profile.id, "; ".join(parts), path)
    secrets = _yaml_in(folder / "secrets")
    if secrets:
        from charter.analyzers.secrets.detectors import load_detector_file

        shipped = {s.id for p in _yaml_in(builtin / "secrets") for s in load_detector_file(p)}
        for path in secrets:
            for spec in load_detector_file(path):
                if not spec.enabled:
                    change = "disabled" if spec.id in shipped else "added, disabled"
                else:
                    change = "replaces the built-in detector" if spec.id in shipped else "added"
                add("detector", spec.id, change, path)
    return out


def _yaml_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
