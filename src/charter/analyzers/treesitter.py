"""Small helpers for rules on the shared tree-sitter tree (``SourceFile.syntax_tree``).

Positions are 1-based lines and columns, as ``Emitter.report`` takes them (tree-sitter columns
are byte offsets; for the ASCII code around a finding that is the character column).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

import tree_sitter

from charter.analyzers.base import Emitter


@functools.cache
def _query(language: tree_sitter.Language, source: str) -> tree_sitter.Query:
    return tree_sitter.Query(language, source)


def captures(
    language: tree_sitter.Language, node: tree_sitter.Node, source: str
) -> dict[str, list[tree_sitter.Node]]:
    """Run a query (compiled once per language) under ``node``: nodes by capture name, each
    list in document order. Queries match in C, far faster than walking the tree in Python."""
    found = tree_sitter.QueryCursor(_query(language, source)).captures(node)
    return {name: sorted(nodes, key=lambda n: n.start_byte) for name, nodes in found.items()}


def matches(
    language: tree_sitter.Language, node: tree_sitter.Node, source: str
) -> list[dict[str, list[tree_sitter.Node]]]:
    """Run a query under ``node``: one dict of captures per match, in document order."""
    found = tree_sitter.QueryCursor(_query(language, source)).matches(node)
    return sorted(
        (caps for _, caps in found),
        key=lambda caps: min(n.start_byte for nodes in caps.values() for n in nodes),
    )


def text(node: tree_sitter.Node | None) -> str:
    """The node's source text, decoded leniently ("" for None)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", errors="replace")


def line(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


def column(node: tree_sitter.Node) -> int:
    return node.start_point[1] + 1


def report(out: Emitter, node: tree_sitter.Node, message: str, *, path: str | None = None) -> None:
    """Report a finding spanning ``node``."""
    out.report(
        line(node),
        message,
        path=path,
        column=column(node),
        end_line=node.end_point[0] + 1,
        end_column=node.end_point[1] + 1,
    )


def descendants(node: tree_sitter.Node, types: Iterable[str]) -> Iterator[tree_sitter.Node]:
    """Every descendant of one of ``types``, in document order (iterative: trees can be deep).

    A Python walk: fine for a small subtree; use :func:`captures` for a whole file."""
    wanted = frozenset(types)
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in wanted:
            yield current
        stack.extend(reversed(current.children))


def ancestors(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def preceding_siblings(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Siblings before ``node``, nearest first."""
    sibling = node.prev_sibling
    while sibling is not None:
        yield sibling
        sibling = sibling.prev_sibling


def string_content(node: tree_sitter.Node) -> str:
    """The value of a simple string literal node (quotes stripped; escapes left as written)."""
    raw = text(node)
    if len(raw) >= 2 and raw[0] in "\"'`" and raw[-1] == raw[0]:
        return raw[1:-1]
    return raw
