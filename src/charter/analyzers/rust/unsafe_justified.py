"""rust-unsafe-justified: every ``unsafe`` block, impl and fn says why it is sound.

An ``unsafe { }`` block or ``unsafe impl`` is excused by a ``// SAFETY:`` comment (any case) in
the comment lines right above its statement (attributes in between allowed), on its own line, or
as the first line inside the block. A public ``unsafe fn`` (not a trait impl's method, whose
contract the trait documents) needs a ``# Safety`` section in its doc comment (what callers must
uphold) or a ``SAFETY:`` comment above it, as clippy's ``missing_safety_doc`` asks.
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.rust.common import comments_by_row
from charter.analyzers.treesitter import captures, report, text
from charter.sources import SourceFile

_QUERY = """
(attribute_item) @attribute
[(unsafe_block) (impl_item) (function_item)] @item
"""
_CONTAINERS = frozenset({"block", "source_file", "declaration_list"})


def _statement(node: tree_sitter.Node) -> tree_sitter.Node:
    """The statement or item that holds ``node`` (its ancestor whose parent is a block)."""
    current = node
    while current.parent is not None and current.parent.type not in _CONTAINERS:
        current = current.parent
    return current


def _is_unsafe(node: tree_sitter.Node) -> bool:
    if node.type == "unsafe_block":
        return True
    if node.type == "impl_item":
        return any(child.type == "unsafe" for child in node.children)
    if node.type == "function_item":
        return _is_public_contract(node) and any(
            child.type == "function_modifiers" and "unsafe" in text(child).split()
            for child in node.children
        )
    return False


def _is_public_contract(function: tree_sitter.Node) -> bool:
    """A ``pub`` fn that is not a trait impl's method (whose contract the trait documents),
    the functions clippy's ``missing_safety_doc`` asks a ``# Safety`` section of."""
    visibility = next((c for c in function.children if c.type == "visibility_modifier"), None)
    if visibility is None or text(visibility) != "pub":
        return False
    body = function.parent
    owner = body.parent if body is not None and body.type == "declaration_list" else None
    return not (
        owner is not None
        and owner.type == "impl_item"
        and owner.child_by_field_name("trait") is not None
    )


class RustUnsafeJustifiedAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-unsafe-justified"
    kinds: ClassVar[frozenset[str]] = frozenset({"rust"})
    prefilter: ClassVar[tuple[str, ...]] = ("unsafe",)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        root = tree.root_node
        comments = comments_by_row(tree)
        found = captures(tree.language, root, _QUERY)
        attribute_rows = {
            row
            for attribute in found.get("attribute", [])
            for row in range(attribute.start_point[0], attribute.end_point[0] + 1)
        }

        def justified_above(row: int, marker: str) -> bool:
            row -= 1
            while row >= 0 and (row in comments or row in attribute_rows):
                if marker in comments.get(row, "").lower():
                    return True
                row -= 1
            return False

        items = sorted(found.get("item", []), key=lambda n: n.start_byte)
        for node in items:
            if not _is_unsafe(node):
                continue
            own_row = node.start_point[0]
            statement_row = _statement(node).start_point[0]
            multiline_block = node.type == "unsafe_block" and node.end_point[0] > own_row + 1
            first_inside = comments.get(own_row + 1, "") if multiline_block else ""
            marker = "# safety" if node.type == "function_item" else "safety:"
            ok = (
                "safety:" in comments.get(own_row, "").lower()
                or justified_above(own_row, "safety:")
                or justified_above(statement_row, "safety:")
                or (marker == "# safety" and justified_above(own_row, marker))
                or "safety:" in first_inside.lower()
            )
            if ok:
                continue
            what = {
                "unsafe_block": "`unsafe` block",
                "impl_item": "`unsafe impl`",
                "function_item": "`unsafe fn`",
            }[node.type]
            fix = (
                "document a `# Safety` section (what callers must uphold)"
                if node.type == "function_item"
                else "add a `// SAFETY:` comment right above it explaining why it is sound"
            )
            report(out, node, f"{what} without a safety justification; {fix}")
