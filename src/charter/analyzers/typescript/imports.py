"""Module specifiers of a TypeScript/JavaScript file: ``import``/``export ... from``,
``import x = require()``, ``require()`` and dynamic ``import()``."""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter

from charter.analyzers.treesitter import descendants, string_content, text

_STATEMENTS = ("import_statement", "export_statement", "import_require_clause", "call_expression")


def module_specifiers(root: tree_sitter.Node) -> Iterator[tuple[str, tree_sitter.Node]]:
    """(specifier, string node) for every static module reference, in document order."""
    for node in descendants(root, _STATEMENTS):
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            if callee is None or not (callee.type == "import" or text(callee) == "require"):
                continue
            args = node.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is not None and first.type == "string":
                yield string_content(first), first
            continue
        source = node.child_by_field_name("source")
        if source is not None and source.type == "string":
            yield string_content(source), source
