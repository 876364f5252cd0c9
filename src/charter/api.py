"""The typed API under the CLI: ``audit(target, options) -> Report`` and the gate.

:func:`run` is the whole pipeline: resolve the target (a folder, a folder at ``--ref``, or a git
URL cloned to a temporary folder), read its configuration, load policies, apply the
configuration's rule overrides to the selected profiles, run the engine, then apply
suppressions, the baseline and diff mode (:mod:`charter.postprocess`). Flags given in
:class:`Options` win over the configuration.
"""

from __future__ import annotations

import difflib
import glob
import hashlib
import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from charter import baseline as baseline_mod
from charter import conditions, gitops, postprocess
from charter.analyzers import analyzer_class, validate_params
from charter.cache import ReportCache, default_cache_dir, file_digest, setup_digest
from charter.config import (
    Config,
    check_min_score,
    in_force,
    load_config,
    repo_baseline,
    repo_policy_dirs,
)
from charter.engine import (
    ALWAYS_ON,
    PARSE_ERROR,
    AuditOptions,
    Trace,
    gc_paused,
    run_audit,
    scan,
)
from charter.errors import CharterError
from charter.models import ConfigChange, Finding, Note, Report, Severity, Status
from charter.policy import PolicySet, Profile, load_policies, select_profiles
from charter.profile_import import DEFAULT_GLOBS, discover_documents, repo_profiles
from charter.sources import DEFAULT_MAX_FILE_BYTES


@dataclass(frozen=True)
class Options:
    """What a caller may ask of an audit; unset values come from the target's config."""

    profiles: tuple[str, ...] = ()
    policy_dirs: tuple[Path, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_bytes: int | None = None
    #: wall-clock cap per file in seconds (0: none); default from config, else 60
    max_file_seconds: float | None = None
    extra: dict[str, str] = field(default_factory=dict)
    #: accept the findings recorded in this baseline file (``charter baseline``)
    baseline: Path | None = None
    #: report only findings on lines changed since the merge base with this ref
    diff_base: str | None = None
    #: audit this commit, branch or tag instead of the working tree (or a remote's default)
    ref: str | None = None
    #: apply the configuration's ``baseline`` when ``baseline`` is unset
    config_baseline: bool = True
    #: also report on the agent profiles the repository ships (None: as configured)
    repo_profiles: bool | None = None
    #: where to look for them (globs); empty: the configuration's, else the defaults
    repo_profile_globs: tuple[str, ...] = ()
    #: file-phase worker processes; 0 = one per CPU
    jobs: int = 0
    #: fewest files to analyse that start the worker pool (None: ``runner.POOL_MIN_FILES``);
    #: ``charter history`` starts it for fewer, its points analysing only what changed
    pool_min_files: int | None = None
    #: result cache folder (None with ``use_cache``: the user cache folder)
    cache_dir: Path | None = None
    #: reuse results of unchanged files and rule inputs from earlier audits
    use_cache: bool = False
    #: time each rule (wall and CPU), parses apart, and name the slowest files: the report's
    #: ``timing.rules``, ``timing.parse``, ``timing.top_files``; the finished report is then
    #: not reused from the cache (files taken from the cache are not timed)
    timing: bool = False
    #: show a progress bar on stderr for long audits
    progress: bool = False
    #: read the target's own ``.charter.yml`` / ``[tool.charter]``; off for an untrusted tree,
    #: whose settings could otherwise exclude paths or disable rules of its own audit
    repo_config: bool = True
    #: gate on every rule, not only those of high measured precision (None: as configured)
    strict: bool | None = None
    #: run only these rules: ids, or prefixes ending in ``-`` (``terraform-``); empty: all
    select: tuple[str, ...] = ()
    #: never run these rules (ids or ``-`` prefixes); wins over ``select``
    ignore: tuple[str, ...] = ()
    #: excludes that replace the configuration's (``--exclude``); None: keep the config's.
    #: ``exclude`` above always adds (``--extend-exclude``)
    exclude_override: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Audit:
    """An audit's report with the policies and configuration it was made with."""

    report: Report
    policies: PolicySet
    config: Config
    config_file: Path | None = None


def audit(target: Path | str, options: Options = Options()) -> Report:
    """Audit the repository at ``target`` against the selected (or all) profiles."""
    return run(target, options).report


def run(target: Path | str, options: Options = Options()) -> Audit:
    """Audit ``target`` (a folder or a git URL) and keep what the reporters and gate need.

    The cyclic garbage collector is paused throughout: an audit builds hundreds of thousands
    of acyclic objects (syntax trees, the cache's JSON, findings) that reference counting
    frees, and the collector only rescans them (measured: 0.8 s of a 2.2 s warm audit of the
    standard library)."""
    single = _single_file(target, options)
    if single is not None:
        only = ("/*", f"!/{_gitignore_escape(single)}")
        options = replace(options, exclude=(*options.exclude, *only))
    with gc_paused(), _checkout(target, options) as (root, label, git_info, scope):
        return _audit_tree(root, label, git_info, options, scope, single is not None)


def _single_file(target: Path | str, options: Options) -> str | None:
    """The file name when ``target`` is one local file (not a folder, not a URL): it is
    audited as its folder with every other path excluded, by file-level rules only."""
    if isinstance(target, str) and gitops.is_remote(target):
        return None
    path = Path(target)
    if options.ref is not None or not path.is_file():
        return None
    return path.name


def _gitignore_escape(name: str) -> str:
    return re.sub(r"([*?\[\]\\!# ])", r"\\\1", name)


def _example_change(report: Report) -> tuple[ConfigChange, ...]:
    """The README's "this is example code", listed with the configuration's changes: it
    takes rules out of the audit as a setting would."""
    skipped = [
        r
        for r in report.rules
        if r.status is Status.NOT_APPLICABLE and r.message.startswith(conditions.EXAMPLE_REASON)
    ]
    if not skipped:
        return ()
    m = re.match(re.escape(conditions.EXAMPLE_REASON) + r"(\S+?):(\d+) ", skipped[0].message)
    if m is None:
        return ()
    ids = sorted({r.id for r in skipped})
    return (
        ConfigChange(
            kind="readme",
            name="example-repository",
            change=f"example code: {len(ids)} rule(s) do not apply ({', '.join(ids)})"[:200],
            source=f"{m.group(1)}:{m.group(2)}",
        ),
    )


def file_level(policies: PolicySet, rule_id: str) -> bool:
    """Whether a rule judges files one by one (a file phase and no repository phase): the
    only rules that run when the target is a single file."""
    rule = policies.rules[rule_id]
    if rule.analyzer is None:
        return False
    cls = analyzer_class(rule.analyzer)
    return cls.has_file_phase() and not cls.has_repo_phase()


def _drop_unselected(report: Report, select: Sequence[str], ignore: Sequence[str]) -> Report:
    """The rules every audit runs (engine.ALWAYS_ON) follow ``--select``/``--ignore`` too,
    except ``parse-error``: a file charter cannot parse is always said (as ruff's syntax
    errors are)."""
    if not select and not ignore:
        return report

    def dropped(rule_id: str) -> bool:
        if rule_id not in ALWAYS_ON or rule_id == PARSE_ERROR:
            return False
        if select and not any(_matches(s, rule_id) for s in select):
            return True
        return any(_matches(s, rule_id) for s in ignore)

    return report.model_copy(
        update={
            "rules": tuple(r for r in report.rules if not dropped(r.id)),
            "findings": tuple(f for f in report.findings if not dropped(f.rule)),
        }
    )


def _matches(selector: str, rule_id: str) -> bool:
    """A rule id given whole, or a prefix of whole words: ``terraform-`` or ``terraform`` for
    every ``terraform-*`` rule (``terra`` matches nothing)."""
    return rule_id == selector or rule_id.startswith(selector.rstrip("-") + "-")


def check_selectors(policies: PolicySet, selectors: Sequence[str], flag: str) -> None:
    """Each selector must name a rule (an id, or a prefix of whole words); else exit 2 with
    the closest ids and prefixes."""
    ids = sorted(policies.rules)
    for sel in selectors:
        if any(_matches(sel, rule_id) for rule_id in ids):
            continue
        prefixes = sorted({i.split("-", 1)[0] + "-" for i in ids if "-" in i})
        close = difflib.get_close_matches(sel.rstrip("*"), [*ids, *prefixes], n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise CharterError(
            f"{flag}: {sel!r} matches no rule (an id, or a prefix of whole words such as "
            f"'terraform'){hint} Run 'charter rules' for the ids"
        )


def select_rules(
    policies: PolicySet,
    profiles: Sequence[Profile],
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    single_file: bool = False,
) -> list[Profile]:
    """The profiles with only the selected rules: those ``select`` names (all when empty),
    minus those ``ignore`` names, and only file-level rules for a single-file target."""
    check_selectors(policies, select, "--select")
    check_selectors(policies, ignore, "--ignore")
    if not select and not ignore and not single_file:
        return list(profiles)

    def wanted(rule_id: str) -> bool:
        if select and not any(_matches(s, rule_id) for s in select):
            return False
        if any(_matches(s, rule_id) for s in ignore):
            return False
        return not single_file or file_level(policies, rule_id)

    return [
        p.model_copy(update={"rules": tuple(r for r in p.rules if wanted(r.id))}) for p in profiles
    ]


@contextmanager
def _checkout(
    target: Path | str, options: Options
) -> Iterator[tuple[Path, str, dict[str, Any] | None, str | None]]:
    """(tree to audit, its label in reports, git facts, cache scope: None for a local folder,
    else what a temporary checkout is of)."""
    text = str(target)
    if isinstance(target, str) and gitops.is_remote(text):
        if options.diff_base is not None:
            raise CharterError("--diff-base works on a local checkout only; drop it for a URL")
        with gitops.clone(text, options.ref) as checkout:
            shown = gitops.redact_url(text)
            yield checkout.root, shown, checkout.git, f"clone of {shown}"
        return
    path = Path(target)
    if not path.exists():
        raise CharterError(f"{path}: no such file or folder; pass a repository path or git URL")
    if path.is_file() and options.ref is None:  # one file: its folder, the rest excluded
        yield path.parent, str(path), gitops.describe(path.parent), None
        return
    if not path.is_dir():
        raise CharterError(f"{path}: not a folder; pass the repository's root folder")
    if options.ref is not None:
        if options.diff_base is not None:
            raise CharterError("--diff-base compares the working tree; drop it or drop --ref")
        with gitops.snapshot(path, options.ref) as checkout:
            scope = f"snapshot of {path.resolve()}"
            yield checkout.root, f"{path}@{options.ref}", checkout.git, scope
        return
    yield path, str(path), gitops.describe(path), None


def _audit_tree(
    root: Path,
    label: str,
    git_info: dict[str, Any] | None,
    options: Options,
    scope: str | None = None,
    single_file: bool = False,
) -> Audit:
    config, config_file = load_config(root) if options.repo_config else (Config(), None)
    if options.exclude_override is not None:  # --exclude replaces the configuration's
        config = config.model_copy(update={"exclude": ()})
    where = str(config_file) if config_file is not None else "config"
    # the repository's own policy folders, unless --policies replaces them: inside it, no link
    repo_dirs = [] if options.policy_dirs else repo_policy_dirs(root, config.policies, where)
    policy_dirs = list(options.policy_dirs) or repo_dirs
    policies = load_policies(policy_dirs)
    wanted = list(options.profiles or config.profiles)
    # --profile may name the repository's own profiles (agents, agent-backend): import them
    # when a wanted id is not a policy profile
    unknown = [w for w in wanted if w not in policies.profiles]
    found, unreadable = _repo_profiles(root, policies, config, options, force=bool(unknown))
    repo_ids = {p.id for p in found}
    if wanted and any(w in repo_ids for w in wanted):
        found = [p for p in found if p.id in wanted]
    try:
        builtin_wanted = [w for w in wanted if w not in repo_ids]
        profiles = select_profiles(policies, builtin_wanted) if builtin_wanted or not wanted else []
    except CharterError as exc:
        if options.profiles or config_file is None:
            if repo_ids and "unknown profile" in str(exc):
                raise CharterError(
                    f"{exc}, or a profile of the repository: {', '.join(sorted(repo_ids))}"
                ) from None
            raise
        raise CharterError(f"{where}: field 'profiles': {exc}".replace("--profile: ", "")) from None
    check_min_score(config, {*policies.profiles, *(p.id for p in found)}, where)
    profiles = apply_overrides(policies, [*profiles, *found], config, where)
    profiles = select_rules(policies, profiles, options.select, options.ignore, single_file)
    engine_options = AuditOptions(
        max_file_seconds=next(
            (v for v in (options.max_file_seconds, config.max_file_seconds) if v is not None),
            60.0,
        ),
        max_file_bytes=options.max_file_bytes or config.max_file_bytes or DEFAULT_MAX_FILE_BYTES,
        exclude=(*config.exclude, *(options.exclude_override or ()), *options.exclude),
        jobs=options.jobs,
        pool_min_files=options.pool_min_files,
        cache_dir=(options.cache_dir or default_cache_dir()) if options.use_cache else None,
        progress=options.progress,
        timing=options.timing,
        cache_scope=scope,
        path_classes=tuple((k, tuple(v)) for k, v in sorted(config.path_classes.items())),
        # the README's word is the repository's own say, as its configuration is: a run
        # without the repository's configuration (a fork's pull request) does not take it
        example_repository=config.example_repository if options.repo_config else False,
    )
    baseline_path = options.baseline
    repo_baseline_value: str | None = None
    if baseline_path is None and config.baseline is not None and options.config_baseline:
        # a regular file inside the repository, under the size cap (no FIFO, no /dev/zero)
        baseline_path = repo_baseline(root, config.baseline, where)
        repo_baseline_value = config.baseline
    entries = baseline_mod.load(baseline_path) if baseline_path is not None else None
    changed = gitops.changed_lines(root, options.diff_base) if options.diff_base else None

    strict = options.strict if options.strict is not None else config.strict
    post = postprocess.PostOptions(
        known_rules=frozenset(policies.rules),
        baseline=entries,
        changed=changed,
        gating_rules=frozenset(r.id for r in policies.rules.values() if r.precision.gates),
        strict=strict,
    )
    key = _setup_key(policies, profiles, config, engine_options, label, baseline_path, strict)
    report = _report(root, label, policies, profiles, engine_options, post, key)
    report = _drop_unselected(report, options.select, options.ignore)
    extra = dict(report.extra)
    if git_info is not None:
        extra["git"] = git_info
    if baseline_path is not None:
        extra["baseline_file"] = str(baseline_path)
    if options.diff_base is not None:
        extra["diff_base"] = options.diff_base
    extra["strict"] = strict
    if found or options.repo_profiles:
        extra["repo_profiles"] = {p.id: p.title for p in found}
    flags = {
        "profiles": bool(options.profiles),
        "max-file-bytes": bool(options.max_file_bytes),
        "max-file-seconds": options.max_file_seconds is not None,
        "strict": options.strict is not None,
        "repo-profiles": options.repo_profiles is not None,
        "repo-profile-globs": bool(options.repo_profile_globs),
    }
    changes = in_force(
        root,
        config,
        config_file,
        policy_dirs=repo_dirs,
        baseline=repo_baseline_value,
        overridden={name for name, given in flags.items() if given},
    )
    changes += _example_change(report)
    report = report.model_copy(update={"extra": extra, "repo_config": changes})
    if unreadable:  # an agent document charter could not read is a note, not a lost report
        notes = sorted({*report.notes, *unreadable}, key=lambda n: (n.path, n.line, n.message))
        report = report.model_copy(update={"notes": tuple(notes)})
    return Audit(report, policies, config, config_file)


def _report(
    root: Path,
    label: str,
    policies: PolicySet,
    profiles: Sequence[Profile],
    engine: AuditOptions,
    post: postprocess.PostOptions,
    key: str,
) -> Report:
    """The engine's report with suppressions, baseline and diff mode applied; with the cache
    on (and not in diff mode), the last run's finished report when the set-up ``key`` and
    every file it depended on are unchanged, and otherwise a fresh one that is stored."""
    started = time.perf_counter()
    tree = scan(root, engine)
    reuse: ReportCache | None = None
    resolved = root.resolve()

    def digest(rel: str) -> str:
        return file_digest(resolved / rel, engine.max_file_bytes)

    if engine.cache_dir is not None and post.changed is None and not engine.timing:
        hashing = time.perf_counter()
        for rel in tree.files:
            tree.digests[rel] = digest(rel)
        reuse = ReportCache(engine.cache_dir, engine.cache_scope or resolved, key)
        stored = reuse.load(tree.files, tree.odd_names, tree.digests, digest)
        if stored is not None:
            ended = time.perf_counter()
            timing = {
                "discover_s": round(tree.discover_s, 4),
                "files_s": round(ended - hashing, 4),  # hashing, and loading the report
                "repo_s": 0.0,
                "total_s": round(ended - started, 4),
                "cache_hits": len(tree.files),
                "cache_misses": 0,
                "report_reused": 1,
            }
            return stored.model_copy(update={"timing": timing})
    trace = Trace()
    report = postprocess.apply(  # given the engine's report alone: its findings are not copied
        run_audit(root, policies, profiles, engine, target_label=label, tree=tree, trace=trace),
        root,
        post,
    )
    errors = any(r.status is Status.ERROR for r in report.rules)
    if reuse is not None and not errors and not trace.transient:
        reuse.store(report, tree.files, tree.odd_names, tree.digests, trace.reads, digest)
    return report


def _setup_key(
    policies: PolicySet,
    profiles: Sequence[Profile],
    config: Config,
    engine: AuditOptions,
    label: str,
    baseline: Path | None,
    strict: bool = False,
) -> str:
    """Everything a finished report depends on besides the audited files: charter and its
    policies, the profiles in force (after overrides, with the repository's own), the
    configuration, the options that change results, the target's label and the baseline."""
    setup = {
        "charter": setup_digest(policies),
        "profiles": [p.model_dump(mode="json") for p in profiles],
        "config": config.model_dump(mode="json"),
        "options": [
            engine.max_file_bytes,
            list(engine.exclude),
            engine.max_file_seconds,
            strict,
            engine.path_classes,
        ],
        "label": label,
        "baseline": None if baseline is None else [str(baseline), file_digest(baseline, 1 << 40)],
    }
    raw = json.dumps(setup, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def _repo_profiles(
    root: Path, policies: PolicySet, config: Config, options: Options, *, force: bool = False
) -> tuple[list[Profile], list[Note]]:
    """The repository's own agent profiles, imported in memory, when asked for (``force``:
    ``--profile`` names one), and a note for each document that cannot be read as UTF-8 text
    (it is left out; the audit goes on)."""
    wanted = options.repo_profiles if options.repo_profiles is not None else config.repo_profiles
    if not wanted and not (force and options.repo_profiles is None):
        return [], []
    globs = options.repo_profile_globs or config.repo_profile_globs or DEFAULT_GLOBS
    readable: list[str] = []
    notes: list[Note] = []
    for rel in discover_documents(root, globs):
        try:
            (root / rel).read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            why = "the file is not valid UTF-8"
        except OSError as exc:
            why = f"cannot read it ({exc.strerror or type(exc).__name__})"
        else:
            readable.append(glob.escape(rel))
            continue
        notes.append(Note(path=rel, message=f"not imported as an agent profile: {why}"))
    return (repo_profiles(root, policies, readable) if readable else []), notes


def rule_params(config: Config) -> dict[str, dict[str, Any]]:
    """Rule id -> the parameters the configuration sets for it (``rules.<id>.params``)."""
    return {rule_id: dict(o.params) for rule_id, o in config.rules.items() if o.params}


def apply_overrides(
    policies: PolicySet, profiles: Sequence[Profile], config: Config, where: str = "config"
) -> list[Profile]:
    """The profiles with the configuration's ``rules`` overrides: a disabled rule is removed,
    a severity or parameters replace the profile's for that rule."""
    if not config.rules:
        return list(profiles)
    for rule_id, override in config.rules.items():
        if rule_id not in policies.rules:
            raise CharterError(
                f"{where}: field 'rules.{rule_id}': unknown rule; "
                "run 'charter rules' for the ids or remove the entry"
            )
        if override.params:
            rule = policies.rules[rule_id]
            validate_params(rule, {**rule.params, **override.params}, f"{where} rules.{rule_id}")
    out: list[Profile] = []
    for profile in profiles:
        refs = []
        for ref in profile.rules:
            change = config.rules.get(ref.id)
            if change is None:
                refs.append(ref)
                continue
            if change.disable:
                continue
            update: dict[str, Any] = {}
            if change.severity is not None:
                update["severity"] = change.severity
            if change.params:
                update["params"] = {**ref.params, **change.params}
            if change.scope is not None:
                update["scope"] = change.scope
            refs.append(ref.model_copy(update=update))
        out.append(profile.model_copy(update={"rules": tuple(refs)}))
    return out


def write_baseline(target: Path, output: Path, options: Options = Options()) -> int:
    """Record the target's current findings (suppressed ones excepted) in ``output``; returns
    how many were recorded."""
    plain = replace(options, baseline=None, diff_base=None, ref=None, config_baseline=False)
    report = run(target, plain).report
    lines = postprocess.finding_lines(Path(target))
    entries = baseline_mod.entries_for(report.findings, lines.line_text)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(baseline_mod.dumps(entries), encoding="utf-8")
    except OSError as exc:
        raise CharterError(f"{output}: cannot write baseline: {exc.strerror or exc}") from None
    return len(entries)


def policies_for(policy_dirs: Sequence[Path] = ()) -> PolicySet:
    return load_policies(list(policy_dirs))


# --- the gate --------------------------------------------------------------------------------

MinScore = float | Mapping[str, float] | None


def gate_settings(
    config: Config, fail_on: str | None, min_score: float | None
) -> tuple[Severity | None, MinScore]:
    """The gate's threshold and score floor(s): flags win over config; fail-on defaults to
    high, no score floor by default."""
    chosen = fail_on if fail_on is not None else (config.fail_on or "high")
    threshold = None if chosen == "none" else Severity(chosen)
    floor: MinScore = min_score if min_score is not None else config.min_score
    return threshold, floor


def gate(report: Report, fail_on: Severity | None, min_score: MinScore = None) -> tuple[int, str]:
    """Exit code and reason: 2 if a rule errored, 1 if a gating finding (active and not
    advisory) is at or above ``fail_on`` or a profile scores below its floor (the reason names
    every one that held), else 0. ``fail_on=None`` means never fail on findings."""
    errors = [r.id for r in report.rules if r.status.value == "error"]
    if errors:
        return 2, f"rule(s) in error: {', '.join(errors)}; the audit is incomplete"
    reasons: list[str] = []
    if fail_on is not None:
        failing = [f for f in report.gating_findings() if f.severity.rank >= fail_on.rank]
        if failing:
            counts = {s: sum(f.severity is s for f in failing) for s in Severity}
            detail = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
            reasons.append(f"{len(failing)} finding(s) at or above {fail_on.value} ({detail})")
    for profile in report.profiles:
        floor = min_score.get(profile.id) if isinstance(min_score, Mapping) else min_score
        if floor is None or profile.score is None:
            continue
        if profile.score < floor:
            shaky = ""
            if profile.provisional:
                shaky = f" (provisional: {profile.applicable} rules apply)"
            reasons.append(
                f"profile {profile.id} scores {profile.score:.1f}, below {floor:g}{shaky}"
            )
    if reasons:
        return 1, "; ".join(reasons)
    held = [
        f"no gating finding at or above {fail_on.value}" if fail_on else "gate on findings disabled"
    ]
    advisory = [
        f
        for f in report.active_findings()
        if f.advisory and (fail_on is None or f.severity.rank >= fail_on.rank)
    ]
    if fail_on is not None and advisory:
        held.append(
            f"{len(advisory)} advisory finding(s) at or above {fail_on.value} from rules of "
            "medium, low or unmeasured precision (--strict gates on them)"
        )
    if min_score is not None:
        held.append("every profile at or above its minimum score")
    return 0, "; ".join(held)


# --- fix -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FixRun:
    """What ``charter fix`` did or would do: each file's fix, the findings of the fixing rules
    before, and after when the files were written (a re-audit; None when nothing was written),
    and the folder the paths are relative to."""

    root: Path
    files: tuple[Any, ...]  # charter.fixes.FileFix (LibCST is imported only when fixing)
    found: tuple[Finding, ...]
    remaining: tuple[Finding, ...] | None


def fix(
    target: Path | str, options: Options = Options(), *, unsafe: bool = False, write: bool = True
) -> FixRun:
    """Apply the fixes of the rules that have one to the files of ``target`` (a folder or a file
    on disk): safe fixes, and unsafe ones too with ``unsafe``. With ``write`` False nothing is
    written (``--diff``, ``--check``)."""
    from charter import fixes

    if (isinstance(target, str) and gitops.is_remote(target)) or options.ref is not None:
        raise CharterError(
            "charter fix changes files on disk: give a folder or a file, not a git URL or --ref"
        )
    path = Path(target)
    if not path.exists():
        raise CharterError(f"{target}: no such file or folder")
    root = path if path.is_dir() else path.parent
    fixable = sorted(fixes.fixable_rules(policies_for(options.policy_dirs)))
    if not options.select:
        options = replace(options, select=tuple(fixable))
    result = run(target, options)
    ids = set(fixes.fixable_rules(result.policies))

    def open_findings(report: Report) -> tuple[Finding, ...]:
        return tuple(
            f for f in report.findings if f.rule in ids and not (f.suppressed or f.baselined)
        )

    found = open_findings(result.report)
    files = fixes.fix_findings(
        root, found, result.policies, unsafe=unsafe, overrides=rule_params(result.config)
    )
    if not write:
        return FixRun(root, tuple(files), found, None)
    for item in files:
        if item.changed and item.after is not None:
            fixes.write_atomic(root / item.path, item.after)
    again = run(target, options).report if any(f.changed for f in files) else result.report
    return FixRun(root, tuple(files), found, open_findings(again))
