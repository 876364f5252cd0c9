"""Terminal report (rich): a table of profiles, the failing rules with their findings and the
profile sentence behind each, then a one-line summary.

Like ruff's, the report is coloured on a terminal only (:func:`color_wanted`: ``NO_COLOR``,
``FORCE_COLOR``, ``TERM=dumb``), shows each finding's source line with a caret under its
column (read from the audited working tree; ``--no-show-source`` hides them), and groups the
findings by rule (the default: each rule's profile sentence is said once) or by file
(``--group-by file``). Baselined and suppressed findings are counted, and listed only with
``verbose``.

A secret is never printed: no source line is shown for a rule of the ``secrets`` category, for
a finding whose message holds a redacted value, nor for any line a secrets finding points at;
and in every line shown, what the secret detectors find and every quoted value given to a
credential-like name (an unquoted one too outside code files) is redacted (``Zq…(12 chars)``).

Every text that comes from the audited repository (file names, messages, notes) goes through
:func:`charter.reporters.escape.visible`: a newline or an ESC in a file name is shown as
``\\n`` or ``\\x1b``, so it cannot start a line with a CI workflow command or drive the
terminal."""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from collections import Counter, OrderedDict
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from charter.errors import CharterError
from charter.models import (
    PROVISIONAL_BELOW,
    Applicability,
    Finding,
    Report,
    RuleResult,
    Severity,
    Status,
)
from charter.policy import PolicySet
from charter.reporters import CONFIG_HEADING, CONFIG_HINT, config_line, fix_summary
from charter.reporters.escape import visible

MAX_FINDINGS_PER_RULE = 20
MAX_NOTES = 10
#: a source line longer than this is shown as a window around the column
MAX_SOURCE_CHARS = 200
#: a file larger than this is not read for source lines
MAX_SOURCE_BYTES = 8 * 1024 * 1024
#: how many files' lines are kept at once (the findings of a rule come in path order)
_FILES_KEPT = 32
_TAB = "    "
_SEV_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
}
_GUTTER = "bold blue"
#: the rule that finds secrets: its lines are never shown
SECRETS_RULE = "no-hardcoded-secrets"
#: what :func:`charter.redact.redact` leaves of a secret: ``AKIA…(20 chars)``
_REDACTED = re.compile(r"…\(\d+ chars\)")

PARSE_ERROR = "parse-error"
#: ``password = "…"``, ``"api_key": '…'``, ``token := `…` ``: a quoted value given to a name
_QUOTED = re.compile(
    r"""(?P<name>[A-Za-z_][\w.-]*)["']?\s*(?::=|=>|=|:)\s*[rRbBuUfF]{0,2}"""
    r"""(?P<q>["'`])(?P<value>(?:\\.|(?!(?P=q)).)+)(?P=q)"""
)
#: ``DB_PASSWORD=hunter2``, ``password: hunter2``: an unquoted value, in a file that is not code
_BARE = re.compile(r"(?P<name>[A-Za-z_][\w.-]*)\s*(?:=|:)\s*(?P<value>[^\s\"'`,;#]+)")
_CODE_SUFFIXES = frozenset(
    {".py", ".pyi", ".go", ".rs", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".java", ".kt"}
    | {".rb", ".php", ".cs", ".c", ".h", ".cpp", ".swift"}
)

GroupBy = Literal["rule", "file", "profile"]


def color_wanted(stream: TextIO | None = None) -> bool:
    """Colour when ``stream`` (stdout by default) is a terminal, as ruff decides it:
    ``NO_COLOR`` (set and not empty) turns it off, ``FORCE_COLOR`` (set and not empty) on even
    when piped, ``TERM=dumb`` off."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    stream = stream if stream is not None else sys.stdout
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class _Sources:
    """Lines of the audited files, read once per file from the working tree under ``root``.

    Only a regular file inside ``root`` is read (no link followed, no FIFO or device opened),
    up to :data:`MAX_SOURCE_BYTES`; anything else has no source line."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._real_root = root.resolve() if root is not None else None
        self._files: OrderedDict[str, list[str] | None] = OrderedDict()

    def line(self, path: str, line: int) -> str | None:
        if self.root is None or not path or line < 1:
            return None
        if path in self._files:
            self._files.move_to_end(path)
        else:
            self._files[path] = self._read(path)
            if len(self._files) > _FILES_KEPT:
                self._files.popitem(last=False)
        lines = self._files[path]
        if lines is None or line > len(lines):
            return None
        return lines[line - 1]

    def _read(self, path: str) -> list[str] | None:
        assert self.root is not None
        rel = Path(path)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        full = self.root / rel
        if self._real_root is None or not full.resolve().is_relative_to(self._real_root):
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(full, flags)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
                return None
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(MAX_SOURCE_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        text = data.decode("utf-8", errors="replace")
        return [ln.rstrip("\r") for ln in text.split("\n")]


def _secret_lines(report: Report, policies: PolicySet) -> set[tuple[str, int]]:
    """Every (path, line) a finding of a secrets rule points at, suppressed or baselined too:
    no finding's source line is shown there."""
    return {
        (f.path, line)
        for f in report.findings
        if _is_secret_rule(f.rule, policies)
        for line in range(f.line, max(f.line, min(f.end_line or 0, f.line + 1000)) + 1)
    }


def _is_secret_rule(rule_id: str, policies: PolicySet) -> bool:
    rule = policies.rules.get(rule_id)
    return rule_id == SECRETS_RULE or (rule is not None and rule.category == "secrets")


class _Scrubber:
    """A source line with every value that looks like a secret in redacted form: what the
    built-in detectors find (issued formats such as AWS or GitHub keys), and every value given
    to a credential-like name (``password``, ``api_key``), whatever the audit's rules."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self._detectors: Any = None

    def __call__(self, path: str, line: str) -> list[tuple[int, int, str]] | None:
        """The spans of ``line`` to show redacted, as ``(start, end, replacement)`` in line
        order, or None when the line cannot be judged (then it is not shown)."""
        from charter.analyzers.secrets.detectors import load_detectors, scan_text
        from charter.analyzers.secrets.names import secret_strength
        from charter.redact import redact

        try:
            if self._detectors is None:
                self._detectors = load_detectors(self.policies.dirs)
            spans = [(h.start, h.end) for h in scan_text(line, line.lower(), self._detectors)]
        except (CharterError, OSError, ValueError, re.error):
            return None  # a detector that cannot be loaded hides the line, never shows it
        patterns = [_QUOTED]
        if PurePosixPath(path).suffix.lower() not in _CODE_SUFFIXES:
            patterns.append(_BARE)
        for pattern in patterns:
            for match in pattern.finditer(line):
                if secret_strength(match["name"]) is not None:
                    spans.append(match.span("value"))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return [(start, end, redact(line[start:end])) for start, end in merged]


def _apply(text: str, edits: list[tuple[int, int, str]], *at: int) -> tuple[str, list[int]]:
    """``text`` with the edits made, and each position of ``at`` moved with it (a position
    inside an edited span goes to its start)."""
    out: list[str] = []
    moved = list(at)
    done = 0
    shift = 0
    for start, end, replacement in edits:
        out.append(text[done:start])
        out.append(replacement)
        done = end
        for i, pos in enumerate(at):
            if pos >= end:
                moved[i] += len(replacement) - (end - start)
            elif pos > start:
                moved[i] = start + shift
        shift += len(replacement) - (end - start)
    out.append(text[done:])
    return "".join(out), moved


def render(
    report: Report,
    policies: PolicySet,
    *,
    color: bool | None = None,
    width: int = 110,
    source_root: Path | None = None,
    show_source: bool = True,
    group_by: GroupBy = "rule",
    verbose: bool = False,
) -> str:
    """The text report. ``color`` None or False: plain text (the caller decides with
    :func:`color_wanted`). ``source_root``: the audited working tree, where source lines are
    read (None: no source lines, e.g. for a git URL or ``--ref``). ``verbose``: list the
    baselined and suppressed findings instead of only counting them."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=bool(color),
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,
        emoji=False,
        markup=False,
    )
    view = _View(
        console,
        policies,
        report,
        _Sources(source_root if show_source else None),
        _secret_lines(report, policies),
        verbose,
    )
    console.print(
        Text.assemble(
            ("charter ", "bold"),
            report.tool.version,
            f" · {visible(report.target)} · {report.files_scanned} files",
            "" if report.files_tracked is None else f" ({report.files_tracked} tracked by git)",
        )
    )
    console.print()
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("Profile", "left"),
        ("Score", "right"),
        ("Applicable", "right"),
        ("Passed", "right"),
        ("Failed", "right"),
        ("N/A", "right"),
        ("Not impl.", "right"),
        ("Errors", "right"),
        ("Manual", "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    provisional = False
    for p in report.profiles:
        shown_score = "n/a" if p.score is None else f"{p.score:.1f}"
        if p.provisional:
            shown_score += "*"
            provisional = True
        table.add_row(
            visible(p.id),
            shown_score,
            f"{p.applicable} of {p.total}",
            str(p.passed),
            str(p.failed),
            str(p.not_applicable),
            str(p.not_implemented),
            str(p.errors),
            str(len(p.manual)),
        )
    console.print(table)
    if provisional:
        console.print(
            Text(
                f"* provisional: fewer than {PROVISIONAL_BELOW} rules apply, too few for the "
                "score to mean much",
                style="dim",
            )
        )

    if report.repo_config:
        console.print()
        console.print(Text(f"{CONFIG_HEADING} ({CONFIG_HINT}):", style="bold yellow"))
        for change in report.repo_config:
            console.print(Text(f"  {config_line(change)}"))

    by_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    failing = [r for r in report.rules if r.status in (Status.FAIL, Status.ERROR)]
    failing.sort(key=lambda r: (-r.severity.rank, r.id))

    def advisory(rule_id: str) -> bool:
        found = [f for f in by_rule.get(rule_id, []) if view.listed(f)]
        return bool(found) and all(f.advisory for f in found)

    gating = [r for r in failing if not advisory(r.id)]
    advising = [r for r in failing if advisory(r.id)]
    if group_by == "file":
        view.by_file(failing, [f for r in failing for f in by_rule.get(r.id, [])])
    elif group_by == "profile":
        view.by_profile(failing, by_rule, advisory)
    else:
        for title, group in (
            ("Failing rules", gating),
            (
                "Advisory: rules whose precision is medium, low or not yet measured (--strict "
                "gates on them; docs/precision.md)",
                advising,
            ),
        ):
            if not group:
                continue
            console.print()
            console.print(Text(title, style="bold"))
            for result in group:
                view.rule(result, by_rule.get(result.id, []))

    if report.notes:
        console.print()
        console.print(Text("Notes", style="bold"))
        for note in report.notes[:MAX_NOTES]:
            where = f"{visible(note.path)}:{note.line}" if note.path else "(repository)"
            console.print(Text(f"  {where} {visible(note.message)}", style="dim"))
        if len(report.notes) > MAX_NOTES:
            console.print(
                Text(f"  … {len(report.notes) - MAX_NOTES} more (use --format json)", style="dim")
            )

    console.print()
    active = report.active_findings()
    sev = Counter(f.severity for f in active)
    parts = [f"{sev[s]} {s.value}" for s in Severity if sev[s]]
    advisory_count = sum(f.advisory for f in active)
    split = f"; {len(active) - advisory_count} gating, {advisory_count} advisory" if active else ""
    summary = Text(
        f"{len(report.profiles)} profile(s), {len(failing)} failing rule(s), "
        f"{len(active)} finding(s)" + (f" ({', '.join(parts)}{split})" if parts else "")
    )
    hidden = _hidden_counts(report.findings)
    if hidden:
        summary.append(
            f"; {hidden}" + ("" if verbose else " (not listed; -v lists them)"), style="dim"
        )
    console.print(summary)
    fixable = fix_summary(report.findings)
    if fixable:
        console.print(Text(fixable))
    return buffer.getvalue()


def _fix_mark(loc: Text, f: Finding) -> None:
    """``[*]`` before the message of a finding that ``charter fix`` removes (ruff's mark: a safe
    fix; a finding whose fix is unsafe is counted in the summary, not marked)."""
    if f.fix is Applicability.SAFE:
        loc.append("[*] ", style="bold cyan")


def _hidden_counts(findings: tuple[Finding, ...] | list[Finding]) -> str:
    """``3 baselined, 1 suppressed``, or empty when there are none."""
    baselined = sum(f.baselined and not f.suppressed for f in findings)
    suppressed = sum(f.suppressed for f in findings)
    parts = [f"{baselined} baselined"] if baselined else []
    parts += [f"{suppressed} suppressed"] if suppressed else []
    return ", ".join(parts)


class _View:
    """Prints findings, with their source lines, into one console."""

    def __init__(
        self,
        console: Console,
        policies: PolicySet,
        report: Report,
        sources: _Sources,
        secret_lines: set[tuple[str, int]],
        verbose: bool,
    ) -> None:
        self.console = console
        self.policies = policies
        self.report = report
        self.sources = sources
        self.secret_lines = secret_lines
        self.verbose = verbose
        self.scrub = _Scrubber(policies)

    def listed(self, f: Finding) -> bool:
        """Active findings are listed; baselined and suppressed ones only when verbose."""
        return self.verbose or not (f.suppressed or f.baselined)

    def by_profile(
        self,
        failing: list[RuleResult],
        by_rule: dict[str, list[Finding]],
        advisory: Callable[[str], bool],
    ) -> None:
        """The failing rules under each profile that applies them, each quoting that profile's
        own sentence (an imported profile: the repository's file and line); a rule failing in
        several profiles lists its findings under the first."""
        console = self.console
        results = {r.id: r for r in failing}
        listed: dict[str, str] = {}
        for profile in self.report.profiles:
            # a file charter cannot parse is said once, below, not as any profile's failure
            rows = [row for row in profile.rules if row.id in results and row.id != PARSE_ERROR]
            if not rows:
                continue
            rows.sort(key=lambda row: (advisory(row.id), -row.severity.rank, row.id))
            console.print()
            head = Text(f"Failing rules of {visible(profile.id)}", style="bold")
            if profile.title and profile.title != profile.id:
                head.append(f" · {visible(profile.title)}", style="dim")
            console.print(head)
            for row in rows:
                first = listed.get(row.id)
                self.rule(
                    results[row.id],
                    [] if first else by_rule.get(row.id, []),
                    profile=profile.id,
                    own=(row.quote, row.where) if row.quote else None,
                    advisory=advisory(row.id),
                )
                if first:
                    self.console.print(
                        Text(f"    findings listed under {visible(first)}", style="dim")
                    )
                else:
                    listed[row.id] = profile.id
        rest = [r for r in failing if r.id not in listed]
        if rest:
            console.print()
            console.print(
                Text("Failing rules every audit runs (in no profile's score)", style="bold")
            )
            for result in rest:
                self.rule(result, by_rule.get(result.id, []), profile="", advisory=False)

    def rule(
        self,
        result: RuleResult,
        found: list[Finding],
        *,
        profile: str | None = None,
        own: tuple[str, str | None] | None = None,
        advisory: bool = False,
    ) -> None:
        """One failing rule: its id and title, the profile sentence behind it (``own``: the
        sentence of the profile the rule is listed under, with its file and line), its
        findings."""
        console = self.console
        head = Text()
        head.append("✗ ", style="red")
        head.append(visible(result.id), style="bold")
        head.append(" ")
        head.append(f"({result.severity.value})", style=_SEV_STYLE[result.severity])
        head.append(f" {visible(result.title)}")
        if result.message:
            head.append(f" · {visible(result.message)}", style="dim")
        if advisory:
            head.append(" · advisory", style="dim")
        console.print(head)
        rule = self.policies.rules.get(result.id)
        audited = [p.id for p in self.report.profiles]
        sources = sorted(
            rule.sources if rule is not None else (),
            key=lambda s: audited.index(s.profile) if s.profile in audited else len(audited),
        )
        if profile is not None:
            sources = [s for s in sources if s.profile == profile]
        if own is not None:
            quote, where = own
            shown_where = f" ({visible(where)})" if where else ""
            console.print(Text(f'    "{visible(quote)}"{shown_where}', style="italic dim"))
        elif sources:
            src = sources[0]
            line = f":{src.line}" if src.line else ""
            quote = f'    "{visible(src.quote)}" ({visible(src.profile)}{line})'
            console.print(Text(quote, style="italic dim"))
        shown = [f for f in found if self.listed(f)]
        for f in shown[:MAX_FINDINGS_PER_RULE]:
            loc = Text("    ")
            loc.append_text(_where(f))
            loc.append(" ")
            _fix_mark(loc, f)
            loc.append(visible(f.message))
            self._finding(loc, f, "    ")
        if len(shown) > MAX_FINDINGS_PER_RULE:
            console.print(
                Text(
                    f"    … {len(shown) - MAX_FINDINGS_PER_RULE} more (use --format json)",
                    style="dim",
                )
            )
        hidden = "" if self.verbose else _hidden_counts(found)
        if hidden:
            console.print(Text(f"    + {hidden} (-v lists them)", style="dim"))

    def by_file(self, failing: list[RuleResult], found: list[Finding]) -> None:
        """The failing rules' findings under their file, in file and line order, each with its
        rule id and severity (``charter explain RULE`` gives the profile sentence)."""
        console = self.console
        shown = sorted((f for f in found if self.listed(f)), key=lambda f: f.sort_key)
        files: dict[str, list[Finding]] = {}
        for f in shown:
            files.setdefault(f.path, []).append(f)
        if not files and not failing:
            return
        console.print()
        console.print(Text("Findings by file", style="bold"))
        for path in sorted(files, key=lambda p: (p == "", p)):
            console.print(Text(visible(path) if path else "(repository)", style="bold"))
            items = files[path]
            for f in items[:MAX_FINDINGS_PER_RULE]:
                loc = Text("  ")
                if f.line:
                    loc.append(f"{f.line}:{f.column} ")
                loc.append(visible(f.rule), style="bold")
                loc.append(" ")
                loc.append(f"({f.severity.value})", style=_SEV_STYLE[f.severity])
                loc.append(" ")
                _fix_mark(loc, f)
                loc.append(visible(f.message))
                if f.advisory:
                    loc.append(" [advisory]", style="dim")
                self._finding(loc, f, "  ")
            if len(items) > MAX_FINDINGS_PER_RULE:
                console.print(
                    Text(
                        f"  … {len(items) - MAX_FINDINGS_PER_RULE} more (use --format json)",
                        style="dim",
                    )
                )
        hidden = "" if self.verbose else _hidden_counts(found)
        if hidden:
            console.print(Text(f"+ {hidden} (-v lists them)", style="dim"))

    def _finding(self, loc: Text, f: Finding, indent: str) -> None:
        console = self.console
        if f.suppressed:
            loc.append(" [suppressed]", style="dim")
        elif f.baselined:
            loc.append(" [baselined]", style="dim")
        console.print(loc)
        if f.related:
            also = ", ".join(
                visible(r.path if not r.line else f"{r.path}:{r.line}") for r in f.related[:5]
            )
            more = f" and {len(f.related) - 5} more" if len(f.related) > 5 else ""
            console.print(Text(f"{indent}  also at {also}{more}", style="dim"))
        for row in self._source(f, indent):
            console.print(row)

    def _source(self, f: Finding, indent: str) -> list[Text]:
        """The finding's source line with a caret under its column, ruff-style:

        ::

              |
            3 | def f(a):
              |     ^
        """
        if (
            not f.line
            or _is_secret_rule(f.rule, self.policies)
            or _REDACTED.search(f.message)
            or (f.path, f.line) in self.secret_lines
        ):
            return []
        raw = self.sources.line(f.path, f.line)
        if raw is None:
            return []
        text = raw.rstrip()
        start = max(0, min(f.column - 1, len(text)))
        if f.column == 1:  # column 1 of an indented line: the caret goes under its first word
            start = len(text) - len(text.lstrip())
        span = 1
        if f.end_line in (None, f.line) and f.end_column is not None and f.end_column > f.column:
            span = max(1, min(f.end_column - 1, len(text)) - start)
        edits = self.scrub(f.path, text)
        if edits is None:
            return []
        text, (start, stop) = _apply(text, edits, start, start + span)
        span = max(1, stop - start)
        # a long line is shown as a window around the column
        lo, hi = 0, len(text)
        if len(text) > MAX_SOURCE_CHARS:
            lo = max(0, min(start - MAX_SOURCE_CHARS // 2, len(text) - MAX_SOURCE_CHARS))
            hi = lo + MAX_SOURCE_CHARS
        span = max(1, min(span, hi - start))
        lead = "…" if lo else ""
        shown = lead + _display(text[lo:hi]) + ("…" if hi < len(text) else "")
        offset = cell_len(lead + _display(text[lo:start]))
        width = max(1, cell_len(_display(text[start : start + span])))
        number = str(f.line)
        pad = " " * len(number)
        style = _SEV_STYLE[f.severity]
        empty = Text(indent)
        empty.append(f"{pad} |", style=_GUTTER)
        code = Text(indent)
        code.append(f"{number} |", style=_GUTTER)
        code.append(f" {shown}")
        caret = Text(indent)
        caret.append(f"{pad} |", style=_GUTTER)
        caret.append(" " + " " * offset)
        caret.append("^" * width, style=style)
        return [empty, code, caret]


def _where(f: Finding) -> Text:
    """``path:line:column`` with the path in bold; the path alone for a whole-file finding."""
    if not f.path:
        return Text().append("(repository)", style="bold")
    out = Text()
    out.append(visible(f.path), style="bold")
    if f.line:
        out.append(f":{f.line}:{f.column}")
    return out


def _display(text: str) -> str:
    """Source text as printed: tabs as four spaces, every control character escaped."""
    return visible(text.replace("\t", _TAB))
