"""HTML: one self-contained page per repository, fleet or history, readable offline.

Jinja2 templates (``templates/`` next to this module) with the style sheet and the small
script inlined; charts are SVG drawn by the templates from coordinates computed here, no
charting library. Nothing is loaded from anywhere: the page's Content-Security-Policy allows
no network source at all, and its script only by its hash.

Accessible: every colour comes with its text (a score's number, a status word), tables have
header cells, sortable headers are buttons (keyboard: Tab, Enter or Space) that set
``aria-sort``, focus is always visible, and each chart has a text description and a table
with the same numbers.

Secrets stay redacted: messages are the reports' own (already redacted), and a source snippet
is exactly the line the text report would show (:mod:`charter.reporters.text`): none for a
secrets finding or at a line a secrets finding points at, and every secret-looking value in a
shown line redacted.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from charter import __version__
from charter.errors import CharterError
from charter.models import Finding, Report, Severity, Status
from charter.policy import PolicySet
from charter.reporters import CONFIG_HEADING, CONFIG_HINT, config_line
from charter.reporters.escape import visible

#: findings listed per failing rule on a repository page (the JSON report lists every one)
MAX_FINDINGS_PER_RULE = 50
#: the colours of the score bands, with the word each band is also named by
BANDS = ((90.0, "good", "#1a7f37"), (70.0, "fair", "#9a6700"), (0.0, "poor", "#cf222e"))
STATUS_COLOURS = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "error": "#8250df",
    "not_applicable": "#6e7781",
    "not_implemented": "#6e7781",
    "absent": "#d0d7de",
}
STATUS_WORDS = {
    "pass": "pass",
    "fail": "fail",
    "error": "error",
    "not_applicable": "n/a",
    "not_implemented": "not impl.",
    "absent": "—",
}
#: line colours and dash patterns of the history chart: told apart without colour too
LINE_STYLES = (
    ("#0969da", ""),
    ("#cf222e", "6 3"),
    ("#1a7f37", "2 3"),
    ("#9a6700", "8 3 2 3"),
    ("#8250df", "1 2"),
    ("#bc4c00", "10 4"),
    ("#1b7c83", "4 2 1 2"),
    ("#6e7781", "12 3 3 3"),
)
MARKERS = ("circle", "square", "diamond", "triangle")


def _environment() -> Any:
    import jinja2
    import markupsafe

    def shown(value: Any) -> Any:
        # every text from a report (file names, messages, a repository's own policy text) is
        # shown with its control characters as escapes; the inlined assets are markup
        if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
            return visible(value)
        return value

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("charter.reporters", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )
    env.filters["vis"] = lambda value: visible(str(value))
    env.filters["score"] = _score_text
    env.globals["band"] = band
    env.globals["status_colour"] = lambda s: STATUS_COLOURS.get(s, "#6e7781")
    env.globals["status_word"] = lambda s: STATUS_WORDS.get(s, s)
    return env


def _asset(name: str) -> str:
    return resources.files("charter.reporters").joinpath("templates", name).read_text("utf-8")


def _page(template: str, title: str, **context: Any) -> str:
    """The page: the template with the style and script inlined and a policy that forbids
    every network source (the script is allowed by its hash, nothing else runs)."""
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    env = _environment()
    return str(
        env.get_template(template).render(
            title=title,
            style=_asset("report.css"),
            script=script,
            csp=csp,
            version=__version__,
            **context,
        )
    )


def band(score: float | None) -> tuple[str, str]:
    """(word, colour) of a score: good from 90, fair from 70, else poor; none without one."""
    if score is None:
        return "no score", "#6e7781"
    for floor, word, colour in BANDS:
        if score >= floor:
            return word, colour
    return BANDS[-1][1], BANDS[-1][2]


def _score_text(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"


# --- one repository ---------------------------------------------------------------------------


@dataclass
class _Shown:
    finding: Finding
    where: str
    #: (before, marked, after) of the snippet: the marked part is the finding's column span
    parts: tuple[str, str, str] | None = None


@dataclass
class _RuleView:
    id: str
    title: str
    severity: str
    status: str
    message: str
    findings: int
    advisory: bool
    profiles: list[str]
    sentences: list[dict[str, Any]]
    shown: list[_Shown] = field(default_factory=list)
    hidden: int = 0


def _snippets(report: Report, policies: PolicySet, source_root: Path | None) -> Any:
    """A function giving a finding's (redacted) source line as the text report shows it."""
    from charter.reporters import text as text_mod

    if source_root is None:
        return lambda f: None
    sources = text_mod._Sources(source_root)
    secret_lines = text_mod._secret_lines(report, policies)
    scrub = text_mod._Scrubber(policies)

    def snippet(f: Finding) -> tuple[str, str, str] | None:
        if (
            not f.line
            or text_mod._is_secret_rule(f.rule, policies)
            or text_mod._REDACTED.search(f.message)
            or (f.path, f.line) in secret_lines
        ):
            return None
        raw = sources.line(f.path, f.line)
        if raw is None:
            return None
        line = raw.rstrip()
        start = max(0, min(f.column - 1, len(line)))
        if f.column == 1:
            start = len(line) - len(line.lstrip())
        span = 1
        if f.end_line in (None, f.line) and f.end_column is not None and f.end_column > f.column:
            span = max(1, min(f.end_column - 1, len(line)) - start)
        edits = scrub(f.path, line)
        if edits is None:
            return None
        line, (start, stop) = text_mod._apply(line, edits, start, start + span)
        limit = text_mod.MAX_SOURCE_CHARS
        lo = max(0, min(start - limit // 2, len(line) - limit)) if len(line) > limit else 0
        hi = lo + limit
        stop = max(start + 1, stop)
        return (
            ("…" if lo else "") + visible(line[lo:start].replace("\t", "    ")),
            visible(line[start:stop].replace("\t", "    ")),
            visible(line[stop:hi].replace("\t", "    ")) + ("…" if hi < len(line) else ""),
        )

    return snippet


def _rule_views(
    report: Report, policies: PolicySet, source_root: Path | None
) -> tuple[list[_RuleView], dict[str, int]]:
    snippet = _snippets(report, policies, source_root)
    used: dict[str, list[str]] = {}
    for prof in report.profiles:
        for pr in prof.rules:
            used.setdefault(pr.id, []).append(prof.id)
    by_rule: dict[str, list[Finding]] = {}
    for f in report.active_findings():
        by_rule.setdefault(f.rule, []).append(f)
    views: list[_RuleView] = []
    counts = {s.value: 0 for s in Status}
    for result in report.rules:
        counts[result.status.value] += 1
        if result.status not in (Status.FAIL, Status.ERROR):
            continue
        found = sorted(by_rule.get(result.id, []), key=lambda f: f.sort_key)
        rule = policies.rules.get(result.id)
        sentences = []
        for src in rule.sources if rule is not None else ():
            known = policies.profiles.get(src.profile)
            sentences.append(
                {
                    "profile": src.profile,
                    "line": src.line,
                    "seed": known.seed if known is not None else None,
                    "quote": src.quote,
                }
            )
        view = _RuleView(
            id=result.id,
            title=result.title,
            severity=result.severity.value,
            status=result.status.value,
            message=result.message,
            findings=len(found),
            advisory=bool(found) and all(f.advisory for f in found),
            profiles=sorted(used.get(result.id, [])),
            sentences=sentences,
        )
        for f in found[:MAX_FINDINGS_PER_RULE]:
            view.shown.append(_Shown(f, visible(f.where) + (f":{f.column}" if f.line else "")))
            view.shown[-1].parts = snippet(f)
        view.hidden = max(0, len(found) - MAX_FINDINGS_PER_RULE)
        views.append(view)
    order = {s: i for i, s in enumerate((Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM))}
    views.sort(key=lambda v: (v.status != "error", order.get(Severity(v.severity), 3), v.id))
    return views, counts


def render(report: Report, policies: PolicySet, source_root: Path | None = None) -> str:
    """The page of one repository: a bar per profile, then each failing rule with its profile
    sentences and findings (with source snippets when ``source_root`` is the audited tree)."""
    views, counts = _rule_views(report, policies, source_root)
    git = report.extra.get("git") or {}
    return _page(
        "repository.html.j2",
        f"charter: {visible(report.target)}",
        report=report,
        git=git,
        rules=views,
        counts=counts,
        findings=len(report.active_findings()),
        profiles=[_profile_bar(p) for p in report.profiles],
        config_heading=CONFIG_HEADING,
        config_hint=CONFIG_HINT,
        config_lines=[config_line(c) for c in report.repo_config],
    )


def _profile_bar(prof: Any) -> dict[str, Any]:
    word, colour = band(prof.score)
    return {
        "id": prof.id,
        "title": prof.title,
        "score": prof.score,
        "width": 0.0 if prof.score is None else round(prof.score * 3, 1),  # 300px = 100
        "word": word,
        "colour": colour,
        "passed": prof.passed,
        "failed": prof.failed,
        "applicable": prof.applicable,
        "provisional": prof.provisional,
    }


# --- a fleet ----------------------------------------------------------------------------------


@dataclass
class FleetEntry:
    """One repository of a fleet: its report, or the error that stopped its audit."""

    name: str
    report: Report | None = None
    error: str | None = None


def load_fleet(folder: Path) -> list[FleetEntry]:
    """The repositories of a fleet folder (``charter fleet audit --out DIR``, docs/fleet.md):
    every charter report (``charter audit --format json``) in ``folder`` and below, one
    repository each, and every record of a repository whose audit failed (a JSON object with
    an ``error`` text and its ``source``, ``repo`` or ``name``); other files are ignored (the
    run summary, Parquet, DuckDB). In the order of the run summary's ``repos`` ids when there
    is one (``fleet.json``), else by file name."""
    entries: list[tuple[str, FleetEntry]] = []
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if not isinstance(data, dict):
            continue
        if {"tool", "target", "profiles", "rules"} <= data.keys():
            try:
                report = Report.model_validate(data)
            except ValueError as exc:
                raise CharterError(
                    f"{path}: not a charter JSON report ({str(exc).splitlines()[0]}); "
                    "write it with 'charter audit --format json'"
                ) from None
            entries.append((path.stem, FleetEntry(report.target or path.stem, report=report)))
            continue
        name = next(
            (data[k] for k in ("source", "repo", "name") if isinstance(data.get(k), str)), None
        )
        if isinstance(data.get("error"), str) and name is not None:
            entries.append((path.stem, FleetEntry(name, error=data["error"])))
    order: dict[str, int] = {}
    try:
        run = json.loads((folder / "fleet.json").read_text(encoding="utf-8"))
        order = {str(rid): i for i, rid in enumerate(run.get("repos") or [])}
    except (OSError, ValueError, UnicodeDecodeError, AttributeError, TypeError):
        pass
    entries.sort(key=lambda item: (order.get(item[0], len(order)), item[0]))
    return [entry for _, entry in entries]


def render_fleet(entries: Sequence[FleetEntry], title: str = "fleet") -> str:
    """Heatmaps: repositories by profiles (score) and repositories by rules (status), both
    sortable by any column, and the repositories whose audit failed."""
    done = [e for e in entries if e.report is not None]
    profile_ids: dict[str, str] = {}
    rule_titles: dict[str, str] = {}
    for e in done:
        assert e.report is not None
        for p in e.report.profiles:
            profile_ids.setdefault(p.id, p.title)
        for r in e.report.rules:
            rule_titles.setdefault(r.id, r.title)
    # rules worth a column: those that fail or err somewhere (the others pass or do not apply)
    interesting = sorted(
        rid
        for rid in rule_titles
        if any(
            r.id == rid and r.status in (Status.FAIL, Status.ERROR)
            for e in done
            for r in e.report.rules  # type: ignore[union-attr]
        )
    )
    rows = []
    for e in done:
        assert e.report is not None
        scores = {p.id: p.score for p in e.report.profiles}
        status = {r.id: (r.status.value, r.findings) for r in e.report.rules}
        rows.append(
            {
                "name": visible(e.name),
                "scores": [(pid, scores.get(pid), *band(scores.get(pid))) for pid in profile_ids],
                "rules": [(rid, *status.get(rid, ("absent", 0))) for rid in interesting],
                "failing": sum(1 for r in e.report.rules if r.status is Status.FAIL),
                "findings": len(e.report.active_findings()),
            }
        )
    failed = [
        {"name": visible(e.name), "error": visible(e.error or "")}
        for e in entries
        if e.report is None
    ]
    return _page(
        "fleet.html.j2",
        f"charter fleet: {visible(title)}",
        fleet=visible(title),
        profiles=list(profile_ids.items()),
        rules=[(rid, rule_titles[rid]) for rid in interesting],
        quiet_rules=len(rule_titles) - len(interesting),
        rows=rows,
        failed=failed,
    )


# --- a history --------------------------------------------------------------------------------

_W, _H = 900, 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 230, 16, 56


def render_history(doc: Mapping[str, Any]) -> str:
    """A line per profile over the points, a marked column at each point where a rule changed
    status, then the same numbers as tables."""
    points = list(doc.get("points") or [])
    profiles = list(doc.get("profiles") or [])
    flips = list(doc.get("flips") or [])
    n = len(points)
    plot_w = _W - _LEFT - _RIGHT
    plot_h = _H - _TOP - _BOTTOM

    def x(i: int) -> float:
        return round(_LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2), 1)

    def y(score: float) -> float:
        return round(_TOP + plot_h * (1 - score / 100), 1)

    lines = []
    for k, prof in enumerate(profiles):
        colour, dash = LINE_STYLES[k % len(LINE_STYLES)]
        pts = [
            (x(i), y(s), s, points[i])
            for i, s in enumerate(prof.get("scores") or [])
            if s is not None
        ]
        last = pts[-1] if pts else None
        lines.append(
            {
                "id": visible(str(prof["id"])),
                "title": visible(str(prof.get("title", ""))),
                "number": k + 1,
                "colour": colour,
                "dash": dash,
                "marker": MARKERS[k % len(MARKERS)],
                "path": " ".join(f"{px},{py}" for px, py, _, _ in pts),
                "points": [
                    {
                        "x": px,
                        "y": py,
                        "score": s,
                        "date": str(p["date"])[:10],
                        "commit": p["commit"],
                    }
                    for px, py, s, p in pts
                ],
                "label_y": last[1] if last else 0,
                "first": pts[0][2] if pts else None,
                "last": last[2] if last else None,
            }
        )
    _spread_labels(lines)
    by_point: dict[int, list[dict[str, Any]]] = {}
    for flip in flips:
        by_point.setdefault(int(flip["point"]), []).append(flip)
    mark_of = {i: j + 1 for j, i in enumerate(sorted(by_point))}
    for flip in flips:
        flip["mark"] = mark_of.get(int(flip["point"]))
    marks = [
        {
            "x": x(i),
            "number": j + 1,
            "date": str(points[i]["date"])[:10],
            "commit": str(points[i]["commit"])[:10],
            "text": "; ".join(f"{visible(f['rule'])} {f['from']}→{f['to']}" for f in by_point[i]),
        }
        for j, i in enumerate(sorted(by_point))
        if 0 <= i < n
    ]
    step = max(1, math.ceil(n / 6))
    ticks = [{"x": x(i), "label": str(points[i]["date"])[:10]} for i in range(0, n, step)]
    return _page(
        "history.html.j2",
        f"charter history: {visible(str(doc.get('target', '')))}",
        doc=doc,
        target=visible(str(doc.get("target", ""))),
        points=points,
        profiles=profiles,
        lines=lines,
        marks=marks,
        flips=flips,
        ticks=ticks,
        grid=[{"y": y(v), "label": v} for v in (0, 25, 50, 75, 100)],
        box={
            "w": _W,
            "h": _H,
            "left": _LEFT,
            "right": _W - _RIGHT,
            "top": _TOP,
            "bottom": _H - _BOTTOM,
        },
    )


def _spread_labels(lines: list[dict[str, Any]]) -> None:
    """Move the end-of-line labels apart (14px at least) so that none covers another."""
    order = sorted(lines, key=lambda item: item["label_y"])
    floor = float(_TOP)
    for item in order:
        item["label_y"] = max(float(item["label_y"]), floor)
        floor = item["label_y"] + 14
    over = floor - 14 - (_H - _BOTTOM)
    if over > 0:
        for item in order:
            item["label_y"] -= over


# --- charter report ---------------------------------------------------------------------------


def render_input(source: Path, policies: PolicySet) -> str:
    """``charter report SOURCE --html``: a folder is a fleet (every report in it); a file is a
    history (``charter history --format json``) or one report (``--format json``)."""
    if source.is_dir():
        entries = load_fleet(source)
        if not entries:
            raise CharterError(
                f"{source}: no charter JSON report in it; write them with "
                "'charter audit --format json' or 'charter fleet audit'"
            )
        return render_fleet(entries, title=source.name or str(source))
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CharterError(f"{source}: cannot read it as JSON ({exc}); pass a report") from None
    from charter.history import KIND

    if isinstance(data, dict) and data.get("kind") == KIND:
        return render_history(data)
    try:
        report = Report.model_validate(data)
    except ValueError:
        raise CharterError(
            f"{source}: neither a charter JSON report nor a history; write one with "
            "'charter audit --format json' or 'charter history --format json'"
        ) from None
    return render(report, policies)
