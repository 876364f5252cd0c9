"""The command line: parse flags, call the API, pick a reporter, return the exit code.

Exit codes: 0 the gate holds, 1 a finding at or above ``--fail-on``, 2 usage, config, policy or
internal error (always one line on stderr, never a traceback unless ``CHARTER_DEBUG=1``).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from charter import __version__, api
from charter.catalog import rules_markdown
from charter.errors import CharterError
from charter.hook import hook_command
from charter.policy import PolicySet, load_policies
from charter.reporters import REPORTERS

app = typer.Typer(
    name="charter",
    help="Audit a repository against the engineering standards of AI agent profiles.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    GITHUB = "github"


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


class FailOn(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CharterError(f"{output}: cannot write report: {exc.strerror or exc}") from None


PoliciesOpt = Annotated[
    list[Path] | None,
    typer.Option("--policies", help="Folder with rules/ and profiles/ that add or override."),
]


@app.command()
def audit(
    path: Annotated[
        str, typer.Argument(help="Repository folder or git URL to audit.", metavar="PATH|GIT_URL")
    ] = ".",
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Profile id (repeatable).")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TEXT,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    policies: PoliciesOpt = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Lowest severity that fails the gate [default: high]."),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option("--min-score", min=0, max=100, help="Fail when a profile scores below N."),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option("--baseline", help="Accept the findings recorded by 'charter baseline'."),
    ] = None,
    diff_base: Annotated[
        str | None,
        typer.Option("--diff-base", help="Report only lines changed since merge-base with REF."),
    ] = None,
    ref: Annotated[
        str | None,
        typer.Option("--ref", help="Audit this commit, branch or tag (working tree untouched)."),
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
        typer.Option("--repo-profile-glob", help="Where those profiles are (repeatable glob)."),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes [default: CPU count].")
    ] = 0,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the result cache.")
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", help="Result cache folder [default: ~/.cache/charter]."),
    ] = None,
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
        GroupBy,
        typer.Option("--group-by", help="Text report: list the findings by rule or by file."),
    ] = GroupBy.RULE,
) -> None:
    """Audit PATH (or a git URL) and report compliance per agent profile."""
    show_progress = (
        fmt is OutputFormat.TEXT
        and output is None
        and sys.stderr.isatty()
        and not os.environ.get("CI")
    )
    options = api.Options(
        profiles=tuple(profile or ()),
        policy_dirs=tuple(policies or ()),
        baseline=baseline,
        diff_base=diff_base,
        ref=ref,
        repo_profiles=True if repo_profile_glob else repo_profiles,
        repo_profile_globs=tuple(repo_profile_glob or ()),
        jobs=jobs,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        progress=show_progress,
        repo_config=repo_config,
        strict=strict,
    )
    result = api.run(path, options)
    if result.report.extra.get("repo_profiles") == {}:
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
    if fmt is OutputFormat.TEXT:
        from charter import gitops
        from charter.reporters import text

        local = ref is None and not gitops.is_remote(path)  # the audited tree is on disk
        rendered = text.render(
            report,
            result.policies,
            color=output is None and text.color_wanted(sys.stdout),
            source_root=Path(path) if local else None,
            show_source=show_source,
            group_by=group_by.value,
        )
    else:
        rendered = REPORTERS[fmt.value](report, result.policies)
    if fmt is OutputFormat.TEXT:
        verdict = "PASS" if code == 0 else ("FAIL" if code == 1 else "ERROR")
        rendered += f"gate: {verdict} ({reason})\n"
    _write(rendered, output)
    if output is not None or fmt is not OutputFormat.TEXT:
        typer.echo(f"charter: gate {'holds' if code == 0 else 'fails'}: {reason}", err=True)
    raise typer.Exit(code)


@app.command("baseline")
def baseline_cmd(
    path: Annotated[Path, typer.Argument(help="Repository to record.")] = Path(),
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        ".charter-baseline.json"
    ),
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Profile id (repeatable).")
    ] = None,
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
        profiles=tuple(profile or ()), policy_dirs=tuple(policies or ()), repo_config=repo_config
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


@profile_app.command("import")
def profile_import_cmd(
    document: Annotated[Path, typer.Argument(metavar="AGENT.md", help="Agent profile markdown.")],
    output: Annotated[
        Path | None, typer.Option(
            "--output",
            "-o",
            help="Write the profile YAML to this FILE.yaml (the profile's id is FILE) or into "
            "this folder as <id>.yaml.",
        ),
    ] = None,
    profile_id: Annotated[
        str | None, typer.Option(
            "--id", help="Profile id (default: the --output file name, else the front matter)."
        )
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
        raise CharterError(
            f"explain: unknown rule {rule_id!r}; run 'charter rules' to list the rule ids"
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
