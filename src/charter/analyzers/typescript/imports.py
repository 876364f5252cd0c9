"""Module specifiers of a TypeScript/JavaScript file: ``import``/``export ... from``,
``import x = require()``, ``require()`` and dynamic ``import()``."""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter

from charter.analyzers.treesitter import matches, string_content, text

_SOURCES = """
(import_statement source: (string) @source)
(export_statement source: (string) @source)
(call_expression function: (_) @callee arguments: (arguments . (string) @source))
"""
#: TypeScript's ``import x = require("y")``, a node the JavaScript grammar does not have
_TS_REQUIRE = "(import_require_clause source: (string) @source)"


def module_specifiers(tree: tree_sitter.Tree) -> Iterator[tuple[str, tree_sitter.Node]]:
    """(specifier, string node) for every static module reference, in document order."""
    query = _SOURCES if tree.language.name == "javascript" else _SOURCES + _TS_REQUIRE
    for found in matches(tree.language, tree.root_node, query):
        source = found["source"][0]
        callee = found.get("callee")
        if callee and not (callee[0].type == "import" or text(callee[0]) == "require"):
            continue
        yield string_content(source), source
