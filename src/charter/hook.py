"""pre-commit mode: ``charter hook FILE...`` and ``charter hook --diff``.

A commit is about the files it changes; the repository-level rules (a CI workflow, a test
suite, a lock file, the README's setup section) are about the repository and belong in CI. So
the default hook checks **the staged files pre-commit passes, with file-level rules only**:

- a file-level rule is one whose findings come from the file phase alone: an analyzer with a
  file phase and no repository phase, or whose repository phase only says the rule is not
  applicable when no file was relevant (:class:`charter.analyzers.python.common.RelevantRule`);
- only the given files are analysed, and only those git tracks (a staged new file is tracked,
  an untracked one is not); the path classes still come from the whole tree, so a staged
  migration or generated file is classed as the full audit classes it;
- the gate is the findings' alone: exit 1 when a gating finding (not advisory, not suppressed,
  not baselined) is at or above ``--fail-on``; no score floor, since a handful of files cannot
  score a profile.

``charter hook --diff`` (the ``charter-diff`` hook, for pre-push) runs every rule on the tracked
files and reports only the lines changed since the merge base with ``--diff-base`` (default
``origin/main``). When that ref does not exist it falls back to the branch's upstream
(``@{upstream}``), then to ``HEAD`` (the uncommitted changes), and says on stderr which it used.
Untracked files are audited in neither mode.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from charter import api, gitops, postprocess
from charter import baseline as baseline_mod
from charter.analyzers import analyzer_class
from charter.cache import default_cache_dir
from charter.config import Config, load_config, repo_baseline, repo_policy_dirs
from charter.engine import AuditOptions, run_audit, scan
from charter.errors import CharterError
from charter.models import Finding
from charter.policy import PolicySet, Profile, Rule, load_policies, select_profiles
from charter.reporters.escape import visible
from charter.sources import DEFAULT_MAX_FILE_BYTES

DEFAULT_DIFF_BASE = "origin/main"
_FAIL_ON = ("critical", "high", "medium", "low", "none")


def file_level(rule: Rule) -> bool:
    """Whether the rule judges files one by one (its findings need no other file)."""
    from charter.analyzers.python.common import RelevantRule  # analyzers load on demand

    if rule.analyzer is None:
        return False
    cls = analyzer_class(rule.analyzer)
    if not cls.has_file_phase():
        return False
    return not cls.has_repo_phase() or cls.check_repo is RelevantRule.check_repo


def file_level_profiles(policies: PolicySet, profiles: Sequence[Profile]) -> list[Profile]:
    """The profiles with their file-level rules only."""
    return [
        p.model_copy(
            update={"rules": tuple(r for r in p.rules if file_level(policies.rules[r.id]))}
        )
        for p in profiles
    ]


@dataclass(frozen=True)
class HookOptions:
    profiles: tuple[str, ...] = ()
    policy_dirs: tuple[Path, ...] = ()
    repo_config: bool = True
    strict: bool | None = None
    jobs: int = 0
    #: reuse per-file results of unchanged files (the user cache folder), as 'charter audit'
    use_cache: bool = True


def tracked_files(root: Path) -> frozenset[str] | None:
    """The files git's index holds under ``root`` (relative to it; staged new files
    included), or None when ``root`` is not in a git work tree."""
    try:
        out = gitops._run(root, "ls-files", "-z", "--cached")
    except gitops._GitFailed:
        return None
    return frozenset(os.fsdecode(n) for n in out.split(b"\0") if n)


def relative_paths(root: Path, files: Sequence[str]) -> tuple[list[str], list[str]]:
    """The given paths relative to ``root`` as POSIX paths, and those outside it."""
    base = root.resolve()
    inside: list[str] = []
    outside: list[str] = []
    for name in files:
        path = Path(name)
        full = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
        try:
            rel = full.relative_to(base)
        except ValueError:
            outside.append(name)
            continue
        inside.append(PurePosixPath(*rel.parts).as_posix())
    return inside, outside


def _audit(
    root: Path,
    options: HookOptions,
    *,
    only: Collection[str] | None,
    changed: Mapping[str, Collection[int] | None] | None = None,
) -> api.Audit:
    """The audit pipeline of :func:`charter.api.run` on the tracked files of ``root`` (and of
    them, ``only`` with file-level rules alone when given), with the target's configuration,
    its overrides, baseline and suppressions applied."""
    config, config_file = load_config(root) if options.repo_config else (Config(), None)
    where = str(config_file) if config_file is not None else "config"
    repo_dirs = [] if options.policy_dirs else repo_policy_dirs(root, config.policies, where)
    policies = load_policies(list(options.policy_dirs) or repo_dirs)
    profiles = select_profiles(policies, options.profiles or config.profiles)
    found, _ = api._repo_profiles(root, policies, config, api.Options())
    profiles = api.apply_overrides(policies, [*profiles, *found], config, where)
    if only is not None:
        profiles = file_level_profiles(policies, profiles)
    engine = AuditOptions(
        max_file_seconds=60.0 if config.max_file_seconds is None else config.max_file_seconds,
        max_file_bytes=config.max_file_bytes or DEFAULT_MAX_FILE_BYTES,
        exclude=tuple(config.exclude),
        jobs=options.jobs,
        cache_dir=default_cache_dir() if options.use_cache else None,
        path_classes=tuple((k, tuple(v)) for k, v in sorted(config.path_classes.items())),
    )
    tree = scan(root, engine)  # the whole tree: path classes depend on its other files
    keep = set(tree.files)
    tracked = tracked_files(root)
    if tracked is not None:
        keep &= tracked
    if only is not None:
        keep &= set(only)
        tree.odd_names = [o for o in tree.odd_names if o[0] in only]
    tree.files = [f for f in tree.files if f in keep]
    strict = options.strict if options.strict is not None else config.strict
    entries = None
    if config.baseline is not None:
        entries = baseline_mod.load(repo_baseline(root, config.baseline, where))
    post = postprocess.PostOptions(
        known_rules=frozenset(policies.rules),
        baseline=entries,
        changed=changed,
        gating_rules=frozenset(r.id for r in policies.rules.values() if r.precision.gates),
        strict=strict,
    )
    report = run_audit(root, policies, profiles, engine, target_label=str(root), tree=tree)
    report = postprocess.apply(report, root, post)
    return api.Audit(report, policies, config, config_file)


def audit_files(root: Path, files: Collection[str], options: HookOptions) -> api.Audit:
    """The given files (relative to ``root``) that git tracks, with file-level rules only."""
    return _audit(root, options, only=files)


def pick_diff_base(root: Path, wanted: str = DEFAULT_DIFF_BASE) -> tuple[str | None, str]:
    """The ref to diff against and a line saying which it is: ``wanted`` when it exists, else
    the current branch's upstream, else ``HEAD``; None when the repository has no commit yet
    (every tracked file is new)."""
    gitops.check_ref("--diff-base", wanted)

    def commit(ref: str) -> bool:
        out = gitops._git_out(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        return bool(out)

    if commit(wanted):
        return wanted, f"diff base: {wanted}"
    if commit("@{upstream}"):
        name = gitops._git_out(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name",
                               "@{upstream}")
        shown = f"@{{upstream}} ({name})" if name else "@{upstream}"
        return "@{upstream}", f"{wanted} not found; diff base: {shown}"
    if commit("HEAD"):
        return "HEAD", (
            f"{wanted} not found and the branch has no upstream; diff base: HEAD "
            "(uncommitted changes only)"
        )
    return None, f"{wanted} not found and no commit yet; every tracked file is new"


def audit_diff(root: Path, wanted: str, options: HookOptions) -> tuple[api.Audit, str]:
    """Every rule on the tracked files, findings only on lines changed since the picked base."""
    if gitops._work_tree(root) is None:
        raise CharterError(f"{root}: charter hook --diff needs a git repository")
    base, said = pick_diff_base(root, wanted)
    changed = gitops.changed_lines(root, base) if base is not None else None
    return _audit(root, options, only=None, changed=changed), said


def _line(f: Finding) -> str:
    where = f"{f.path}:{f.line}:{f.column}" if f.line else (f.path or "(repository)")
    return visible(f"{where}: {f.rule} [{f.severity.value}] {f.message}") + "\n"


def hook_command(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="Files to check (pre-commit passes the staged ones).", metavar="FILE"),
    ] = None,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Run every rule and report only lines changed since --diff-base (falling back "
            "to the upstream branch, then HEAD); FILE arguments are ignored.",
        ),
    ] = False,
    diff_base: Annotated[
        str, typer.Option("--diff-base", help="With --diff: the ref to compare with.")
    ] = DEFAULT_DIFF_BASE,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile id (repeatable) [default: the config's profiles, else all].",
        ),
    ] = None,
    policies: Annotated[
        list[Path] | None,
        typer.Option(
            "--policies",
            help="Folder with rules/ and profiles/ that add or override [default: none].",
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Lowest severity that fails: critical, high, medium, low or none "
            "[default: fail-on in config, else high].",
        ),
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option("--strict/--no-strict", help="Gate on every rule (default: as configured)."),
    ] = None,
    repo_config: Annotated[
        bool,
        typer.Option("--repo-config/--no-repo-config", help="Read .charter.yml / [tool.charter]."),
    ] = True,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes.")] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the result cache.")
    ] = False,
) -> None:
    """pre-commit: check the given (staged) files with file-level rules only; with --diff, the
    lines changed since origin/main. Untracked files are never checked."""
    if fail_on is not None and fail_on not in _FAIL_ON:
        raise CharterError(f"--fail-on: {fail_on!r}; use one of {', '.join(_FAIL_ON)}")
    root = Path()
    options = HookOptions(
        profiles=tuple(profile or ()),
        policy_dirs=tuple(policies or ()),
        repo_config=repo_config,
        strict=strict,
        jobs=jobs,
        use_cache=not no_cache,
    )
    if diff:
        result, said = audit_diff(root, diff_base, options)
        typer.echo(f"charter: {said}", err=True)
        what = "changed lines"
        threshold, floor = api.gate_settings(result.config, fail_on, None)
    else:
        rel, outside = relative_paths(root, files or ())
        for name in outside:
            typer.echo(f"charter: {name}: outside the repository; not checked", err=True)
        if not rel:
            typer.echo("charter: no files to check", err=True)
            raise typer.Exit(0)
        result = audit_files(root, rel, options)
        what = f"{result.report.files_scanned} file(s), file-level rules (repository rules: CI)"
        threshold, _ = api.gate_settings(result.config, fail_on, None)
        floor = None  # a handful of files cannot score a profile
    report = result.report
    code, reason = api.gate(report, threshold, floor)
    failing = [
        f
        for f in report.gating_findings()
        if threshold is not None and f.severity.rank >= threshold.rank
    ]
    for finding in sorted(failing, key=lambda f: (-f.severity.rank, *f.sort_key)):
        typer.echo(_line(finding), nl=False)
    shown = len(failing)
    other = len(report.active_findings()) - shown
    if other:
        reason += f"; {other} other finding(s) not shown ('charter audit' lists them)"
    verdict = "holds" if code == 0 else "fails"
    typer.echo(f"charter: {what}: gate {verdict}: {reason}", err=True)
    raise typer.Exit(code)

