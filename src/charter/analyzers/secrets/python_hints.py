"""The cheap half of the Python secret check: regex candidates, before any walk of the tree.

Kept apart from :mod:`charter.analyzers.secrets.python`, which needs LibCST (~0.2 s to import)
for files in syntax newer than the running Python: most Python files stop here, and a process
that never parses with LibCST never imports it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from typing import TypeVar

from charter.analyzers.secrets.common import Assignment

N = TypeVar("N")

#: Linear time (``'key' * 600000`` used to take minutes): a match starts only where a run of
#: word characters starts; the atomic group stops at the run's first secret-like word (the
#: ``word`` group, where the name is measured from) and nothing backtracks into it.
_HINT = re.compile(
    r"""(?<!\w)(?>\w*?(?P<word>pass|pwd|secret|token|key|cred|auth))\w*+['"]?\]?[ \t]*+"""
    r"""(?::[^=\n]{0,80}=|[:=])[ \t]*+[rbu]{0,2}(?P<q>['"])(?P<val>[^'"\n]{5,}+)(?P=q)"""
)
_ENV_DEFAULT_HINT = re.compile(
    r"""(?:getenv|get|setdefault|pop)\([ \t]*[rbu]{0,2}['"](?P<name>(?>\w*?(?:pass|pwd|secret|"""
    r"""token|key|cred|auth))\w*+)['"][ \t]*,[ \t]*[rbu]{0,2}(?P<q>['"])(?P<val>[^'"\n]{5,}+)"""
    r"""(?P=q)"""
)
#: ``os.getenv("DB_PASSWORD", "fallback")``, ``os.environ.setdefault(...)``: a literal default
ENV_DEFAULT_CALLS = frozenset({"getenv", "get", "setdefault", "pop"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def python_candidates(lower: str) -> list[Assignment]:
    """Plausible ``name = "literal"`` spots of a lower-cased Python text, with their lines.

    Name and value are lower-cased, as the regex saw them; the value is the raw text between
    the quotes (escapes not decoded).
    """
    found: list[tuple[int, str, str]] = []
    for match in _HINT.finditer(lower):
        start = match.start("word")
        while start > 0 and lower[start - 1] in _NAME_CHARS:
            start -= 1
        end = start
        while end < len(lower) and lower[end] in _NAME_CHARS:
            end += 1
        found.append((match.start("val"), lower[start:end], match.group("val")))
    if "(" in lower:
        found.extend(
            (m.start("val"), m.group("name"), m.group("val"))
            for m in _ENV_DEFAULT_HINT.finditer(lower)
        )
    found.sort()
    out: list[Assignment] = []
    line, counted = 1, 0
    for offset, name, raw in found:
        line += lower.count("\n", counted, offset)
        counted = offset
        column = offset - lower.rfind("\n", 0, offset)  # 1-based, the literal's quote
        out.append(Assignment(name, raw, line, column - 1))
    return out


def literal_lines(tree: ast.Module) -> set[int]:
    """Lines where a string literal starts that is not a bare statement (a docstring).

    A cheap confirmation on the shared ``ast`` tree, which the engine builds for every Python
    file anyway: a candidate whose line holds no such literal (a mention in a docstring) does
    not need the LibCST parse.
    """
    bare = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    return {
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str | bytes) and id(n) not in bare
    }


def place_on_hint_lines(
    found: Iterable[tuple[str, str, str | None, N]], candidates: list[Assignment]
) -> tuple[list[Assignment], list[tuple[str, str, N]]]:
    """Each found literal ``(name, value, raw source, node)`` at the line and column where the
    regex hint saw the same name and raw literal (the n-th equal literal takes the n-th spot),
    and the literals no hint saw, for the caller to place from its own tree."""
    lines: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for c in candidates:
        lines.setdefault((c.name, c.value), []).append((c.line, c.column))
    placed: list[Assignment] = []
    unplaced: list[tuple[str, str, N]] = []
    used: dict[tuple[str, str], int] = {}
    for name, value, raw, node in found:
        key = (name.lower(), raw.lower()) if raw is not None else None
        spots = lines.get(key) if key is not None else None
        if spots and key is not None:
            nth = used.get(key, 0)
            used[key] = nth + 1
            line, column = spots[min(nth, len(spots) - 1)]
            placed.append(Assignment(name, value, line, column))
        else:
            unplaced.append((name, value, node))
    return placed, unplaced
