"""What several Rust rules need: test attributes, comments by line."""

from __future__ import annotations

import re

import tree_sitter

from charter.analyzers.treesitter import captures, preceding_siblings, text

#: ``cfg(test)``, and the features that only test builds turn on (``feature = "test"``,
#: ``"testing"``, ``"test-utils"``)
_CFG_TEST = re.compile(
    r"^#!?\[\s*cfg\s*\(.*\btest(?:s|ing|[-_](?:utils?|support|helpers?|fixtures))?\b",
    re.DOTALL,
)
_CFG_NOT_TEST = re.compile(r"\bnot\s*\(\s*test\s*\)")
#: ``#[test]``, ``#[tokio::test]``, ``#[sqlx::test]``, ``#[rstest]``, ``#[bench]`` ...
_TEST_FN = re.compile(r"^#\[\s*(?:[\w:]*::)?(?:test|rstest|bench|test_case|quickcheck)\b")


def is_cfg_test(attribute: tree_sitter.Node) -> bool:
    """``#[cfg(test)]`` or ``#[cfg(all(test, ...))]``, but not ``#[cfg(not(test))]``."""
    raw = text(attribute)
    return bool(_CFG_TEST.match(raw)) and not _CFG_NOT_TEST.search(raw)


def attributes(item: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The outer attributes written before an item (comments between them skipped)."""
    found: list[tree_sitter.Node] = []
    for sibling in preceding_siblings(item):
        if sibling.type == "attribute_item":
            found.append(sibling)
        elif sibling.type not in {"line_comment", "block_comment"}:
            break
    return found


def is_test_item(item: tree_sitter.Node) -> bool:
    """A ``#[cfg(test)]`` item or a ``#[test]``-like function."""
    for attribute in attributes(item):
        if is_cfg_test(attribute):
            return True
        if item.type == "function_item" and _TEST_FN.match(text(attribute)):
            return True
    return False


def is_test_crate_file(root: tree_sitter.Node) -> bool:
    """A file that starts with ``#![cfg(test)]``."""
    return any(
        child.type == "inner_attribute_item" and is_cfg_test(child) for child in root.children
    )


def comments_by_row(tree: tree_sitter.Tree) -> dict[int, str]:
    """The text of the comments covering each 0-based row (a block comment covers several)."""
    rows: dict[int, str] = {}
    found = captures(tree.language, tree.root_node, "[(line_comment) (block_comment)] @c")
    for comment in found.get("c", []):
        body = text(comment)
        for row in range(comment.start_point[0], comment.end_point[0] + 1):
            rows[row] = rows.get(row, "") + body
    return rows
