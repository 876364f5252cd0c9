"""The GitHub Action's logic (``python -m charter.action``), run by ``action.yml``.

One audit, then: the Markdown summary appended to ``$GITHUB_STEP_SUMMARY``, one annotation per
active finding on stdout (workflow commands), the SARIF log written for
``github/codeql-action/upload-sarif``, and ``score-<profile>``, ``scores`` (JSON),
``sarif-file``, ``findings`` and ``gate`` written to ``$GITHUB_OUTPUT``. The exit code is the
gate's: 0 holds, 1 fails, 2 the audit could not run.

Inputs come from environment variables (``action.yml`` maps the action's inputs to them):
``CHARTER_PATH``, ``CHARTER_PROFILES`` (comma or space separated), ``CHARTER_FAIL_ON``,
``CHARTER_MIN_SCORE``, ``CHARTER_BASELINE``, ``CHARTER_SARIF_FILE``, ``CHARTER_DIFF_BASE``,
``CHARTER_MARKDOWN_FILE`` (also write the summary's Markdown there, output ``markdown-file``),
``CHARTER_REPO_CONFIG`` (``false`` ignores the repository's own charter settings; empty: read
them, except on a pull request from a fork, whose settings would weaken its own gate),
``CHARTER_STRICT`` (``true`` gates on every rule, not only those of high measured precision),
``CHARTER_POLICIES`` (policy folders, comma, space or newline separated; they replace the
repository's), ``CHARTER_REPO_PROFILES`` (``true``/``false``: also report on the agent profiles
the repository ships), ``CHARTER_EXCLUDE`` (gitignore globs, comma or newline separated, added
to the configuration's), ``CHARTER_SELECT`` and ``CHARTER_IGNORE`` (rule ids or id prefixes of
whole words, comma or space separated: ``terraform`` is every ``terraform-*`` rule).

``select``/``ignore`` choose the rules that run, as ``--select``/``--ignore`` do: the rules
left out are never run (a selector that names no rule stops the step with exit code 2).

Paths: when the audited folder (``CHARTER_PATH``) is a subfolder of ``$GITHUB_WORKSPACE``, the
paths of the annotations, the SARIF log and the summary are written relative to the workspace
(``svc/app.py``, not ``app.py``), so that GitHub finds the files.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from charter import __version__, api, gitops
from charter.errors import CharterError
from charter.models import Location, Report
from charter.reporters import github, markdown, sarif

_SPLIT = re.compile(r"[\s,]+")
#: globs may hold a space: only commas and line breaks separate them
_GLOBS = re.compile(r"[,\r\n]+")
_FAIL_ON = ("critical", "high", "medium", "low", "none")


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _append(path: str | None, text: str) -> None:
    if not path:
        return
    with Path(path).open("a", encoding="utf-8") as fh:
        fh.write(text)


def _words(env: Mapping[str, str], name: str, split: re.Pattern[str] = _SPLIT) -> tuple[str, ...]:
    return tuple(w.strip() for w in split.split(env.get(name, "")) if w.strip())


def _flag(env: Mapping[str, str], name: str, input_name: str) -> bool | None:
    value = (_env(env, name) or "").lower()
    if value not in ("", "true", "false"):
        raise CharterError(f"input '{input_name}': {value!r}; use true or false")
    return None if not value else value == "true"


def options_from(env: Mapping[str, str]) -> tuple[str, api.Options, str | None, float | None]:
    """The audit target, options, fail-on and min-score the inputs ask for."""
    profiles = _words(env, "CHARTER_PROFILES")
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
    options = api.Options(
        profiles=profiles,
        policy_dirs=tuple(Path(p) for p in _words(env, "CHARTER_POLICIES")),
        exclude=_words(env, "CHARTER_EXCLUDE", _GLOBS),
        baseline=Path(baseline) if baseline else None,
        diff_base=_env(env, "CHARTER_DIFF_BASE"),
        repo_config=repo_config == "true",
        repo_profiles=_flag(env, "CHARTER_REPO_PROFILES", "repo-profiles"),
        strict=_flag(env, "CHARTER_STRICT", "strict"),
        select=_words(env, "CHARTER_SELECT"),
        ignore=_words(env, "CHARTER_IGNORE"),
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


def workspace_prefix(target: str, env: Mapping[str, str]) -> str:
    """The audited folder's path inside ``$GITHUB_WORKSPACE`` (POSIX, ``""`` for the workspace
    itself, or when the folder is not inside it or there is no workspace)."""
    workspace = _env(env, "GITHUB_WORKSPACE")
    if workspace is None or gitops.is_remote(target):
        return ""
    try:
        rel = Path(target).resolve().relative_to(Path(workspace).resolve())
    except (OSError, ValueError):
        return ""
    return PurePosixPath(*rel.parts).as_posix() if rel.parts else ""


def relative_to_workspace(report: Report, prefix: str) -> Report:
    """The report's paths (findings, their related places, notes, configuration sources) as
    paths from the workspace: ``prefix/path``. A finding on the audited folder as a whole keeps
    its empty path (an annotation without a file)."""
    if not prefix:
        return report

    def moved(path: str) -> str:
        return f"{prefix}/{path}" if path else ""

    findings = tuple(
        f.model_copy(
            update={
                "path": moved(f.path),
                "related": tuple(
                    Location(path=moved(r.path), line=r.line) for r in f.related
                ),
            }
        )
        for f in report.findings
    )
    notes = tuple(n.model_copy(update={"path": moved(n.path)}) for n in report.notes)
    changes = tuple(c.model_copy(update={"source": moved(c.source)}) for c in report.repo_config)
    extra = dict(report.extra)
    git = extra.get("git")
    if isinstance(git, dict) and "prefix" in git:
        # the paths now start at the workspace: SARIF must not add the git prefix again
        extra["git"] = {k: v for k, v in git.items() if k != "prefix"}
    return report.model_copy(
        update={"findings": findings, "notes": notes, "repo_config": changes, "extra": extra}
    )


def run(env: Mapping[str, str]) -> int:
    """Do everything the action does; returns the exit code."""
    target, options, fail_on, min_score = options_from(env)
    result = api.run(target, options)
    report = relative_to_workspace(result.report, workspace_prefix(target, env))
    threshold, floor = api.gate_settings(result.config, fail_on, min_score)
    code, reason = api.gate(report, threshold, floor)

    verdict = "✅ gate holds" if code == 0 else "❌ gate fails"
    summary = markdown.render(report, result.policies) + f"\n**{verdict}**: {reason}\n"
    _append(env.get("GITHUB_STEP_SUMMARY"), summary)

    markdown_file = _env(env, "CHARTER_MARKDOWN_FILE")
    if markdown_file is not None:
        _write_output_file(Path(markdown_file), summary)

    sys.stdout.write(github.render(report, result.policies))
    sarif_file = Path(_env(env, "CHARTER_SARIF_FILE") or "charter.sarif")
    _write_output_file(sarif_file, sarif.render(report, result.policies))

    scores = {p.id: p.score for p in report.profiles}
    outputs = [f"score-{pid}={'' if s is None else f'{s:.1f}'}" for pid, s in scores.items()]
    outputs += [
        f"scores={json.dumps(scores, sort_keys=True)}",
        f"sarif-file={sarif_file}",
        f"markdown-file={markdown_file or ''}",
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
