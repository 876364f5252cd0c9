"""The command line: parse flags, call the API, pick a reporter, return the exit code.

Exit codes: 0 the gate holds, 1 a finding at or above ``--fail-on``, 2 usage, config, policy or
internal error (always one line on stderr, never a traceback unless ``CHARTER_DEBUG=1``).
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from charter import __version__, api
from charter.catalog import rules_markdown
from charter.cli_common import split_values as _split
from charter.cli_common import write_output as _write
from charter.errors import CharterError
from charter.fleet.cli import fleet_app
from charter.hook import hook_command
from charter.policy import PolicySet, load_policies
from charter.report_cli import history_command, report_command
from charter.reporters import REPORTERS

app = typer.Typer(
    name="charter",
    help="Audit a repository against the engineering standards of AI agent profiles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # plain help: rich markup would eat "[default: high]" and "[tool.charter]"
    rich_markup_mode=None,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"charter {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_show_version,
            is_eager=True,
            help="Print 'charter VERSION' and exit.",
        ),
    ] = False,
) -> None:
    """Audit a repository against the engineering standards of AI agent profiles."""


def _color(no_color: bool, output: Path | None) -> bool:
    """Colour on a terminal; never with --no-color or NO_COLOR (which wins), always with
    FORCE_COLOR (no-color.org, force-color.org: set and not empty); a report file never."""
    if no_color or os.environ.get("NO_COLOR") or output is not None:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _statistics(report: Any, policies: PolicySet) -> str:
    """One line per rule with its count of findings (active ones), most first, as ruff's."""
    from collections import Counter

    from charter.models import Severity

    findings = report.active_findings()
    counts = Counter(f.rule for f in findings)
    worst: dict[str, Severity] = {}
    advisory: dict[str, bool] = {}
    for f in findings:
        if f.rule not in worst or f.severity.rank > worst[f.rule].rank:
            worst[f.rule] = f.severity
        advisory[f.rule] = advisory.get(f.rule, True) and f.advisory
    lines = []
    for rule_id, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rule = policies.rules.get(rule_id)
        title = rule.title if rule is not None else ""
        kind = "advisory" if advisory[rule_id] else "gating"
        lines.append(f"{n:>6}  {rule_id:<34} {worst[rule_id].value:<8} {kind:<8} {title}")
    if not lines:
        lines.append("     0  (no findings)")
    return "\n".join(lines) + "\n"


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    GITHUB = "github"
    HTML = "html"


#: the formats that offer each fixable finding's patch (SARIF fixes, suggestion blocks)
_SUGGESTING = frozenset({OutputFormat.SARIF, OutputFormat.MARKDOWN, OutputFormat.GITHUB})


class ListFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RulesFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class GroupBy(StrEnum):
    RULE = "rule"
    FILE = "file"
    PROFILE = "profile"


class FailOn(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


ProfilesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="ID",
        help="Profile id (repeatable, or a comma list) [default: the config's profiles, else all].",
    ),
]
PoliciesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--policies",
        metavar="DIR",
        help="Folder with rules/ and profiles/ that add or override (repeatable) "
        "[default: the config's policies, else the built-in ones].",
    ),
]


@app.command()
def audit(
    path: Annotated[
        str,
        typer.Argument(
            help="Repository folder, git URL, or one file (file-level rules only).",
            metavar="PATH|GIT_URL|FILE",
        ),
    ] = ".",
    profile: ProfilesOpt = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Report format.")
    ] = OutputFormat.TEXT,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here [default: stdout]."),
    ] = None,
    policies: PoliciesOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Lowest severity that fails the gate [default: high]."),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            metavar="N",
            min=0,
            max=100,
            help="Fail when a profile scores below N [default: the config's, else none].",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="Accept the findings recorded by 'charter baseline' [default: the config's "
            "baseline, else none].",
        ),
    ] = None,
    diff_base: Annotated[
        str | None,
        typer.Option(
            "--diff-base",
            metavar="REF",
            help="Report only lines changed since merge-base with REF [default: every line].",
        ),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option(
            "--ref",
            metavar="REF",
            help="Audit this commit, branch or tag (working tree untouched) [default: the "
            "working tree].",
        ),
    ] = None,
    repo_profiles: Annotated[
        bool | None,
        typer.Option(
            "--repo-profiles/--no-repo-profiles",
            help="Also report on the agent profiles the repository ships (.claude/agents/*.md, "
            "AGENTS.md, CLAUDE.md) [default: repo-profiles in config, else off].",
        ),
    ] = None,
    repo_profile_glob: Annotated[
        list[str] | None,
        typer.Option(
            "--repo-profile-glob",
            metavar="GLOB",
            help="Where those profiles are (repeatable glob, or a comma list) [default: "
            ".claude/agents/*.md, AGENTS.md, CLAUDE.md].",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=0,
            show_default=False,
            help="Worker processes [default: CPU count].",
        ),
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the result cache.")
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir", metavar="DIR", help="Result cache folder [default: ~/.cache/charter]."
        ),
    ] = None,
    timing: Annotated[
        bool,
        typer.Option(
            "--timing",
            help="Time each rule (wall and CPU), parsing apart, and name the slowest files: a "
            "table on stderr, and timing.rules / timing.parse / timing.top_files in JSON. Files "
            "taken from the cache are not timed (add --no-cache to time them all).",
        ),
    ] = False,
    repo_config: Annotated[
        bool,
        typer.Option(
            "--repo-config/--no-repo-config",
            help="Read the target's .charter.yml / [tool.charter]. Turn it off when the tree is "
            "untrusted (a fork's pull request): its settings could exclude paths or disable "
            "rules of its own audit, and the flags alone then decide.",
        ),
    ] = True,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--no-strict",
            help="Gate on every rule, not only on rules of high or very-high measured precision "
            "(the others are advisory by default) [default: strict in config, else off].",
        ),
    ] = None,
    show_source: Annotated[
        bool,
        typer.Option(
            "--show-source/--no-show-source",
            help="Text report: show each finding's source line with a caret under its column.",
        ),
    ] = True,
    group_by: Annotated[
        GroupBy | None,
        typer.Option(
            "--group-by",
            help="Text report: list the failing rules by rule, by file, or under each profile "
            "[default: profile when the repository's own profiles are audited, else rule].",
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="RULE",
            help="Run only these rules: ids, or prefixes of whole words such as 'terraform' "
            "(repeatable, or a comma list) [default: every rule of the profiles].",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="RULE",
            help="Never run these rules: ids or prefixes of whole words (repeatable, or a comma "
            "list; "
            "wins over --select) [default: none].",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="GLOB",
            help="Paths not audited, gitignore-style globs that replace the config's exclude "
            "(repeatable, or a comma list) [default: the config's exclude].",
        ),
    ] = None,
    extend_exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--extend-exclude",
            metavar="GLOB",
            help="Globs excluded in addition to --exclude or the config's (repeatable, or a "
            "comma list) [default: none].",
        ),
    ] = None,
    exit_zero: Annotated[
        bool,
        typer.Option(
            "--exit-zero",
            help="Exit 0 even when the gate fails (still 2 on an error).",
        ),
    ] = False,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics",
            help="Print one line per rule with its count of findings, then the gate line, "
            "instead of the report (text format only).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only the gate line (text format) and errors; no progress, no notes.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also print on stderr the configuration file, profiles, rules run, files "
            "scanned and timing.",
        ),
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option(
            "--no-color",
            help="No colour in the text report (NO_COLOR does the same; FORCE_COLOR forces it) "
            "[default: colour on a terminal].",
        ),
    ] = False,
) -> None:
    """Audit PATH (a folder, a git URL or one file) and report compliance per agent profile.

    A single FILE is audited by the file-level rules alone (those that judge each file on its
    own, such as type-hints or no-hardcoded-secrets); repository-level rules (tests-present,
    ci-runs-tests, ...) need the whole repository and are skipped.
    """
    if quiet and verbose:
        raise CharterError("--quiet and --verbose contradict each other; pass one")
    if statistics and fmt is not OutputFormat.TEXT:
        raise CharterError("--statistics prints text; drop --format or --statistics")
    show_progress = (
        fmt is OutputFormat.TEXT
        and output is None
        and not quiet
        and sys.stderr.isatty()
        and not os.environ.get("CI")
    )
    globs = _split(repo_profile_glob)
    options = api.Options(
        profiles=_split(profile),
        policy_dirs=tuple(policies or ()),
        baseline=baseline,
        diff_base=diff_base,
        ref=ref,
        repo_profiles=True if globs else repo_profiles,
        repo_profile_globs=globs,
        select=_split(select),
        ignore=_split(ignore),
        exclude_override=None if exclude is None else _split(exclude),
        exclude=_split(extend_exclude),
        jobs=jobs,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        progress=show_progress,
        repo_config=repo_config,
        strict=strict,
        timing=timing,
    )
    result = api.run(path, options)
    if verbose:
        _explain_run(result)
    if result.report.extra.get("repo_profiles") == {} and not quiet:
        typer.echo("charter: no agent profiles found in the repository", err=True)
    report = result.report
    if fail_on is not None or min_score is not None:  # the flags replace the repository's
        given = {"fail-on": fail_on is not None, "min-score": min_score is not None}
        kept = [c for c in report.repo_config if not (c.kind == "setting" and given.get(c.name))]
        report = report.model_copy(update={"repo_config": tuple(kept)})
    threshold, floor = api.gate_settings(
        result.config, fail_on.value if fail_on is not None else None, min_score
    )
    code, reason = api.gate(report, threshold, floor)
    verdict = "PASS" if code == 0 else ("FAIL" if code == 1 else "ERROR")
    if exit_zero and code == 1:
        reason += "; exit 0 (--exit-zero)"
        code = 0
    gate_line = f"gate: {verdict} ({reason})"
    from charter.reporters.sarif import cap_summary

    rendered: str
    pieces: Iterator[str] | None = None  # a report written as it is made
    if fmt is OutputFormat.TEXT:
        if quiet:
            rendered = ""
        elif statistics:
            rendered = _statistics(report, result.policies)
        else:
            from charter import gitops
            from charter.reporters import text

            local = ref is None and not gitops.is_remote(path)  # the audited tree is on disk
            rendered = text.render(
                report,
                result.policies,
                color=_color(no_color, output),
                # a single file is audited as its folder: the report's paths start there
                source_root=(Path(path) if Path(path).is_dir() else Path(path).parent)
                if local
                else None,
                show_source=show_source,
                group_by=group_by.value
                if group_by is not None
                else ("profile" if report.extra.get("repo_profiles") else "rule"),
                verbose=verbose,
            )
        if not quiet and (capped := cap_summary(report)):
            rendered += f"note: {capped}\n"
        rendered += gate_line + "\n"
    elif fmt is OutputFormat.HTML:
        from charter import gitops
        from charter.reporters import html

        local = ref is None and not gitops.is_remote(path)
        root = Path(path) if Path(path).is_dir() else Path(path).parent
        rendered = html.render(report, result.policies, root if local and show_source else None)
    elif fmt in _SUGGESTING:
        # the formats that offer each fix's patch: the fixers run here, on the files with
        # fixable findings only, never for the text or JSON report
        from charter import gitops
        from charter.reporters import github, markdown, sarif

        suggested: dict[str, Any] = {}
        if ref is None and not gitops.is_remote(path) and any(f.fix for f in report.findings):
            from charter.fixes.suggest import suggestions

            root = Path(path) if Path(path).is_dir() else Path(path).parent
            shown = None
            if fmt is OutputFormat.MARKDOWN:  # only the top findings are shown
                shown = markdown.top_findings(report)
            suggested = suggestions(
                root, report, result.policies, shown, api.rule_params(result.config)
            )
        render = {
            OutputFormat.SARIF: sarif.render,
            OutputFormat.MARKDOWN: markdown.render,
            OutputFormat.GITHUB: github.render,
        }[fmt]
        rendered = render(report, result.policies, suggested)
    elif fmt is OutputFormat.JSON:
        from charter.reporters import json_report

        pieces = json_report.chunks(report, result.policies)
    else:
        rendered = REPORTERS[fmt.value](report, result.policies)
    _write(rendered if pieces is None else pieces, output)
    if timing:
        typer.echo(timing_table(report.timing), err=True, nl=False)
    if fmt is OutputFormat.SARIF and not quiet and (capped := cap_summary(report)):
        typer.echo(f"charter: {capped} (the JSON report lists every finding)", err=True)
    if (output is not None or fmt is not OutputFormat.TEXT) and not quiet:
        typer.echo(f"charter: gate {'holds' if verdict == 'PASS' else 'fails'}: {reason}", err=True)
    raise typer.Exit(code)


@app.command("fix")
def fix_cmd(
    path: Annotated[
        str, typer.Argument(help="Repository folder or one file.", metavar="PATH|FILE")
    ] = ".",
    unsafe_fixes: Annotated[
        bool,
        typer.Option(
            "--unsafe-fixes",
            help="Also apply fixes that may change what the code does (each rule's page says "
            "which of its fixes are unsafe).",
        ),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Print a unified diff of the fixes and write nothing; exit 1 when there is one.",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; list the files that would change and exit 1 when there is one.",
        ),
    ] = False,
    profile: ProfilesOpt = None,
    policies: PoliciesOpt = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="RULE",
            help="Fix only the findings of these rules: ids or prefixes (repeatable, or a comma "
            "list) [default: every rule with a fix].",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore",
            metavar="RULE",
            help="Never fix these rules (repeatable, or a comma list) [default: none].",
        ),
    ] = None,
    repo_config: Annotated[
        bool,
        typer.Option(
            "--repo-config/--no-repo-config",
            help="Read the target's .charter.yml / [tool.charter] (its excludes, profiles and "
            "rule settings).",
        ),
    ] = True,
) -> None:
    """Fix what the rules find in PATH: safe fixes by default, unsafe ones with --unsafe-fixes.

    Each fixed file is parsed once with LibCST, all its fixes are applied in one pass, and the
    result must compile, be stable under a second fix and, for annotation-only fixes, keep the
    same syntax tree with annotations stripped; a file that fails is left alone and reported.
    Exit codes: 0 when no finding of a fixing rule remains (--diff/--check: nothing would
    change), 1 otherwise, 2 on an error.
    """
    if diff and check:
        raise CharterError("--diff and --check both write nothing; pass one")
    options = api.Options(
        profiles=_split(profile),
        policy_dirs=tuple(policies or ()),
        select=_split(select),
        ignore=_split(ignore),
        repo_config=repo_config,
    )
    run = api.fix(path, options, unsafe=unsafe_fixes, write=not (diff or check))
    changed = [f for f in run.files if f.changed]
    for item in run.files:
        if item.problem is not None:
            typer.echo(f"charter: {item.path}: {item.problem}", err=True)
    if diff:
        for item in changed:
            before = item.before.decode("utf-8", "replace").splitlines(keepends=True)
            after = item.after.decode("utf-8", "replace").splitlines(keepends=True)
            for line in difflib.unified_diff(before, after, item.path, item.path):
                sys.stdout.write(
                    line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
                )
    elif check:
        for item in changed:
            typer.echo(f"would fix {item.path}")
    applied = sum(len(f.applied) for f in run.files if f.changed)
    withheld = sum(len(f.withheld) for f in run.files)
    files = f"{len(changed)} file{'s' if len(changed) != 1 else ''}"
    if run.remaining is None:
        summary = f"would fix {applied} finding(s) in {files}"
        code = 1 if changed else 0
    else:
        # a fix can leave its finding standing (`-> None` where a parameter still lacks its
        # annotation): count findings gone by the re-audit, not fixes applied
        gone = max(0, len(run.found) - len(run.remaining))
        summary = (
            f"applied {applied} fix(es) in {files}: {gone} finding(s) fixed, "
            f"{len(run.remaining)} remain"
        )
        code = 1 if run.remaining else 0
    if withheld:
        summary += f" ({withheld} more fix(es) available with --unsafe-fixes)"
    refused = sum(1 for f in run.files if f.problem is not None)
    if refused:
        summary += f"; {refused} file(s) left alone (see above)"
        code = max(code, 1)
    typer.echo(f"charter: {summary}", err=diff)
    raise typer.Exit(code)


def timing_table(timing: dict[str, Any], top: int = 25) -> str:
    """``--timing``'s table: the slowest rules (wall and CPU, file and repo phase), parse time
    per parser, the batched walk's own time and the slowest files."""
    rules: dict[str, dict[str, Any]] = timing.get("rules", {})
    lines = [
        f"charter: timing ({timing.get('total_s', 0.0):.2f} s in all; files "
        f"{timing.get('files_s', 0.0):.2f} s, repo {timing.get('repo_s', 0.0):.2f} s; "
        f"{timing.get('cache_hits', 0)} file(s) from the cache, not timed)",
        f"{'rule':<36} {'wall s':>8} {'cpu s':>8} {'files s':>8} {'repo s':>8} {'files':>6}"
        "  slowest file",
    ]
    for key, row in list(rules.items())[:top]:
        slowest = row.get("slowest_file") or ""
        if slowest:
            slowest += f" ({row['slowest_file_s']:.3f} s)"
        lines.append(
            f"{key[:36]:<36} {row['wall_s']:>8.3f} {row['cpu_s']:>8.3f} "
            f"{row['file_wall_s']:>8.3f} {row['repo_wall_s']:>8.3f} {row['files']:>6}  {slowest}"
        )
    if len(rules) > top:
        lines.append(f"... and {len(rules) - top} more rule(s) (all in the JSON report)")
    for name, row in timing.get("parse", {}).items():
        lines.append(
            f"{'parse: ' + name:<36} {row['wall_s']:>8.3f} {row['cpu_s']:>8.3f} "
            f"{'':>8} {'':>8} {row['files']:>6}"
        )
    walk = timing.get("ast_walk")
    if walk:
        lines.append(f"{'ast walk (engine)':<36} {walk['wall_s']:>8.3f} {walk['cpu_s']:>8.3f}")
    files = timing.get("top_files", [])
    if files:
        lines.append("slowest files:")
        lines += [f"  {f['wall_s']:8.3f} s  {f['path']}" for f in files]
    return "\n".join(lines) + "\n"


def _explain_run(result: api.Audit) -> None:
    """--verbose: what the audit was made of, on stderr."""
    report = result.report
    rules = sorted({r.id for r in report.rules})
    config = str(result.config_file) if result.config_file is not None else "none"
    typer.echo(f"charter: configuration: {config}", err=True)
    typer.echo(f"charter: profiles: {', '.join(p.id for p in report.profiles)}", err=True)
    typer.echo(f"charter: rules run: {len(rules)} ({', '.join(rules)})", err=True)
    total = (report.timing or {}).get("total_s")
    took = f" in {total:.2f}s" if isinstance(total, int | float) else ""
    typer.echo(f"charter: files scanned: {report.files_scanned}{took}", err=True)


@app.command("baseline")
def baseline_cmd(
    path: Annotated[Path, typer.Argument(help="Repository to record.")] = Path(),
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        ".charter-baseline.json"
    ),
    profile: ProfilesOpt = None,
    policies: PoliciesOpt = None,
    repo_config: Annotated[
        bool,
        typer.Option(
            "--repo-config/--no-repo-config",
            help="Read the target's .charter.yml / [tool.charter] (as 'audit' does).",
        ),
    ] = True,
) -> None:
    """Record today's findings so that 'audit --baseline FILE' fails only on new ones."""
    options = api.Options(
        profiles=_split(profile), policy_dirs=tuple(policies or ()), repo_config=repo_config
    )
    count = api.write_baseline(path, output, options)
    typer.echo(f"charter: recorded {count} finding(s) in {output}", err=True)


def _policies(dirs: list[Path] | None) -> PolicySet:
    return load_policies(list(dirs or ()))


@app.command("rules")
def rules_cmd(
    fmt: Annotated[RulesFormat, typer.Option("--format", "-f")] = RulesFormat.TEXT,
    policies: PoliciesOpt = None,
) -> None:
    """List every rule: id, severity, whether it is implemented, and its profiles."""
    policy_set = _policies(policies)
    if fmt is RulesFormat.MARKDOWN:
        _write(rules_markdown(policy_set), None)
        return
    used: dict[str, list[str]] = {}
    for prof in policy_set.profiles.values():
        for ref in prof.rules:
            used.setdefault(ref.id, []).append(prof.id)
    rows = []
    for rule in sorted(policy_set.rules.values(), key=lambda r: r.id):
        rows.append(
            {
                "id": rule.id,
                "title": rule.title,
                "severity": rule.severity.value,
                "category": rule.category,
                "implemented": rule.implemented,
                "analyzer": rule.analyzer,
                "profiles": sorted(used.get(rule.id, [])),
                "sources": [s.model_dump(mode="json") for s in rule.sources],
            }
        )
    if fmt is RulesFormat.JSON:
        _write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", None)
        return
    for row in rows:
        mark = " " if row["implemented"] else "*"
        typer.echo(f"{mark} {row['id']:<34} {row['severity']:<9} {row['title']}")
    typer.echo("\n* not implemented yet (reported as not_implemented, never as a pass)")


@app.command("profiles")
def profiles_cmd(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.TEXT,
    policies: PoliciesOpt = None,
) -> None:
    """List the profiles and how much of each document is covered: statements verified by an
    implemented rule, encoded by a rule not implemented yet, and left for manual review."""
    policy_set = _policies(policies)
    rows: list[dict[str, Any]] = []
    for prof in sorted(policy_set.profiles.values(), key=lambda p: p.id):
        rules = [policy_set.rules[r.id] for r in prof.rules]
        implemented = [r for r in rules if r.implemented]
        # a statement (a line of the profile's document) is verified when an implemented rule
        # quotes it, planned when only rules without an analyzer do
        lines: dict[int, bool] = {}
        for rule in rules:
            for src in rule.sources:
                if src.profile == prof.id and src.line is not None:
                    lines[src.line] = lines.get(src.line, False) or rule.implemented
        verified = sum(lines.values())
        rows.append(
            {
                "id": prof.id,
                "title": prof.title,
                "seed": prof.seed,
                "rules": [r.id for r in rules],
                "implemented": len(implemented),
                "not_implemented": len(rules) - len(implemented),
                "statements_verified": verified,
                "statements_not_implemented": len(lines) - verified,
                "manual": len(prof.manual),
            }
        )
    if fmt is ListFormat.JSON:
        _write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", None)
        return
    typer.echo(f"{'':<22} {'rules applied':^19}  {'statements of the document':^24}")
    typer.echo(
        f"{'profile':<22} {'total':>5} {'impl.':>5} {'planned':>7}  "
        f"{'verified':>8} {'planned':>7} {'manual':>6}  title"
    )
    for row in rows:
        typer.echo(
            f"{row['id']:<22} {len(row['rules']):>5} {row['implemented']:>5} "
            f"{row['not_implemented']:>7}  {row['statements_verified']:>8} "
            f"{row['statements_not_implemented']:>7} {row['manual']:>6}  {row['title']}"
        )
    typer.echo(
        "\nverified: statements quoted by an implemented rule; planned: quoted only by rules "
        "not implemented yet (reported as not_implemented); manual: no program can check them"
    )


profile_app = typer.Typer(help="Work with agent profile documents.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")
# charter fleet audit / merge: many repositories into one summary (charter.fleet)
app.add_typer(fleet_app, name="fleet")


@profile_app.command("import")
def profile_import_cmd(
    document: Annotated[Path, typer.Argument(metavar="AGENT.md", help="Agent profile markdown.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the profile YAML to this FILE.yaml (the profile's id is FILE) or into "
            "this folder as <id>.yaml [default: only print the statement -> rule table].",
        ),
    ] = None,
    profile_id: Annotated[
        str | None,
        typer.Option(
            "--id",
            help="Profile id [default: the --output file name, else the front matter].",
        ),
    ] = None,
    policies: PoliciesOpt = None,
) -> None:
    """Map an agent profile's statements to rules; print statement -> rule or "manual"."""
    from charter import profile_import as imp

    wanted = imp.output_id(output, profile_id)  # the id a file written there loads under
    result = imp.import_profile(imp.read_document(document), _policies(policies), profile_id=wanted)
    typer.echo(imp.coverage_table(result), nl=False)
    if output is not None:
        output = imp.output_path(output, result.profile.id)
        _write(imp.profile_yaml(result), output)
        typer.echo(f"charter: wrote profile {result.profile.id!r} to {output}", err=True)


@app.command("explain")
def explain_cmd(
    rule_id: Annotated[str, typer.Argument(metavar="RULE")],
    policies: PoliciesOpt = None,
) -> None:
    """Show a rule's docs, examples and the profile sentences behind it."""
    policy_set = _policies(policies)
    rule = policy_set.rules.get(rule_id)
    if rule is None:
        close = difflib.get_close_matches(rule_id, sorted(policy_set.rules), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise CharterError(
            f"explain: unknown rule {rule_id!r}{hint} Run 'charter rules' to list the rule ids"
        )
    lines = [
        f"{rule.id} ({rule.severity.value}) — {rule.title}",
        "" if rule.implemented else "(not implemented yet: reported as not_implemented)",
        "",
        "What it does",
        f"  {rule.docs.what.strip()}",
        "",
        "Why is this bad?",
        f"  {rule.docs.why.strip()}",
    ]
    if rule.docs.example:
        lines += ["", "Example", _indent(rule.docs.example)]
    if rule.docs.fix:
        lines += ["", "Use instead", _indent(rule.docs.fix)]
    lines += ["", "Not applicable when", f"  {rule.applicability.strip()}"]
    if rule.params:
        lines += ["", "Parameters"] + [f"  {k} = {v!r}" for k, v in sorted(rule.params.items())]
    lines += ["", "Profile sentences behind it"]
    if not rule.sources:
        lines.append("  none of the built-in profiles; imported profiles map to it by its matches")
    for src in rule.sources:
        at = f", line {src.line}" if src.line else ""
        prof = policy_set.profiles.get(src.profile)
        seed = f" of {prof.seed}" if prof is not None and prof.seed else ""
        lines.append(f'  {src.profile}{at}{seed}: "{src.quote}"')
    if rule.docs.references:
        lines += ["", "References"] + [f"  {r}" for r in rule.docs.references]
    typer.echo("\n".join(lines).replace("\n\n\n", "\n\n"))


def _indent(block: str) -> str:
    return "\n".join(f"    {line}" for line in block.rstrip().splitlines())


# pre-commit mode (charter.hook): the staged files with file-level rules, or the changed lines
app.command("hook")(hook_command)
# compliance over time, and HTML pages from saved reports (charter.report_cli)
app.command("history")(history_command)
app.command("report")(report_command)


#: languages by file suffix, and the profile ``charter init`` picks for them, first match wins:
#: Terraform -> the data-infra profile (Terraform-only IaC), Go or Rust -> the polyglot one,
#: Python or TypeScript -> the incremental one (types first, strict checking)
_LANGUAGES = {
    ".tf": "Terraform",
    ".go": "Go",
    ".rs": "Rust",
    ".py": "Python",
    ".ts": "TypeScript",
    ".tsx": "TypeScript",
}
_PICK = (
    ("Terraform", "backend-data-infra"),
    ("Go", "backend-polyglot"),
    ("Rust", "backend-polyglot"),
    ("Python", "backend-incremental"),
    ("TypeScript", "backend-incremental"),
)
_FALLBACK_PROFILE = "backend-conventions"

_INIT_TOML = """
[tool.charter]
# Written by `charter init` ({detected}).
# Every key is optional; command-line flags win.
# Profiles to report on (`charter profiles` lists them); remove the key for all of them.
profiles = ["{profile}"]
# Lowest severity that fails the gate: critical, high, medium, low or none.
fail-on = "high"
# Fail when a profile scores below this floor (0 to 100).
# min-score = 80
# Paths not audited, gitignore-style globs (`--exclude` replaces, `--extend-exclude` adds).
exclude = []
# Gate on every rule, not only on rules of high or very-high measured precision.
# strict = true
# Accept the findings recorded by `charter baseline . -o .charter-baseline.json`.
# baseline = ".charter-baseline.json"
# Per-rule overrides (`charter explain RULE` shows a rule's parameters):
# [tool.charter.rules.docstrings]
# disable = true
# [tool.charter.rules.type-hints]
# severity = "medium"
"""

_INIT_YAML = """\
# charter settings, written by `charter init` ({detected}).
# Every key is optional; command-line flags win.
# Profiles to report on (`charter profiles` lists them); remove the key for all of them.
profiles: [{profile}]
# Lowest severity that fails the gate: critical, high, medium, low or none.
fail-on: high
# Fail when a profile scores below this floor (0 to 100).
# min-score: 80
# Paths not audited, gitignore-style globs (`--exclude` replaces, `--extend-exclude` adds).
exclude: []
# Gate on every rule, not only on rules of high or very-high measured precision.
# strict: true
# Accept the findings recorded by `charter baseline . -o .charter-baseline.json`.
# baseline: .charter-baseline.json
# Per-rule overrides (`charter explain RULE` shows a rule's parameters):
# rules:
#   docstrings:
#     disable: true
#   type-hints:
#     severity: medium
"""


def _languages(root: Path) -> list[str]:
    """The languages of the repository's files, most files first."""
    from collections import Counter

    from charter.discovery import discover

    suffixes = (Path(rel).suffix for rel in discover(root))
    counts = Counter(_LANGUAGES[s] for s in suffixes if s in _LANGUAGES)
    return [lang for lang, _ in counts.most_common()]


@app.command("init")
def init_cmd(
    path: Annotated[Path, typer.Argument(help="Repository root.")] = Path(),
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="Profile to write [default: picked from the repository's languages].",
        ),
    ] = None,
) -> None:
    """Write a commented [tool.charter] into pyproject.toml (or .charter.yml without one).

    The profile follows the repository's languages: Terraform -> backend-data-infra, Go or
    Rust -> backend-polyglot, Python or TypeScript -> backend-incremental, otherwise
    backend-conventions. An existing charter configuration is never overwritten (exit 2).
    """
    import tomllib

    if not path.is_dir():
        raise CharterError(f"{path}: not a folder; pass the repository's root folder")
    for name in (".charter.yml", ".charter.yaml"):
        if (path / name).exists():
            raise CharterError(f"{path / name}: charter is already configured here; edit it")
    pyproject = path / "pyproject.toml"
    text: str | None = None
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise CharterError(f"{pyproject}: cannot read it ({exc}); fix it first") from None
        tool = data.get("tool")
        if isinstance(tool, dict) and "charter" in tool:
            raise CharterError(f"{pyproject}: [tool.charter] already exists; edit it")
    languages = _languages(path)
    if profile is None:
        profile = next((p for lang, p in _PICK if lang in languages), _FALLBACK_PROFILE)
    known = load_policies([]).profiles
    if profile not in known:
        close = difflib.get_close_matches(profile, sorted(known), n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise CharterError(
            f"--profile: unknown profile {profile!r}; {hint}use one of {', '.join(sorted(known))}"
        )
    detected = f"detected: {', '.join(languages)}" if languages else "no language detected"
    if text is not None:
        section = _INIT_TOML.format(detected=detected, profile=profile)
        _write(text + ("" if text.endswith("\n") or not text else "\n") + section, pyproject)
        written = pyproject
    else:
        written = path / ".charter.yml"
        _write(_INIT_YAML.format(detected=detected, profile=profile), written)
    typer.echo(f"charter: wrote profile {profile} ({detected}) to {written}", err=True)
    typer.echo(f"charter: next, run 'charter audit {path}'", err=True)


@app.command("version")
def version_cmd() -> None:
    """Print charter's version."""
    typer.echo(__version__)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI and map every outcome to an exit code."""
    try:
        code = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except CharterError as exc:
        typer.echo(f"charter: error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        typer.echo("charter: aborted", err=True)
        return 2
    except typer.TyperException as exc:  # usage errors (typer vendors click's exceptions)
        detail = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        typer.echo(f"charter: error: {detail}", err=True)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, exit 2
        from charter.sources import safe_message  # the text may quote an audited file

        if os.environ.get("CHARTER_DEBUG"):
            # the traceback too: an exception message may quote a secret from an audited file
            for line in traceback.format_exc().splitlines():
                typer.echo(safe_message(line), err=True)

        message = safe_message(f"{type(exc).__name__}: {exc}")
        typer.echo(f"charter: internal error: {message}", err=True)
        return 2
    return code if isinstance(code, int) else 0
