"""What several Go rules need: import aliases, test files, parameter lists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

import tree_sitter

from charter.analyzers.treesitter import descendants, string_content, text

#: Go nodes that carry a ``parameters`` list: declarations, literals, interface methods, types
FUNCTION_NODES = (
    "function_declaration",
    "method_declaration",
    "func_literal",
    "method_elem",
    "function_type",
)


def is_test_file(path: str) -> bool:
    """``go test`` files (``*_test.go``) and fixtures under ``testdata/``."""
    pure = PurePosixPath(path)
    return pure.name.endswith("_test.go") or "testdata" in pure.parts


def import_names(root: tree_sitter.Node, import_path: str) -> set[str]:
    """The names under which the file refers to the package ``import_path`` (alias or last part).

    Empty when the package is not imported (or imported as ``_`` / dot-imported).
    """
    names: set[str] = set()
    for spec in descendants(root, ("import_spec",)):
        path_node = spec.child_by_field_name("path")
        if path_node is None or string_content(path_node) != import_path:
            continue
        alias = spec.child_by_field_name("name")
        if alias is None:
            names.add(import_path.rsplit("/", 1)[-1])
        elif text(alias) not in {"_", "."}:
            names.add(text(alias))
    return names


def is_call_to(call: tree_sitter.Node, packages: set[str], function: str) -> bool:
    """Whether ``call`` is ``pkg.function(...)`` for one of the package names."""
    callee = call.child_by_field_name("function")
    if callee is None or callee.type != "selector_expression":
        return False
    operand = callee.child_by_field_name("operand")
    field = callee.child_by_field_name("field")
    return (
        operand is not None
        and operand.type == "identifier"
        and text(operand) in packages
        and text(field) == function
    )


def parameters(function: tree_sitter.Node) -> Iterator[tuple[tree_sitter.Node, tree_sitter.Node]]:
    """(declaration, type) per positional parameter; ``a, b int`` yields two positions."""
    plist = function.child_by_field_name("parameters")
    if plist is None:
        return
    for decl in plist.named_children:
        if decl.type not in {"parameter_declaration", "variadic_parameter_declaration"}:
            continue
        type_node = decl.child_by_field_name("type")
        if type_node is None:
            continue
        names = decl.children_by_field_name("name")
        for _ in range(max(len(names), 1)):
            yield decl, type_node
