"""In-source suppressions: ``charter: ignore[rule-id] -- reason`` comments.

Syntax, in a ``#`` or ``//`` comment::

    x = eval(data)  # charter: ignore[no-eval] -- input is a constant table
    # charter: ignore[type-hints, src-layout] -- generated module
    def generated(a, b): ...
    # charter: ignore-file[type-hints] -- vendored code, kept byte-identical

A line directive covers the line it is on; when the comment is the only thing on its line it
also covers the next line (the "line above" form). A file directive covers the whole file.
Several rule ids are separated by commas. The reason after ``--`` is required: a directive
without one still applies, but is itself reported (rule ``suppression-without-reason``). A
directive that suppresses nothing is reported too (rule ``unused-suppression``).

Python comments are found with :mod:`tokenize`, so text inside string literals is never taken
for a directive; in YAML, text inside scalars (e.g. code in a ``|`` block) is skipped using
PyYAML's scanner; other files are scanned line by line for ``#`` and ``//`` comments.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import yaml

from charter.models import Finding

SUPPRESSION_WITHOUT_REASON = "suppression-without-reason"
UNUSED_SUPPRESSION = "unused-suppression"

#: the text every directive contains; analyzers use it as their prefilter
TOKEN = "charter:"

#: file kinds whose comments may carry directives (JSON has no comments; Markdown and other
#: files only mention the syntax in prose)
COMMENT_KINDS = frozenset(
    {
        "python",
        "python-stub",
        "terraform",
        "terraform-vars",
        "hcl",
        "yaml",
        "toml",
        "go",
        "rust",
        "typescript",
        "javascript",
        "ini",
        "properties",
        "shell",
        "sql",
        "java",
        "kotlin",
        "ruby",
        "php",
        "csharp",
        "dockerfile",
        "dotenv",
        "makefile",
    }
)

_DIRECTIVE = re.compile(
    r"charter:\s*(?P<kind>ignore-file|ignore)\[(?P<ids>[^\]]*)\](?:\s*--\s*(?P<reason>.*))?"
)
_COMMENT_START = re.compile(r"(?:#|//)")


@dataclass(frozen=True)
class Directive:
    """One ``charter: ignore[...]`` or ``charter: ignore-file[...]`` comment."""

    path: str
    line: int
    column: int
    rules: tuple[str, ...]
    reason: str | None
    whole_file: bool = False
    #: the comment is alone on its line, so it also covers the next line
    own_line: bool = False

    def covers(self, finding: Finding) -> bool:
        if finding.path != self.path or finding.rule not in self.rules:
            return False
        if self.whole_file:
            return True
        return finding.line == self.line or (self.own_line and finding.line == self.line + 1)


def _parse_comment(
    path: str, line: int, column: int, comment: str, own_line: bool
) -> Directive | None:
    match = _DIRECTIVE.search(comment)
    if match is None:
        return None
    ids = tuple(dict.fromkeys(p.strip() for p in match["ids"].split(",") if p.strip()))
    reason = (match["reason"] or "").strip() or None
    return Directive(
        path=path,
        line=line,
        column=column + match.start(),
        rules=ids,
        reason=reason,
        whole_file=match["kind"] == "ignore-file",
        own_line=own_line,
    )


def _python_comments(text: str) -> list[tuple[int, int, str, bool]] | None:
    """(line, column, comment, alone on its line) for each comment, or None if untokenizable."""
    out: list[tuple[int, int, str, bool]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                (line, col) = tok.start
                alone = tok.line[:col].strip() == ""
                out.append((line, col + 1, tok.string, alone))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return out


def _plain_comments(text: str) -> list[tuple[int, int, str, bool]]:
    out: list[tuple[int, int, str, bool]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if TOKEN not in raw:
            continue
        at = raw.find(TOKEN)
        starts = [m.start() for m in _COMMENT_START.finditer(raw, 0, at)]
        if not starts:
            continue
        start = starts[-1]
        out.append((number, start + 1, raw[start:], raw[:start].strip() == ""))
    return out


def _outside_yaml_scalars(
    text: str, comments: list[tuple[int, int, str, bool]]
) -> list[tuple[int, int, str, bool]]:
    """The comments that are not text inside a YAML scalar (e.g. code in a block literal)."""
    try:
        spans = [
            (
                (tok.start_mark.line + 1, tok.start_mark.column + 1),
                (tok.end_mark.line + 1, tok.end_mark.column + 1),
            )
            for tok in yaml.scan(text)
            if isinstance(tok, yaml.ScalarToken)
        ]
    except yaml.YAMLError:
        return comments
    return [c for c in comments if not any(start <= (c[0], c[1]) < end for start, end in spans)]


def parse_directives(path: str, text: str, kind: str = "other") -> list[Directive]:
    """Every directive in a file's text, in line order."""
    if TOKEN not in text:
        return []
    comments = None
    if kind in {"python", "python-stub"}:
        comments = _python_comments(text)
    if comments is None:
        comments = _plain_comments(text)
        if kind == "yaml":
            comments = _outside_yaml_scalars(text, comments)
    directives: list[Directive] = []
    for line, column, comment, alone in comments:
        directive = _parse_comment(path, line, column, comment, alone)
        if directive is not None:
            directives.append(directive)
    return directives


def missing_reason_message(directive: Directive) -> str:
    form = "ignore-file" if directive.whole_file else "ignore"
    ids = ", ".join(directive.rules) or "rule-id"
    return (
        f"suppression of {ids} gives no reason; write "
        f"'charter: {form}[{ids}] -- why this is acceptable'"
    )


def unused_message(rule_id: str, known: bool) -> str:
    if not known:
        return (
            f"suppression names unknown rule '{rule_id}'; "
            "fix the id ('charter rules' lists them) or remove it"
        )
    return f"suppression of '{rule_id}' matched no finding; remove it"


@dataclass(frozen=True)
class Applied:
    """The findings after suppression, and which (directive, rule id) pairs were used."""

    findings: tuple[Finding, ...]
    used: frozenset[tuple[Directive, str]]


def apply(findings: Iterable[Finding], directives: Sequence[Directive]) -> Applied:
    """Mark findings covered by a directive ``suppressed`` with the directive's reason."""
    by_path: dict[str, list[Directive]] = {}
    for d in directives:
        by_path.setdefault(d.path, []).append(d)
    used: set[tuple[Directive, str]] = set()
    out: list[Finding] = []
    for finding in findings:
        cover = next((d for d in by_path.get(finding.path, ()) if d.covers(finding)), None)
        if cover is None or finding.rule == UNUSED_SUPPRESSION:
            out.append(finding)
            continue
        used.add((cover, finding.rule))
        if finding.suppressed:
            out.append(finding)
            continue
        out.append(
            finding.model_copy(update={"suppressed": True, "suppression_reason": cover.reason})
        )
    return Applied(tuple(out), frozenset(used))


def unused(
    directives: Iterable[Directive],
    used: frozenset[tuple[Directive, str]],
    ran: frozenset[str],
    known: frozenset[str],
) -> list[tuple[Directive, str, str]]:
    """(directive, rule id, message) for each rule id a directive names but did not use.

    Only rules that ran in this audit are judged (a rule of an unselected profile may need the
    directive); an unknown id is always reported.
    """
    out: list[tuple[Directive, str, str]] = []
    for d in directives:
        for rule_id in d.rules:
            if rule_id not in known:
                out.append((d, rule_id, unused_message(rule_id, known=False)))
            elif rule_id in ran and (d, rule_id) not in used:
                out.append((d, rule_id, unused_message(rule_id, known=True)))
    return out
