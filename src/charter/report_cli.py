"""``charter history`` and ``charter report``: the commands over time and over saved reports.

Registered by :mod:`charter.cli` (``app.command("history")(history_command)``); the work is in
:mod:`charter.history` and :mod:`charter.reporters.html`.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from charter import api
from charter.cli_common import split_values as _split
from charter.cli_common import write_output as _write
from charter.errors import CharterError


class HistoryFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    HTML = "html"


def history_command(
    path: Annotated[Path, typer.Argument(help="A git repository's folder.")] = Path(),
    since: Annotated[
        str,
        typer.Option(
            "--since",
            metavar="AGE|DATE",
            help="How far back from the ref's commit: 12h, 30d, 2w, 6mo (30 days), 1y, or a "
            "date YYYY-MM-DD.",
        ),
    ] = "6mo",
    every: Annotated[
        str,
        typer.Option(
            "--every",
            metavar="AGE",
            help="One audited commit per interval of this length (the newest of the interval).",
        ),
    ] = "2w",
    ref: Annotated[
        str, typer.Option("--ref", metavar="REF", help="Follow the first parents of this ref.")
    ] = "HEAD",
    fmt: Annotated[
        HistoryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = HistoryFormat.TEXT,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here [default: stdout]."),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="ID",
            help="Profile id (repeatable, or a comma list) [default: each commit's config's "
            "profiles, else all].",
        ),
    ] = None,
    policies: Annotated[
        list[Path] | None,
        typer.Option(
            "--policies",
            metavar="DIR",
            help="Folder with rules/ and profiles/ that add or override (repeatable) "
            "[default: each commit's config's policies, else the built-in ones].",
        ),
    ] = None,
    repo_config: Annotated[
        bool,
        typer.Option(
            "--repo-config/--no-repo-config",
            help="Read each commit's own .charter.yml / [tool.charter] (as 'audit --ref' does).",
        ),
    ] = True,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=0,
            help="Worker processes: a history of 16 or more points is cut into up to N "
            "stretches audited side by side [default: CPU count].",
        ),
    ] = 0,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Keep the result cache in a temporary folder for this run only (the points "
            "still share it).",
        ),
    ] = False,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            "--cache-dir", metavar="DIR", help="Result cache folder [default: ~/.cache/charter]."
        ),
    ] = None,
) -> None:
    """Audit the commits of PATH's first-parent history, one per interval, and show each
    profile's score over time and the commits where a rule changed status."""
    from charter import history
    from charter.reporters import html

    options = api.Options(
        profiles=_split(profile),
        policy_dirs=tuple(policies or ()),
        jobs=jobs,
        cache_dir=cache_dir,
        use_cache=not no_cache,
        repo_config=repo_config,
    )
    show = sys.stderr.isatty() and not os.environ.get("CI")
    doc = history.run(
        path,
        options,
        ref=ref,
        since=since,
        every=every,
        progress=history.stderr_progress if show else None,
    )
    if fmt is HistoryFormat.JSON:
        _write(history.render_json(doc), output)
    elif fmt is HistoryFormat.HTML:
        _write(html.render_history(doc), output)
    else:
        _write(history.render_text(doc), output)


def report_command(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="DIR|FILE",
            help="A folder of JSON reports (a fleet), a history JSON file, or one JSON report.",
        ),
    ],
    html_out: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="OUT.html",
            help="Write the HTML page here [default: report.html in DIR, or FILE with the "
            "suffix .html].",
        ),
    ] = None,
    policies: Annotated[
        list[Path] | None,
        typer.Option(
            "--policies",
            metavar="DIR",
            help="Policy folders the reports were made with, for the profile sentences "
            "(repeatable) [default: the built-in ones].",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML page (no network needed) from saved reports: a fleet's
    heatmaps for a folder, a history's chart for 'charter history --format json' output, or
    one repository's page for a 'charter audit --format json' report."""
    from charter.policy import load_policies
    from charter.reporters import html

    if not source.exists():
        raise CharterError(f"{source}: no such file or folder; pass a folder of reports or a file")
    if html_out is None:
        html_out = source / "report.html" if source.is_dir() else source.with_suffix(".html")
    page = html.render_input(source, load_policies(list(policies or ())))
    _write(page, html_out)
    typer.echo(f"charter: wrote {html_out}", err=True)
