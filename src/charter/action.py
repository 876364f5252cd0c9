"""The GitHub Action's logic (``python -m charter.action``), run by ``action.yml``.

One audit, then: the Markdown summary appended to ``$GITHUB_STEP_SUMMARY``, one annotation per
active finding on stdout (workflow commands), the SARIF log written for
``github/codeql-action/upload-sarif``, and ``score-<profile>``, ``scores`` (JSON),
``sarif-file``, ``findings`` and ``gate`` written to ``$GITHUB_OUTPUT``. The exit code is the
gate's: 0 holds, 1 fails, 2 the audit could not run.

Inputs come from environment variables (``action.yml`` maps the action's inputs to them):
``CHARTER_PATH``, ``CHARTER_PROFILES`` (comma or space separated), ``CHARTER_FAIL_ON``,
``CHARTER_MIN_SCORE``, ``CHARTER_BASELINE``, ``CHARTER_SARIF_FILE``, ``CHARTER_DIFF_BASE``,
``CHARTER_REPO_CONFIG`` (``false`` ignores the repository's own charter settings; empty: read
them, except on a pull request from a fork, whose settings would weaken its own gate),
``CHARTER_STRICT`` (``true`` gates on every rule, not only those of high measured precision).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from charter import __version__, api
from charter.errors import CharterError
from charter.reporters import github, markdown, sarif

_SPLIT = re.compile(r"[\s,]+")
_FAIL_ON = ("critical", "high", "medium", "low", "none")


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _append(path: str | None, text: str) -> None:
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(text)


def options_from(env: Mapping[str, str]) -> tuple[str, api.Options, str | None, float | None]:
    """The audit target, options, fail-on and min-score the inputs ask for."""
    profiles = tuple(p for p in _SPLIT.split(env.get("CHARTER_PROFILES", "")) if p)
    fail_on = _env(env, "CHARTER_FAIL_ON")
    if fail_on is not None and fail_on not in _FAIL_ON:
        raise CharterError(f"input 'fail-on': {fail_on!r}; use one of {', '.join(_FAIL_ON)}")
    raw_score = _env(env, "CHARTER_MIN_SCORE")
    try:
        min_score = float(raw_score) if raw_score is not None else None
    except ValueError:
        raise CharterError(f"input 'min-score': {raw_score!r} is not a number 0-100") from None
    baseline = _env(env, "CHARTER_BASELINE")
    repo_config = (_env(env, "CHARTER_REPO_CONFIG") or "").lower()
    if repo_config not in ("", "true", "false"):
        raise CharterError(f"input 'repo-config': {repo_config!r}; use true or false")
    if not repo_config:
        repo_config = "false" if fork_pull_request(env) else "true"
    strict = (_env(env, "CHARTER_STRICT") or "").lower()
    if strict not in ("", "true", "false"):
        raise CharterError(f"input 'strict': {strict!r}; use true or false")
    options = api.Options(
        profiles=profiles,
        baseline=Path(baseline) if baseline else None,
        diff_base=_env(env, "CHARTER_DIFF_BASE"),
        repo_config=repo_config == "true",
        strict=None if not strict else strict == "true",
    )
    return _env(env, "CHARTER_PATH") or ".", options, fail_on, min_score


def fork_pull_request(env: Mapping[str, str]) -> bool:
    """Whether the workflow runs for a pull request whose head is another repository (a fork):
    its code, and its charter settings, are untrusted. Read from ``$GITHUB_EVENT_PATH``; an
    event file that cannot be read counts as a fork on pull request events."""
    if env.get("GITHUB_EVENT_NAME", "") not in ("pull_request", "pull_request_target"):
        return False
    try:
        event = json.loads(Path(env.get("GITHUB_EVENT_PATH", "")).read_text(encoding="utf-8"))
        pull = event["pull_request"]
        head, base = pull["head"]["repo"], pull["base"]["repo"]
        return bool(head.get("fork")) or head.get("full_name") != base.get("full_name")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return True


def _write_output_file(path: Path, text: str) -> None:
    """Write a file the workflow asked for, never through a link the audited tree planted
    (``charter.sarif -> ~/.bashrc`` would otherwise overwrite a runner file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def run(env: Mapping[str, str]) -> int:
    """Do everything the action does; returns the exit code."""
    target, options, fail_on, min_score = options_from(env)
    result = api.run(target, options)
    report = result.report
    threshold, floor = api.gate_settings(result.config, fail_on, min_score)
    code, reason = api.gate(report, threshold, floor)

    verdict = "✅ gate holds" if code == 0 else "❌ gate fails"
    summary = markdown.render(report, result.policies) + f"\n**{verdict}**: {reason}\n"
    _append(env.get("GITHUB_STEP_SUMMARY"), summary)

    sys.stdout.write(github.render(report, result.policies))
    sarif_file = Path(_env(env, "CHARTER_SARIF_FILE") or "charter.sarif")
    _write_output_file(sarif_file, sarif.render(report, result.policies))

    scores = {p.id: p.score for p in report.profiles}
    outputs = [f"score-{pid}={'' if s is None else f'{s:.1f}'}" for pid, s in scores.items()]
    outputs += [
        f"scores={json.dumps(scores, sort_keys=True)}",
        f"sarif-file={sarif_file}",
        f"findings={len(report.active_findings())}",
        f"gate={'pass' if code == 0 else 'fail'}",
    ]
    _append(env.get("GITHUB_OUTPUT"), "".join(line + "\n" for line in outputs))
    sys.stderr.write(f"charter: {'gate holds' if code == 0 else 'gate fails'}: {reason}\n")
    return code


def main() -> int:
    try:
        return run(os.environ)
    except CharterError as exc:
        sys.stdout.write(f"::error title=charter::{github.escape_data(str(exc))}\n")
        sys.stderr.write(f"charter: error: {exc}\n")
        _failed_sarif(os.environ, str(exc))
        return 2


def _failed_sarif(env: Mapping[str, str], message: str) -> None:
    """Leave a SARIF file saying the audit failed, for an ``if: always()`` upload step."""
    try:
        path = Path(_env(env, "CHARTER_SARIF_FILE") or "charter.sarif")
        failed = json.dumps(sarif.failed_run(message, __version__), indent=2) + "\n"
        _write_output_file(path, failed)
    except OSError as exc:
        sys.stderr.write(f"charter: cannot write {exc.filename}: {exc.strerror}\n")


if __name__ == "__main__":
    sys.exit(main())
