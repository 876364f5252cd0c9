"""Policy-as-code: rule and profile YAML, validated where it is loaded.

Layout of a policy folder (the built-in one is ``policies/`` at the repository root, packaged as
``charter/_policies``)::

    rules/<rule-id>.yaml       one rule: metadata, docs, profile sources, examples
    profiles/<profile-id>.yaml one agent profile: the rules it applies and its manual items
    seeds/<file>.txt           the agent profile documents the built-in profiles encode

``--policies DIR`` folders are layered on top: a rule or profile with the same id replaces the
built-in one, a new id adds one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from charter.conditions import Condition
from charter.errors import FieldHint, PolicyError, describe_validation
from charter.models import ManualItem, Severity
from charter.pathclass import PathClass
from charter.sources import BoundedSafeLoader

_M = TypeVar("_M", bound=BaseModel)

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A profile sentence a rule encodes."""

    profile: str
    quote: str = Field(min_length=3)
    line: int | None = Field(default=None, ge=1)


class Docs(_Strict):
    """One template for every rule (after ruff): what, why, example, fix, references."""

    what: str = Field(min_length=10)
    why: str = Field(min_length=10)
    example: str = ""
    fix: str = ""
    references: tuple[str, ...] = ()


class Example(_Strict):
    """A passing or failing example: the files of a tiny repo and what the rule must say."""

    name: str = ""
    code: str | None = None
    path: str = "app.py"
    files: dict[str, str] = Field(default_factory=dict)
    findings: tuple[str, ...] = ()
    status: Literal["pass", "fail", "not_applicable"] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    #: a failing example's ``code`` after ``charter fix`` (the rule's ``autofix``); with
    #: ``files``, the file ``path`` names after it (the others must not change)
    fixed: str | None = None
    #: fix with ``--unsafe-fixes``
    unsafe_fixes: bool = False
    #: the findings left in ``fixed`` (those no fix removes); none by default
    fixed_findings: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_source(self) -> Example:
        if (self.code is None) == (not self.files):
            raise ValueError("give exactly one of 'code' (one file) or 'files' (path: content)")
        if self.fixed is not None and self.code is None and self.path not in self.files:
            raise ValueError(
                "'fixed' goes with 'code' (one file), or with 'files' and a 'path' naming the "
                "one of them the fix changes"
            )
        for loc in self.findings:
            if not loc.strip() or loc != loc.strip():
                raise ValueError(
                    f"finding {loc!r} must be 'path:line', a path (a finding about a whole "
                    "file) or '(repository)'"
                )
        return self

    def repo_files(self) -> dict[str, str]:
        return dict(self.files) if self.files else {self.path: self.code or ""}


class Autofix(_Strict):
    """A rule's fix (``charter fix``), as ruff records fix applicability per rule.

    ``applicability`` is the best a fix of the rule gets: ``safe`` fixes are applied by
    ``charter fix``; ``unsafe`` ones, which may change what the code does, only with
    ``--unsafe-fixes``. A rule whose fixes are safe may still have cases that are unsafe;
    ``summary`` says which."""

    applicability: Literal["safe", "unsafe"]
    summary: str = Field(min_length=10)


class Examples(_Strict):
    failing: tuple[Example, ...] = ()
    passing: tuple[Example, ...] = ()


PrecisionClass = Literal["very-high", "high", "medium", "low", "unmeasured"]
#: precision classes whose rules fail the default gate
GATING_PRECISION: frozenset[str] = frozenset({"very-high", "high"})


class Precision(_Strict):
    """How often a rule is right when it speaks, measured on real repositories (the ecosystem
    check) and summed up in a CodeQL-style class: very-high >= 95%, high >= 85%, medium, low.
    Only very-high and high rules fail the default gate; the others are advisory."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    level: PrecisionClass = Field(alias="class")
    #: tp / labelled on the ecosystem set (None when the rule never fired there)
    measured: float | None = Field(default=None, ge=0, le=1)
    labelled: int = Field(default=0, ge=0)
    #: where the class comes from: "ecosystem" (measured), or why it is what it is
    basis: str = "ecosystem"

    @property
    def gates(self) -> bool:
        return self.level in GATING_PRECISION


#: the precision of a rule whose YAML says nothing: a policy's author vouches for it
DECLARED = Precision.model_validate({"class": "high", "basis": "declared by the policy's author"})


class ConceptMatch(_Strict):
    """A concept a profile statement names, in any word order: every ``all`` regex found
    within ``window`` words of each other, none of the ``none`` regexes anywhere in the statement.
    ``polarity`` says whether the statement must affirm the concept ("use X") or negate it
    ("never X"); by default it is read from the rule's own ``sources``."""

    all: tuple[str, ...] = Field(min_length=1)
    none: tuple[str, ...] = ()
    window: int = Field(default=10, ge=1, le=60)
    polarity: Literal["affirmed", "negated"] | None = None


#: the languages a rule's ``languages`` may name (charter.profile_import detects them in prose)
LANGUAGES = ("python", "go", "rust", "typescript", "terraform")


class Rule(_Strict):
    """One executable standard."""

    id: str
    title: str = Field(min_length=3)
    severity: Severity
    analyzer: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    applicability: str = Field(min_length=3, description="when the rule is not applicable")
    category: str = "general"
    docs: Docs
    #: the built-in profile sentences it encodes; empty for a rule no built-in profile states
    #: (imported profiles map to it by ``matches``; ``charter rules`` lists it under no profile)
    sources: tuple[Source, ...] = ()
    examples: Examples = Examples()
    help_uri: str | None = None
    #: phrases and regexes (or concepts) that recognise a statement of this rule in a profile
    matches: tuple[str | ConceptMatch, ...] = ()
    #: the languages whose code the rule judges (empty: any; default from the analyzer's module)
    languages: tuple[Literal["python", "go", "rust", "typescript", "terraform"], ...] = ()
    #: the path classes it judges (charter.pathclass); code rules judge source only
    scope: tuple[PathClass, ...] = Field(default=("source",), min_length=1)
    precision: Precision = DECLARED
    #: a security rule (a leak, an exploitable pattern, a missing control): SARIF gives it a
    #: ``security-severity`` and the ``security`` tag, as GitHub code scanning expects
    security: bool = False
    #: repository conditions that must hold for the rule to apply (charter.conditions)
    applies_if: tuple[Condition, ...] = ()
    #: the rule's fix, when it has one (charter.fixes)
    autofix: Autofix | None = None

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not KEBAB.match(value):
            raise ValueError(f"{value!r} is not kebab-case (e.g. 'type-hints')")
        return value

    @field_validator("scope")
    @classmethod
    def _known_classes(cls, value: tuple[PathClass, ...]) -> tuple[PathClass, ...]:
        return tuple(dict.fromkeys(value))

    @property
    def implemented(self) -> bool:
        return self.analyzer is not None


class ProfileRuleRef(_Strict):
    """A rule as a profile applies it, with optional overrides."""

    id: str
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    #: path classes it judges here, instead of the rule's own scope
    scope: tuple[PathClass, ...] | None = None
    #: the profile's own sentence this rule encodes, with its file and line (an imported
    #: profile: the report quotes the repository's words, not a built-in profile's)
    quote: str | None = None
    path: str | None = None
    line: int | None = None


class Profile(_Strict):
    """An agent profile: the rules that encode its checkable statements and the rest."""

    id: str
    title: str = Field(min_length=3)
    seed: str | None = None
    description: str = ""
    rules: tuple[ProfileRuleRef, ...] = Field(min_length=1)
    manual: tuple[ManualItem, ...] = ()

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not KEBAB.match(value):
            raise ValueError(f"{value!r} is not kebab-case (e.g. 'backend-polyglot')")
        return value

    @field_validator("rules")
    @classmethod
    def _unique(cls, value: tuple[ProfileRuleRef, ...]) -> tuple[ProfileRuleRef, ...]:
        seen: set[str] = set()
        for ref in value:
            if ref.id in seen:
                raise ValueError(f"rule {ref.id!r} is listed twice; keep one entry")
            seen.add(ref.id)
        return value


@dataclass(frozen=True)
class PolicySet:
    """Every rule and profile in force, keyed by id, with where each came from."""

    rules: Mapping[str, Rule]
    profiles: Mapping[str, Profile]
    origins: Mapping[str, Path] = field(default_factory=dict)
    seed_dirs: tuple[Path, ...] = ()
    #: every policy folder in force, built-in first; later folders override earlier ones
    dirs: tuple[Path, ...] = ()

    def seed_text(self, name: str) -> str | None:
        for folder in self.seed_dirs:
            path = folder / name
            if path.is_file():
                return path.read_text(encoding="utf-8")
        return None


def builtin_policy_dir() -> Path:
    """The built-in policies: packaged data in a wheel, the repo's ``policies/`` otherwise."""
    packaged = Path(str(resources.files("charter"))) / "_policies"
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "policies"
    if source_tree.is_dir():
        return source_tree
    raise PolicyError(
        "built-in policies not found: reinstall charter (pip install charter) so that "
        "charter/_policies is present"
    )


def _describe_validation(path: Path, error: ValidationError, model: type[BaseModel]) -> str:
    """One line in the policy file's own words (charter.errors.describe_validation)."""
    return describe_validation(
        error, str(path), model, hints=POLICY_HINTS, keys_doc="docs/custom-policies.md"
    )


#: what the fields of rule and profile files hold, with an example value
POLICY_HINTS: dict[str, FieldHint] = {
    "id": FieldHint("a kebab-case id, the file's name without .yaml", "my-rule"),
    "title": FieldHint("a short title of at least 3 characters", "Services log in JSON"),
    "severity": FieldHint("one of critical, high, medium, low", "medium"),
    "analyzer": FieldHint("the name of an analyzer (docs/custom-policies.md)", "file-exists"),
    "params": FieldHint("a mapping of the analyzer's parameters", {"paths": ["README.md"]}),
    "applicability": FieldHint("when the rule does not apply, in words", "no Python files"),
    "docs": FieldHint("a mapping with what, why, example, fix", {"what": "...", "why": "..."}),
    "sources": FieldHint(
        "a list of the profile sentences the rule encodes",
        [{"profile": "backend-polyglot", "quote": "Use type hints"}],
    ),
    "scope": FieldHint("a list of path classes", ["source"]),
    "autofix": FieldHint(
        "a mapping with applicability (safe or unsafe) and summary",
        {"applicability": "safe", "summary": "adds `-> None` ..."},
    ),
    "matches": FieldHint("a list of phrases or regexes", ["type hints"]),
    "rules": FieldHint("a list of the rules the profile applies", [{"id": "type-hints"}]),
    "rules.#": FieldHint("a mapping with id (and severity, params, scope)", {"id": "type-hints"}),
    "rules.#.severity": FieldHint("one of critical, high, medium, low", "medium"),
    "manual": FieldHint("a list of statements no program can check", [{"quote": "...", "line": 3}]),
}


def _loader_for(path: Path) -> Any:
    """libyaml's C safe loader for the policies charter ships (trusted, ~10x faster); the
    bounded pure-Python safe loader, which refuses alias bombs, for every other folder (a
    policy folder may come from the audited repository, and libyaml crashes on deep nesting)."""
    if getattr(yaml, "__with_libyaml__", False):
        try:
            if path.resolve().is_relative_to(builtin_policy_dir().resolve()):
                return yaml.CSafeLoader
        except (OSError, PolicyError):
            pass
    return BoundedSafeLoader


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    try:
        return yaml.load(text, Loader=_loader_for(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyError(f"{path}: invalid YAML{where}: {problem}; fix the syntax") from None


def _load_model(path: Path, model: type[_M], kind: str, fields: str) -> _M:
    """One policy file as a validated model whose id matches the file name."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: a {kind} file must be a mapping with {fields}, ...")
    try:
        loaded = model.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_describe_validation(path, exc, model)) from None
    ident = getattr(loaded, "id", None)
    if ident != path.stem:
        raise PolicyError(
            f"{path}: field 'id': {ident!r} does not match the file name; "
            f"rename the file to {ident}.yaml or change the id"
        )
    return loaded


def load_rule_file(path: Path) -> Rule:
    return _load_model(path, Rule, "rule", "id, title, severity")


def load_profile_file(path: Path) -> Profile:
    return _load_model(path, Profile, "profile", "id, title, rules")


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())


#: the policy sets loaded inside :func:`memoised`, by what they were loaded from
_MEMO: dict[tuple[Any, ...], PolicySet] | None = None


@contextmanager
def memoised() -> Iterator[None]:
    """Inside the block, :func:`load_policies` returns the set it loaded before from the same
    folders when every policy file in them has the same path, size and modification time
    (``charter history`` audits one commit after another in one process: the built-in
    policies are read once, not at every point)."""
    global _MEMO
    outer = _MEMO
    _MEMO = {} if outer is None else outer
    try:
        yield
    finally:
        _MEMO = outer


def _signature(extra_dirs: Sequence[Path], include_builtin: bool) -> tuple[Any, ...] | None:
    """What :func:`load_policies` reads, as paths with their size and modification time."""
    dirs = [builtin_policy_dir()] if include_builtin else []
    out: list[Any] = [include_builtin, tuple(str(d) for d in extra_dirs)]
    try:
        for folder in [*dirs, *extra_dirs]:
            out.append((str(folder), folder.is_dir(), (folder / "seeds").is_dir()))
            for sub in ("rules", "profiles"):
                for path in _yaml_files(folder / sub):
                    st = path.stat()
                    out.append((str(path), st.st_size, st.st_mtime_ns))
    except OSError:
        return None
    return tuple(out)


def load_policies(extra_dirs: Sequence[Path] = (), *, include_builtin: bool = True) -> PolicySet:
    """Load built-in policies, then each extra folder in order (later ids win), and validate
    (inside :func:`memoised`, once for the same files)."""
    if _MEMO is None:
        return _load_policies(extra_dirs, include_builtin=include_builtin)
    key = _signature(extra_dirs, include_builtin)
    if key is not None and key in _MEMO:
        return _MEMO[key]
    loaded = _load_policies(extra_dirs, include_builtin=include_builtin)
    if key is not None:
        _MEMO[key] = loaded
    return loaded


def _load_policies(extra_dirs: Sequence[Path], *, include_builtin: bool) -> PolicySet:
    from charter.analyzers import ANALYZERS, validate_params  # late: they import policy types

    dirs: list[Path] = [builtin_policy_dir()] if include_builtin else []
    for extra in extra_dirs:
        if extra.is_file() or (extra.exists() and not extra.is_dir()):
            kind = "a YAML file" if extra.suffix in {".yaml", ".yml"} else "a file"
            raise PolicyError(
                f"{extra}: --policies takes a folder with rules/ and profiles/ (and secrets/), "
                f"but this is {kind}; pass its policy folder instead (for a profile at "
                "policies/profiles/backend.yaml, pass --policies policies)"
            )
        if not extra.is_dir():
            raise PolicyError(
                f"{extra}: --policies folder does not exist; pass a folder with rules/ and "
                "profiles/"
            )
        if not any((extra / sub).is_dir() for sub in ("rules", "profiles", "secrets")):
            raise PolicyError(
                f"{extra}: no rules/, profiles/ or secrets/ folder; put rule YAML under "
                f"{extra}/rules/, profile YAML under {extra}/profiles/ and secret detectors "
                f"under {extra}/secrets/"
            )
        dirs.append(extra)

    rules: dict[str, Rule] = {}
    profiles: dict[str, Profile] = {}
    origins: dict[str, Path] = {}
    for folder in dirs:
        for path in _yaml_files(folder / "rules"):
            rule = load_rule_file(path)
            rules[rule.id] = rule
            origins[f"rule:{rule.id}"] = path
        for path in _yaml_files(folder / "profiles"):
            profile = load_profile_file(path)
            profiles[profile.id] = profile
            origins[f"profile:{profile.id}"] = path

    # Parameters are checked against each analyzer's model only for the caller's policy files:
    # that imports the analyzer's module, and the built-in ones are checked by charter's tests
    # (tests/test_policies.py), so a warm audit need not import every analyzer to start.
    builtin = builtin_policy_dir() if include_builtin else None

    def shipped(path: Path) -> bool:
        return builtin is not None and path.parent.parent == builtin

    for rule in rules.values():
        path = origins[f"rule:{rule.id}"]
        if shipped(path):
            if rule.analyzer is not None and rule.analyzer not in ANALYZERS:
                raise PolicyError(f"{path}: field 'analyzer': unknown analyzer {rule.analyzer!r}")
        else:
            validate_params(rule, rule.params, path)
        for source in rule.sources:
            if source.profile not in profiles:
                raise PolicyError(
                    f"{path}: field 'sources.profile': unknown profile {source.profile!r}; "
                    f"use one of {', '.join(sorted(profiles))}"
                )
    for profile in profiles.values():
        path = origins[f"profile:{profile.id}"]
        for ref in profile.rules:
            if ref.id not in rules:
                raise PolicyError(
                    f"{path}: field 'rules': unknown rule {ref.id!r}; "
                    f"add policies/rules/{ref.id}.yaml or remove the entry"
                )
            if ref.params and not (shipped(path) and shipped(origins[f"rule:{ref.id}"])):
                validate_params(rules[ref.id], {**rules[ref.id].params, **ref.params}, path)

    seed_dirs = tuple(d / "seeds" for d in dirs if (d / "seeds").is_dir())
    return PolicySet(
        rules=rules, profiles=profiles, origins=origins, seed_dirs=seed_dirs, dirs=tuple(dirs)
    )


def select_profiles(policies: PolicySet, wanted: Iterable[str]) -> list[Profile]:
    """The profiles to report on, in the order asked, or all in id order."""
    names = list(wanted)
    if not names:
        return [policies.profiles[k] for k in sorted(policies.profiles)]
    unknown = [n for n in names if n not in policies.profiles]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(policies.profiles), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise PolicyError(
            f"--profile: unknown profile {unknown[0]!r}; {hint}"
            f"use one of {', '.join(sorted(policies.profiles))}"
        )
    return [policies.profiles[n] for n in dict.fromkeys(names)]
