"""rust-no-unwrap: ``.unwrap()`` in production Rust code.

Test code is left out: ``#[cfg(test)]`` modules (inline, or ``#[cfg(test)] mod tests;`` files,
resolved in the repo phase), ``#[test]``-like functions, files starting with ``#![cfg(test)]``,
and the ``tests/``, ``examples/`` and ``benches/`` folders of every crate (plus ``build.rs``,
which runs at build time, where a panic is the way to fail). ``.unwrap()`` inside macro
arguments (``format!("{}", x.unwrap())``) counts too; ``unwrap_or*`` and ``expect`` do not.

Unwraps that cannot fail, or whose failure is a bug by design, are left out:

- a value built only from literals and constants through pure constructors and conversions:
  ``Regex::new(r"^[a-z]+$")``, ``Url::parse("http://localhost")``, ``"name <a@b>".parse()``,
  ``Params::new(15000, 2, 1, None)``, ``StatusCode::from_u16(STATUS)``,
  ``Builder::default().build()``; a call that reads the environment, files or the network
  (``env::var("X")``, ``File::open("a")``, ``from_env()``) is never a constant;
- lock poisoning: ``mutex.lock().unwrap()``, ``rwlock.read()/.write().unwrap()`` (a poisoned
  lock means another thread panicked while holding it: propagating the panic is the idiom);
- ``write!``/``writeln!`` into a ``String`` declared in the same function (``fmt::Write`` for
  ``String`` never fails).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.rust.common import is_test_crate_file, is_test_item
from charter.analyzers.treesitter import ancestors, captures, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_QUERY = """
(mod_item) @mod
(call_expression
  function: (field_expression field: (field_identifier) @field (#eq? @field "unwrap"))) @call
(token_tree (identifier) @macro_unwrap (#eq? @macro_unwrap "unwrap"))
"""
CRATE_ROOT_FILES = frozenset({"lib.rs", "main.rs", "mod.rs", "build.rs"})
#: items whose ``#[cfg(test)]``-like attribute makes everything inside them test code
_TEST_SCOPES = frozenset(
    {
        "mod_item",
        "function_item",
        "impl_item",
        "macro_definition",
        "trait_item",
        "const_item",
        "static_item",
    }
)
_LITERALS = frozenset(
    {
        "string_literal",
        "raw_string_literal",
        "char_literal",
        "integer_literal",
        "float_literal",
        "boolean_literal",
        "unit_expression",
    }
)
#: pure constructors, parsers and conversions: fail only on a bad (here: constant) input
_PURE = re.compile(
    r"^(?:new|default|builder|build|private_build|parse(?:_\w+)?|try_from|try_into|into|from"
    r"|from_(?!env|file|path|reader|read|dir|fd|raw_fd|std|args|os_args|socket|stdin)\w+"
    r"|compile|with_\w+|and_\w+|as_\w+|to_(?!socket_addrs)\w+|ymd\w*|hms\w*|checked_\w+)$"
)
_LOCKS = frozenset({"lock", "read", "write"})
_STRING_DECL = (
    r"(?:\blet\s+mut\s+{name}\s*(?::\s*String\s*)?=\s*(?:String::(?:new|with_capacity|from)\b"
    r"|format!|\"[^\"]*\"\s*\.\s*to_(?:string|owned)\(\))"
    r"|\b{name}\s*:\s*&\s*mut\s+String\b|\blet\s+mut\s+{name}\s*:\s*String\b)"
)


class RustNoUnwrapParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = (
        "tests/**",
        "**/tests/**",
        "examples/**",
        "**/examples/**",
        "benches/**",
        "**/benches/**",
        "build.rs",
        "**/build.rs",
    )


def _is_unwrap_call(node: tree_sitter.Node) -> bool:
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        return (
            callee is not None
            and callee.type == "field_expression"
            and text(callee.child_by_field_name("field")) == "unwrap"
            and args is not None
            and not args.named_children
        )
    # inside a macro's token tree: `.` `unwrap` `()`
    if node.type == "identifier" and node.parent is not None and node.parent.type == "token_tree":
        before, after = node.prev_sibling, node.next_sibling
        return (
            text(node) == "unwrap"
            and before is not None
            and before.type == "."
            and after is not None
            and after.type == "token_tree"
            and text(after).replace(" ", "") == "()"
        )
    return False


def _in_test_code(node: tree_sitter.Node) -> bool:
    return any(a.type in _TEST_SCOPES and is_test_item(a) for a in ancestors(node))


def _is_constant(node: tree_sitter.Node | None, depth: int = 0) -> bool:
    """Whether an expression is built only from literals and constants through pure
    constructors and conversions (see the module docstring)."""
    if node is None or depth > 12:
        return False
    kind = node.type
    if kind in _LITERALS:
        return True
    if kind == "identifier":
        # constants, unit structs and variants (`MAX`, `Utc`, `None`); variables are snake_case
        return text(node)[:1].isupper()
    if kind == "scoped_identifier":
        name = node.child_by_field_name("name")
        return name is not None and text(name)[:1].isupper()
    if kind in {"reference_expression", "unary_expression", "parenthesized_expression"}:
        inner = [c for c in node.named_children if c.type != "mutable_specifier"]
        return len(inner) == 1 and _is_constant(inner[0], depth + 1)
    if kind == "type_cast_expression":
        return _is_constant(node.child_by_field_name("value"), depth + 1)
    if kind in {"tuple_expression", "array_expression"}:
        return all(_is_constant(c, depth + 1) for c in node.named_children)
    if kind != "call_expression":
        return False
    args = node.child_by_field_name("arguments")
    if args is None or not all(
        _is_constant(a, depth + 1) for a in args.named_children if "comment" not in a.type
    ):
        return False
    callee = node.child_by_field_name("function")
    if callee is not None and callee.type == "generic_function":
        callee = callee.child_by_field_name("function")
    if callee is None:
        return False
    if callee.type == "identifier":  # a tuple struct or variant: `Some(1)`
        return text(callee)[:1].isupper()
    if callee.type == "scoped_identifier":  # `Regex::new(..)`, `<T as TryFrom<_>>::try_from`
        name = callee.child_by_field_name("name")
        return name is not None and bool(_PURE.match(text(name)))
    if callee.type == "field_expression":  # `"x".parse()`, `Builder::default().build()`
        field = callee.child_by_field_name("field")
        return bool(_PURE.match(text(field))) and _is_constant(
            callee.child_by_field_name("value"), depth + 1
        )
    return False


def _writes_to_string(macro: tree_sitter.Node) -> bool:
    """``write!(s, ...)`` / ``writeln!(s, ...)`` where ``s`` is a ``String`` of the function."""
    name = macro.child_by_field_name("macro")
    if name is None or text(name) not in {"write", "writeln"}:
        return False
    tokens = next((c for c in macro.named_children if c.type == "token_tree"), None)
    target = (
        next(
            (t for t in tokens.named_children if t.type == "identifier" and text(t) != "mut"),
            None,
        )
        if tokens is not None
        else None
    )
    function = next((a for a in ancestors(macro) if a.type == "function_item"), None)
    if target is None or function is None:
        return False
    return bool(re.search(_STRING_DECL.format(name=re.escape(text(target))), text(function)))


def _cannot_fail(call: tree_sitter.Node) -> bool:
    """An ``x.unwrap()`` whose ``x`` cannot fail, or fails only on a bug by design."""
    callee = call.child_by_field_name("function")
    receiver = callee.child_by_field_name("value") if callee is not None else None
    if receiver is None:
        return False
    if receiver.type == "call_expression":
        inner = receiver.child_by_field_name("function")
        args = receiver.child_by_field_name("arguments")
        if (
            inner is not None
            and inner.type == "field_expression"
            and text(inner.child_by_field_name("field")) in _LOCKS
            and (args is None or not args.named_children)
        ):
            return True  # lock poisoning
    if receiver.type == "macro_invocation":
        return _writes_to_string(receiver)
    if receiver.type == "call_expression":
        callee = receiver.child_by_field_name("function")
        if callee is not None and callee.type == "identifier":
            return False  # `Some(1).unwrap()`: a placeholder, not a constructor that can fail
    return _is_constant(receiver)


def _module_dir(path: str) -> PurePosixPath:
    """The folder where ``mod x;`` declared in ``path`` looks for ``x.rs`` / ``x/mod.rs``."""
    pure = PurePosixPath(path)
    if pure.name in CRATE_ROOT_FILES or pure.parent.name == "bin":
        return pure.parent
    return pure.parent / pure.stem


class RustNoUnwrapAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-no-unwrap"
    Params = RustNoUnwrapParams
    params: RustNoUnwrapParams
    kinds: ClassVar[frozenset[str]] = frozenset({"rust"})

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        root = tree.root_node
        found = captures(tree.language, root, _QUERY)
        test_mods = [
            text(item.child_by_field_name("name"))
            for item in found.get("mod", [])
            if item.child_by_field_name("body") is None and is_test_item(item)
        ]
        sites: list[list[int]] = []
        if not is_test_crate_file(root):
            candidates = sorted(
                [*found.get("call", []), *found.get("macro_unwrap", [])],
                key=lambda n: n.start_byte,
            )
            for node in candidates:
                if (
                    _is_unwrap_call(node)
                    and not _in_test_code(node)
                    and not (node.type == "call_expression" and _cannot_fail(node))
                ):
                    target = node
                    if node.type == "call_expression":
                        callee = node.child_by_field_name("function")
                        field = callee.child_by_field_name("field") if callee else None
                        target = field or node
                    sites.append([target.start_point[0] + 1, target.start_point[1] + 1])
        out.fact({"unwraps": sites, "test_mods": test_mods})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = repo.facts(self)
        if not facts:
            out.not_applicable("no production Rust code")
            return
        test_paths: list[PurePosixPath] = []
        for path, items in facts.items():
            base = _module_dir(path)
            for name in items[0]["test_mods"]:
                test_paths.append(base / f"{name}.rs")
                test_paths.append(base / name)
        checked = 0
        for path in sorted(facts):
            pure = PurePosixPath(path)
            if any(pure == t or t in pure.parents for t in test_paths):
                continue
            checked += 1
            fact: dict[str, Any] = facts[path][0]
            for line, column in fact["unwraps"]:
                out.report(
                    line,
                    "`.unwrap()` in production code panics on None/Err; propagate with `?`, "
                    'handle the case, or use `.expect("why this cannot fail")`',
                    path=path,
                    column=column,
                )
        if checked == 0:
            out.not_applicable("no production Rust code (only tests)")
