"""What several Go rules need: import aliases, test files, parameter lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

import tree_sitter

from charter.analyzers.treesitter import matches, string_content, text
from charter.sources import SourceFile

#: Go nodes that carry a ``parameters`` list: declarations, literals, interface methods, types
FUNCTION_NODES = (
    "function_declaration",
    "method_declaration",
    "func_literal",
    "method_elem",
    "function_type",
)


_GENERATED = re.compile(rb"^// Code generated .* DO NOT EDIT\.$", re.MULTILINE)


def is_test_file(path: str) -> bool:
    """``go test`` files (``*_test.go``) and fixtures under ``testdata/``."""
    pure = PurePosixPath(path)
    return pure.name.endswith("_test.go") or "testdata" in pure.parts


def is_foreign(file: SourceFile) -> bool:
    """Vendored dependencies (``vendor/``) and generated files (the Go convention's
    ``// Code generated ... DO NOT EDIT.`` line before the package clause): not the project's code
    to fix."""
    if "vendor" in PurePosixPath(file.path).parts:
        return True
    head = (file.data or b"")[:4096]
    package = head.find(b"\npackage ")
    return bool(_GENERATED.search(head if package < 0 else head[:package]))


def import_names(root: tree_sitter.Node, import_path: str) -> set[str]:
    """The names under which the file refers to the package ``import_path`` (alias or last part).

    Empty when the package is not imported (or imported as ``_`` / dot-imported).
    """
    names: set[str] = set()
    for decl in root.named_children:
        if decl.type != "import_declaration":
            continue
        specs = [c for c in decl.named_children if c.type == "import_spec"]
        for group in decl.named_children:
            if group.type == "import_spec_list":
                specs.extend(c for c in group.named_children if c.type == "import_spec")
        for spec in specs:
            path_node = spec.child_by_field_name("path")
            if path_node is None or string_content(path_node) != import_path:
                continue
            alias = spec.child_by_field_name("name")
            if alias is None:
                names.add(import_path.rsplit("/", 1)[-1])
            elif text(alias) not in {"_", "."}:
                names.add(text(alias))
    return names


def package_calls(
    tree: tree_sitter.Tree, packages: set[str], function: str
) -> list[tree_sitter.Node]:
    """Calls ``pkg.function(...)`` for one of the package names, in document order."""
    query = (
        "(call_expression function: (selector_expression operand: (identifier) @pkg "
        f'field: (field_identifier) @fn (#eq? @fn "{function}"))) @call'
    )
    return [
        found["call"][0]
        for found in matches(tree.language, tree.root_node, query)
        if text(found["pkg"][0]) in packages
    ]


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
