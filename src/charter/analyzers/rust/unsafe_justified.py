"""rust-unsafe-justified: every ``unsafe`` block, impl and fn says why it is sound.

An ``unsafe { }`` block or ``unsafe impl`` is excused by a ``// SAFETY:`` comment (any case) in
the comment lines right above its statement (attributes in between allowed), on its own line, or
as the first line inside the block. A public ``unsafe fn`` (not a trait impl's method, whose
contract the trait documents) needs a ``# Safety`` section in its doc comment (what callers must
uphold) or a ``SAFETY:`` comment above it, as clippy's ``missing_safety_doc`` asks.

A comment right above an ``unsafe`` block or impl that argues its soundness without the literal
``SAFETY:`` marker counts as well: a comment of a few words or more that reasons about safety
("we are safe", "sound", "guaranteed", "invariant", "must not be mutated", "locked by every
caller", "undefined behaviour"), as opposed to one that only names the operation. Test code
(``#[cfg(test)]`` modules, ``#[test]`` functions) is left out.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.rust.common import comments_by_row, is_test_crate_file, is_test_item
from charter.analyzers.treesitter import ancestors, captures, report, text
from charter.sources import SourceFile

_QUERY = """
(attribute_item) @attribute
[(unsafe_block) (impl_item) (function_item)] @item
"""
_CONTAINERS = frozenset({"block", "source_file", "declaration_list"})
#: words that argue why an unsafe operation is sound (a justification without ``SAFETY:``)
_REASONING = re.compile(
    r"\b(?:safe(?:ly|ty)?|sound(?:ness)?|guarantee[sd]?|invariants?|ensures?|ensured|valid(?:ity)?"
    r"|undefined\s+behaviou?r|UB|uphold|upholds|aliasing|aliased|outlives?|initiali[sz]ed|aligned"
    r"|non-?null|exclusive(?:ly)?|lock(?:ed|ing|s)?|must\s+not|never|only\s+(?:called|used))\b",
    re.IGNORECASE,
)
_MIN_WORDS = 6


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

        def argued_above(row: int) -> bool:
            """A comment block right above that reasons about soundness in its own words."""
            row -= 1
            block: list[str] = []
            while row >= 0 and (row in comments or row in attribute_rows):
                block.append(comments.get(row, ""))
                row -= 1
            words = " ".join(block).replace("//", " ").replace("/*", " ").replace("*/", " ")
            return len(words.split()) >= _MIN_WORDS and bool(_REASONING.search(words))

        if is_test_crate_file(root):
            return
        items = sorted(found.get("item", []), key=lambda n: n.start_byte)
        for node in items:
            if not _is_unsafe(node):
                continue
            if any(
                a.type in {"mod_item", "function_item", "impl_item"} and is_test_item(a)
                for a in ancestors(node)
            ):
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
                or (
                    node.type != "function_item"
                    and (argued_above(own_row) or argued_above(statement_row))
                )
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
