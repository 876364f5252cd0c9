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


#: a ``//go:build`` line (or the old ``// +build``) before the package clause
_BUILD_LINE = re.compile(rb"^//(?:go:build| \+build) (?P<expr>.+)$", re.MULTILINE)
#: build tags that only test suites turn on (``go test -tags integration``)
_TEST_TAGS = re.compile(
    r"^(?:integration|e2e|acceptance|functional|smoke|system|it)(?:[_-]?tests?)?$"
)
#: a file header saying the code is another project's, copied in as it is
_COPIED = re.compile(
    rb"(?im)^\s*(?://|/\*|\*)?\s*(?:this\s+)?(?:code|file|source)?\s*"
    rb"(?:is\s+)?(?:taken|copied|vendored)\s+(?:verbatim\s+)?from\s+\S*(?:https?://|github\.com/|golang\.org/)"
)


def _header(file: SourceFile) -> bytes:
    """The part of the file before its ``package`` clause (comments, build constraints)."""
    head = (file.data or b"")[:8192]
    package = head.find(b"\npackage ")
    return head if package < 0 else head[:package]


def is_test_build(file: SourceFile) -> bool:
    """A file compiled only with a test build tag (``//go:build integration``, ``e2e``): the
    helpers of a test suite that ``go build`` never sees, whatever the file's name."""
    for match in _BUILD_LINE.finditer(_header(file)):
        expr = match["expr"].decode("utf-8", "replace")
        # every alternative (``a || b``; old style ``// +build a b``) must require a test tag
        old_style = match.group(0).startswith(b"// +build")
        alternatives = expr.split() if old_style else expr.split("||")
        if alternatives and all(
            any(
                _TEST_TAGS.match(tag)
                for tag in re.findall(r"(?<![!\w.-])([A-Za-z0-9_.-]+)", alternative)
            )
            for alternative in alternatives
        ):
            return True
    return False


def is_test_code(file: SourceFile) -> bool:
    """``go test`` files, fixtures under ``testdata/`` and files behind a test build tag."""
    return is_test_file(file.path) or is_test_build(file)


def is_copied(file: SourceFile) -> bool:
    """Another project's code copied into the tree as it is: the header before the package
    clause says so ("Code taken from https://github.com/lib/pq", "Copied from ..."). Such a file
    is vendored in place: fixing it here would fork it. A file "based on" or "adapted from"
    another project's code has been changed and is the project's own."""
    return bool(_COPIED.search(_header(file)))


def imports(root: tree_sitter.Node) -> dict[str, str]:
    """The names under which a Go file refers to its imports (alias, else the path's last
    element, without a ``/vN`` major version) -> their import paths; blank and dot imports
    left out."""
    out: dict[str, str] = {}
    for decl in root.named_children:
        if decl.type != "import_declaration":
            continue
        specs = [c for c in decl.named_children if c.type == "import_spec"]
        for group in decl.named_children:
            if group.type == "import_spec_list":
                specs.extend(c for c in group.named_children if c.type == "import_spec")
        for spec in specs:
            path_node = spec.child_by_field_name("path")
            if path_node is None:
                continue
            path = string_content(path_node)
            alias = spec.child_by_field_name("name")
            if alias is not None:
                name = text(alias)
            else:
                parts = path.split("/")
                major = len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1])
                name = parts[-2] if major else parts[-1]
            if name not in {"_", "."}:
                out[name] = path
    return out


def import_names(root: tree_sitter.Node, import_path: str) -> set[str]:
    """The names under which the file refers to the package ``import_path`` (alias or last part).

    Empty when the package is not imported (or imported as ``_`` / dot-imported).
    """
    return {name for name, path in imports(root).items() if path == import_path}


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
