"""Value objects of an audit: findings, rule results, per-profile reports, the report.

All are frozen pydantic models so that a report, once built, cannot drift between reporters.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    """How bad a failing standard is; ordered from most to least severe."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def weight(self) -> float:
        """Weight in the profile score (OpenSSF Scorecard's risk weights)."""
        return SEVERITY_WEIGHTS[self]

    @property
    def rank(self) -> int:
        """3 for critical down to 0 for low; higher is more severe."""
        return SEVERITY_RANK[self]


SEVERITY_WEIGHTS: dict[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 7.5,
    Severity.MEDIUM: 5.0,
    Severity.LOW: 2.5,
}
SEVERITY_RANK: dict[Severity, int] = {
    Severity.CRITICAL: 3,
    Severity.HIGH: 2,
    Severity.MEDIUM: 1,
    Severity.LOW: 0,
}


class Applicability(StrEnum):
    """Whether a ``charter fix`` fix keeps what the code does (``safe``) or may change it
    (``unsafe``: applied only with ``--unsafe-fixes``), after ruff."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Status(StrEnum):
    """Outcome of one rule on one repository."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    NOT_IMPLEMENTED = "not_implemented"
    ERROR = "error"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Location(_Frozen):
    """Another place where the same cause shows (a copy of a workload in another overlay)."""

    path: str
    line: int = 0


class Finding(_Frozen):
    """One place where a standard does not hold.

    ``line`` is 0 for a finding about a whole file or folder that has no line to point at (a
    file that must be created, the repository itself when ``path`` is empty)."""

    rule: str
    severity: Severity
    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    message: str
    fingerprint: str
    suppressed: bool = False
    suppression_reason: str | None = None
    baselined: bool = False
    #: reported but never failing the default gate: the rule's measured precision is below
    #: high (``--strict`` gates on every finding)
    advisory: bool = False
    #: right whatever the rule's measured precision (a provider-issued credential such as an
    #: AWS key): never advisory
    certain: bool = False
    #: the other places of the same cause, reported once
    related: tuple[Location, ...] = ()
    #: ``charter fix`` removes this finding: with its safe fixes (``safe``), or only with
    #: ``--unsafe-fixes`` (``unsafe``); None when no fix removes it
    fix: Applicability | None = None
    #: what the fix needs besides the file (a Kubernetes probe's route and port), or None
    fix_args: tuple[tuple[str, str], ...] | None = None

    @property
    def where(self) -> str:
        """``path:line`` for the reports; the path alone when there is no line, and
        ``(repository)`` for a finding about the repository as a whole."""
        if not self.path:
            return "(repository)"
        return f"{self.path}:{self.line}" if self.line else self.path

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)


class RuleResult(_Frozen):
    """What one rule concluded about the whole repository."""

    id: str
    title: str
    severity: Severity
    status: Status
    message: str = ""
    findings: int = 0
    evidence: tuple[str, ...] = ()
    metrics: dict[str, float | int] = Field(default_factory=dict)


class ProfileRule(_Frozen):
    """A rule's outcome as seen by one profile (severity may be overridden there)."""

    id: str
    title: str
    status: Status
    severity: Severity
    findings: int = 0
    message: str = ""
    #: the profile's own sentence behind the rule, "path:line" where it is (imported profiles)
    quote: str | None = None
    where: str | None = None


class ManualItem(_Frozen):
    """A profile statement that no program can check."""

    quote: str
    line: int | None = None


class ProfileReport(_Frozen):
    """Compliance of the repository with one agent profile.

    ``score`` is the severity-weighted share of applicable rules that pass (docs/scoring.md);
    ``applicable`` of ``total`` rules counted in it, and with fewer than
    :data:`PROVISIONAL_BELOW` the score is ``provisional``: too few rules to mean much."""

    id: str
    title: str
    seed: str | None = None
    score: float | None
    applicable: int = 0
    total: int = 0
    provisional: bool = False
    passed: int
    failed: int
    not_applicable: int
    not_implemented: int
    errors: int
    rules: tuple[ProfileRule, ...]
    manual: tuple[ManualItem, ...]


#: a profile score resting on fewer applicable rules than this is provisional
PROVISIONAL_BELOW = 5


class Note(_Frozen):
    """Something the audit wants the reader to know about a file that is not a finding: a
    template that is not parsed as plain YAML, newer Python syntax analysed in an equivalent
    older form, a file only part of the rules could judge."""

    path: str
    line: int = 1
    message: str


class ConfigChange(_Frozen):
    """One thing the audited repository's own configuration changed in its audit: a setting
    of ``.charter.yml`` / ``[tool.charter]``, or a rule, profile or secret detector of a policy
    folder that configuration names."""

    #: rule, detector, profile, policies, exclude, path-class, baseline or setting
    kind: str
    #: what changed: a rule, profile or detector id, a glob, a path or a setting's name
    name: str
    #: how: ``disabled``, ``severity low``, ``added``, ``replaces the built-in rule``, a value
    change: str
    #: the file it came from, relative to the target (``.charter.yml``, ``pyproject.toml``,
    #: ``ci/policies/rules/x.yaml``)
    source: str


class ToolInfo(_Frozen):
    name: str = "charter"
    version: str


class Report(_Frozen):
    """The whole audit: what other tools and the reporters consume."""

    tool: ToolInfo
    target: str
    profiles: tuple[ProfileReport, ...]
    rules: tuple[RuleResult, ...]
    findings: tuple[Finding, ...]
    files_scanned: int
    #: files git tracks under the target (None when it is not a git work tree): more than
    #: files_scanned when excludes, build/vendor folders or links left some out
    files_tracked: int | None = None
    notes: tuple[Note, ...] = ()
    #: seconds per phase and cache counts; with ``--timing`` also per-rule detail (nested)
    timing: dict[str, Any] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)
    #: what the audited repository's own configuration changed (``charter.config.in_force``);
    #: always present, empty when none is in force (no settings file, ``--no-repo-config``)
    repo_config: tuple[ConfigChange, ...] = ()

    def active_findings(self) -> list[Finding]:
        """Findings that count (not suppressed, not baselined), gating and advisory."""
        return [f for f in self.findings if not f.suppressed and not f.baselined]

    def gating_findings(self) -> list[Finding]:
        """Active findings that may fail the gate (not advisory)."""
        return [f for f in self.active_findings() if not f.advisory]
