"""``charter fleet audit`` and ``charter fleet merge`` (added to the main CLI as a group)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from charter.cli_common import split_values as _split

fleet_app = typer.Typer(
    help="Audit many repositories into one summary (docs/fleet.md).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class Engine(StrEnum):
    POOL = "pool"
    DASK = "dask"


@fleet_app.command("audit")
def fleet_audit_cmd(
    repos: Annotated[
        Path,
        typer.Argument(
            metavar="REPOS",
            help="File of repositories: 'SOURCE [REF [PROFILES]]' a line (git URL or path), "
            "or YAML/JSON (docs/fleet.md).",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder (created; required).")
    ],
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="pool: local worker processes; dask: a Dask cluster (pip install "
            "'charter[dask]'), a local one of --jobs workers without --scheduler.",
        ),
    ] = Engine.POOL,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=0,
            show_default=False,
            help="Worker processes (pool, local Dask cluster) [default: CPU count].",
        ),
    ] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Dask scheduler to run on, e.g. tcp://HOST:8786 [default: a local cluster].",
        ),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="ID",
            help="Profiles for repositories that list none (repeatable, or a comma list) "
            "[default: each repository's config, else all].",
        ),
    ] = None,
    policies: Annotated[
        list[Path] | None,
        typer.Option(
            "--policies",
            metavar="DIR",
            help="Folder with rules/ and profiles/ (repeatable); it must exist on every worker "
            "[default: each repository's config, else the built-in ones].",
        ),
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="RULE",
            help="Run only these rules (ids or prefixes) [default: every rule of the profiles].",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="RULE", help="Never run these rules [default: none]."),
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option("--strict/--no-strict", help="As 'charter audit --strict'."),
    ] = None,
    repo_config: Annotated[
        bool,
        typer.Option(
            "--repo-config/--no-repo-config",
            help="Read each repository's .charter.yml / [tool.charter].",
        ),
    ] = True,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Do not read or write the result cache.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Audit every repository again, even those whose ref, charter version and "
            "settings are unchanged since the last run into DIR.",
        ),
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar, no summary line.")
    ] = False,
) -> None:
    """Clone and audit each repository of REPOS in its own worker; write DIR/reports/<id>.json
    (the 'charter audit --format json' report), DIR/records/<id>.json, and the summary as
    DIR/{repos,profiles,rules}.parquet and DIR/fleet.duckdb.

    A repository that cannot be cloned or audited is recorded with its error and the run goes
    on. A rerun skips repositories whose ref still names the same commit, audited by the same
    charter with the same settings. Exit codes: 0 every repository has a report, 1 some
    failed (see DIR/repos.parquet), 2 a bad list, flag or policy.
    """
    from charter.fleet import Settings, audit_fleet

    settings = Settings(
        profiles=_split(profile),
        policy_dirs=tuple(policies or ()),
        select=_split(select),
        ignore=_split(ignore),
        strict=strict,
        repo_config=repo_config,
        use_cache=not no_cache,
    )
    show = not quiet and sys.stderr.isatty() and not os.environ.get("CI")
    run = audit_fleet(
        repos,
        out,
        settings,
        engine=engine.value,
        jobs=jobs,
        scheduler=scheduler,
        progress=show,
        force=force,
    )
    if not quiet:
        for failed in run.errors:
            typer.echo(f"charter: {failed.id}: {failed.error}", err=True)
        c = run.counts
        typer.echo(
            f"charter: fleet: {c['ok']} audited, {c['skipped']} unchanged (skipped), "
            f"{c['error']} failed in {run.seconds:.1f}s; wrote {out}",
            err=True,
        )
    raise typer.Exit(1 if run.counts["error"] else 0)


@fleet_app.command("merge")
def fleet_merge_cmd(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            metavar="INPUT...",
            help="'charter fleet audit --out' folders (CI matrix artifacts) or JSON reports.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder (created; required).")
    ],
) -> None:
    """Merge fleet folders and JSON reports into one fleet folder with its summary tables:
    the aggregation job after a CI matrix of one audit per repository. Exit 1 when a merged
    repository had failed, else 0."""
    from charter.fleet import merge

    run = merge(inputs, out)
    c = run.counts
    typer.echo(
        f"charter: fleet merge: {c['ok']} reports, {c['error']} failed; wrote {out}", err=True
    )
    raise typer.Exit(1 if c["error"] else 0)
