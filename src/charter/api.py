"""The typed API under the CLI: ``audit(target, options) -> Report`` and the gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from charter.config import load_config
from charter.engine import AuditOptions, run_audit
from charter.errors import CharterError
from charter.models import Report, Severity
from charter.policy import PolicySet, load_policies, select_profiles
from charter.sources import DEFAULT_MAX_FILE_BYTES


@dataclass(frozen=True)
class Options:
    """What a caller may ask of an audit; unset values come from the target's config."""

    profiles: tuple[str, ...] = ()
    policy_dirs: tuple[Path, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def audit(target: Path, options: Options = Options()) -> Report:
    """Audit the repository at ``target`` against the selected (or all) profiles."""
    if not target.exists():
        raise CharterError(f"{target}: no such file or folder; pass a repository path")
    if not target.is_dir():
        raise CharterError(f"{target}: not a folder; pass the repository's root folder")
    config, _ = load_config(target)
    policy_dirs = list(options.policy_dirs) or [target / p for p in config.policies]
    policies = load_policies(policy_dirs)
    profiles = select_profiles(policies, options.profiles or config.profiles)
    engine_options = AuditOptions(
        max_file_bytes=options.max_file_bytes or config.max_file_bytes or DEFAULT_MAX_FILE_BYTES,
        exclude=tuple(config.exclude) + tuple(options.exclude),
    )
    return run_audit(target, policies, profiles, engine_options, target_label=str(target))


def policies_for(policy_dirs: Sequence[Path] = ()) -> PolicySet:
    return load_policies(list(policy_dirs))


def gate(report: Report, fail_on: Severity | None) -> tuple[int, str]:
    """Exit code and reason: 2 if a rule errored, 1 if an active finding is at or above
    ``fail_on``, else 0. ``None`` means never fail on findings."""
    errors = [r.id for r in report.rules if r.status.value == "error"]
    if errors:
        return 2, f"rule(s) in error: {', '.join(errors)}; the audit is incomplete"
    if fail_on is None:
        return 0, "gate disabled (--fail-on none)"
    failing = [f for f in report.active_findings() if f.severity.rank >= fail_on.rank]
    if failing:
        return 1, f"{len(failing)} finding(s) at or above {fail_on.value}"
    return 0, f"no finding at or above {fail_on.value}"
