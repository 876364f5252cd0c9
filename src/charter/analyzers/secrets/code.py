"""Secret-named literals in Go, Rust, TypeScript and JavaScript, on the shared tree-sitter tree.

Looked at, each as ``name`` bound to a string literal:

- TypeScript/JavaScript: ``const apiKey = "..."`` (and ``let``/``var``), assignments
  (``this.password = "..."``, ``cfg.auth.token = "..."``), object entries
  (``{ clientSecret: "..." }``, ``{ "api_key": "..." }``) and class fields
  (``private password = "..."``);
- Go: ``const``/``var`` specs, ``:=`` and ``=`` (``cfg.Token = "..."``), and keyed elements of
  composite literals (``Config{Password: "..."}``, ``map[string]string{"api_key": "..."}``);
- Rust: ``let``, ``const`` and ``static`` items, assignments (``self.token = ...``) and struct
  field initializers (``Config { password: ... }``), where the value is a string literal, raw
  or not, also as ``"...".to_string()``, ``.to_owned()``, ``.into()`` or ``String::from("...")``.

Only string literals count; a template string with a substitution (`` `${x}` ``), an
environment lookup (``process.env.API_KEY``, ``os.Getenv("TOKEN")``, ``std::env::var(...)``)
or any other expression is a reference, not a secret. The text between the quotes is judged as
written (escapes are not decoded). The file is only parsed when a secret-like word followed by
``:`` or ``=`` occurs in its text (the analyzer's prefilter); the tree is the one the Go, Rust
and TypeScript rules share.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from charter.analyzers import treesitter as ts
from charter.analyzers.secrets.common import Assignment, NameFilter

if TYPE_CHECKING:
    from charter.sources import SourceFile

_STRINGS = frozenset(
    {
        "string",
        "template_string",
        "interpreted_string_literal",
        "raw_string_literal",
        "string_literal",
    }
)
#: Rust's ways of turning a literal into an owned String: ``"x".to_string()``, ``.into()``, ...
_RUST_OWNING = frozenset({"to_string", "to_owned", "into"})
_RUST_RAW = re.compile(r'\Ar(#*)"(?P<body>.*)"\1\Z', re.DOTALL)
_NAMES = frozenset(
    {
        "identifier",
        "property_identifier",
        "private_property_identifier",
        "shorthand_property_identifier",
        "field_identifier",
    }
)
#: wrappers with a single child that stand for it (Go's literal_element, a one-item list)
_WRAPPERS = frozenset({"literal_element", "expression_list", "parenthesized_expression"})
#: node type -> (field of the name, field of the value)
_PAIRS = {
    "variable_declarator": ("name", "value"),
    "assignment_expression": ("left", "right"),
    "pair": ("key", "value"),
    "public_field_definition": ("name", "value"),
    "field_definition": ("property", "value"),
    "keyed_element": ("key", "value"),
    "let_declaration": ("pattern", "value"),
    "const_item": ("name", "value"),
    "static_item": ("name", "value"),
    "field_initializer": ("field", "value"),
}
#: Go forms with lists on both sides, matched by position
_LISTS = {
    "short_var_declaration": ("left", "right"),
    "assignment_statement": ("left", "right"),
}
_SPECS = frozenset({"const_spec", "var_spec"})
#: ``a.b`` in JS/TS, Go and Rust, and the field that names ``b``
_MEMBERS = {
    "member_expression": "property",
    "selector_expression": "field",
    "field_expression": "field",
}


def _unwrap(node: Any) -> Any:
    while node is not None and node.type in _WRAPPERS and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _owned_string(node: Any) -> Any:
    """The literal inside Rust's ``"x".to_string()`` / ``.to_owned()`` / ``.into()`` /
    ``String::from("x")``, else ``node`` itself."""
    if node.type != "call_expression":
        return node
    function = node.child_by_field_name("function")
    arguments = node.child_by_field_name("arguments")
    if function is None or arguments is None:
        return node
    if function.type == "field_expression" and arguments.named_child_count == 0:
        field = function.child_by_field_name("field")
        if field is not None and ts.text(field) in _RUST_OWNING:
            return function.child_by_field_name("value") or node
    if (
        ts.text(function) in ("String::from", "std::string::String::from")
        and arguments.named_child_count == 1
    ):
        return arguments.named_children[0]
    return node


def _literal(node: Any) -> tuple[str, int, int] | None:
    """(text between the quotes, line, column of the opening quote) of a string literal."""
    node = _unwrap(node)
    if node is None:
        return None
    node = _owned_string(node)
    if node.type not in _STRINGS:
        return None
    if node.type == "template_string" and any(
        child.type == "template_substitution" for child in node.named_children
    ):
        return None
    raw = _RUST_RAW.match(ts.text(node))  # Rust r"..." / r#"..."#
    body = raw["body"] if raw is not None else ts.string_content(node)
    return body, ts.line(node), ts.column(node)


def _name(node: Any) -> str | None:
    node = _unwrap(node)
    if node is None:
        return None
    if node.type in _NAMES:
        return ts.text(node)
    if node.type in _MEMBERS:
        return ts.text(node.child_by_field_name(_MEMBERS[node.type])) or None
    found = _literal(node)
    return found[0] if found is not None else None


def _pairs(node: Any) -> Iterator[tuple[Any, Any]]:
    """(name node, value node) bindings made directly by ``node``."""
    kind = node.type
    if kind in _PAIRS:
        name_field, value_field = _PAIRS[kind]
        yield node.child_by_field_name(name_field), node.child_by_field_name(value_field)
    elif kind in _LISTS:
        left, right = (node.child_by_field_name(f) for f in _LISTS[kind])
        if left is not None and right is not None:
            yield from zip(left.named_children, right.named_children, strict=False)
    elif kind in _SPECS:
        names = node.children_by_field_name("name")
        value = node.child_by_field_name("value")
        if value is not None:
            yield from zip(names, value.named_children, strict=False)


def read_code(file: SourceFile, wanted: NameFilter) -> Iterator[Assignment]:
    """Secret-named string literals of a Go, Rust, TypeScript or JavaScript file."""
    tree = file.syntax_tree
    if tree is None:
        return
    rust = file.kind == "rust"
    if rust:
        from charter.analyzers.rust.common import is_test_crate_file

        if is_test_crate_file(tree.root_node):
            return
    for node in _binding_nodes(tree.root_node, rust):
        for name_node, value_node in _pairs(node):
            if name_node is None or value_node is None:
                continue
            name = _name(name_node)
            if name is None or not wanted(name):
                continue
            literal = _literal(value_node)
            if literal is not None:
                value, line, column = literal
                yield Assignment(name, value, line, column)


_BINDINGS = frozenset((*_PAIRS, *_LISTS, *_SPECS))


def _binding_nodes(root: Any, rust: bool) -> Iterator[Any]:
    """The nodes that bind names, in document order; in Rust not those inside a
    ``#[cfg(test)]`` module or a ``#[test]`` function (a fixture, not in use).

    One walk down that carries whether it is inside a test item: looking up each node's
    ancestors instead costs the depth per node, and ``node.parent`` itself walks down from
    the root, so ``password=password=...`` (100 000 nested assignments) took minutes."""
    from charter.analyzers.rust.common import is_test_item

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, in_test = stack.pop()
        kind = node.type
        if kind in _BINDINGS and not in_test:
            yield node
        if rust and not in_test and kind in ("mod_item", "function_item"):
            in_test = is_test_item(node)
        stack.extend((child, in_test) for child in reversed(node.children))
