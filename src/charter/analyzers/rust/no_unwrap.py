"""rust-no-unwrap: ``.unwrap()`` in production Rust code.

Test code is left out: ``#[cfg(test)]`` modules (inline, or ``#[cfg(test)] mod tests;`` files,
resolved in the repo phase), ``#[test]``-like functions, files starting with ``#![cfg(test)]``,
and the ``tests/``, ``examples/`` and ``benches/`` folders of every crate (plus ``build.rs``,
which runs at build time, where a panic is the way to fail). ``.unwrap()`` inside macro
arguments (``format!("{}", x.unwrap())``) counts too; ``unwrap_or*`` and ``expect`` do not.

Only unwraps whose failure the code could handle are reported: the enclosing function (or
closure, or async block) can propagate it, since it returns ``Result``/``Option`` (``io::Result``,
``anyhow::Result``, ``impl Future<Output = Result<..>>``; a closure or async block that uses
``?`` or ends in ``Ok(..)``/``Err(..)``/``Some(..)``), so ``?`` is the fix; or the function
answers a request (returns ``impl IntoResponse``, ``impl Responder``, ``HttpResponse``,
``Response``); or the unwrapped value comes from the file system, the environment or the network
(``fs::read_to_string(p)``, ``env::var("X")``, ``File::open``, ``TcpListener::bind``,
``writeln!(file, ..)``) or deserialises data (``serde_json::from_str(s)``, ``toml::from_str``,
``bincode::deserialize``); or a ``FIXME``/``TODO``/``XXX`` comment about the unwrap is within
three lines of it. An unwrap in a function that can only return a plain value (``fn new() ->
Self``, an ``Index`` or ``From`` impl, a closure passed to ``map``) asserts an invariant the
signature cannot express, and is left out; so is one directly in ``fn main`` (whatever it
returns, a panic there ends the process as a returned error does). An unwrap of a field of
``self`` (``self.conn.unwrap()``, ``self.state.as_mut().unwrap()``) asserts the object's own
state (an ``Option`` its constructor, builder or an earlier step sets), not an error a call
returned: ``?`` does not apply to it in a ``Result`` function, so it is reported only in a
function returning ``Option``. Fields of other values (``payload.name.unwrap()``) may hold
data handed in, and stay reported.

Unwraps that cannot fail, or whose failure is a bug by design, are left out:

- a value the code just checked: ``x.unwrap()`` inside ``if x.is_some()`` or after
  ``if x.is_none() { return .. }`` (also ``is_ok``/``is_err``, through ``.as_ref()``,
  ``.clone()`` ...); ``v.first()``, ``v.last()``, ``v.pop()``, ``v.iter().next()`` inside
  ``if v.len() == 1`` / ``if !v.is_empty()`` / ``while !v.is_empty()``, in the ``else`` of
  ``if v.is_empty()`` or after ``if v.is_empty() { return .. }``; a conversion
  (``T::try_from(..)``, ``.parse()``) after ``if !form.validate() { bail!(..) }``;
- a value built only from literals and constants through pure constructors and conversions:
  ``Regex::new(r"^[a-z]+$")``, ``Url::parse("http://localhost")``, ``"name <a@b>".parse()``,
  ``Params::new(15000, 2, 1, None)``, ``StatusCode::from_u16(STATUS)``,
  ``Builder::default().build()``; a call that reads the environment, files or the network
  (``env::var("X")``, ``File::open("a")``, ``from_env()``) is never a constant;
- lock poisoning: ``mutex.lock().unwrap()``, ``rwlock.read()/.write().unwrap()`` (a poisoned
  lock means another thread panicked while holding it: propagating the panic is the idiom);
- ``write!``/``writeln!`` into a ``String`` declared in the same function (``fmt::Write`` for
  ``String`` never fails);
- encoding the program's own values into memory (``serde_json::to_string(&x)``, ``to_vec``,
  ``bincode::serialize``): it fails only on a bug;
- a length converted to a 64-bit or wider integer (``let n: i64 = v.len().try_into()``);
- a UI framework's lookup of where the component is mounted (Yew ``ctx.link().history()``,
  ``use_navigator()``, ``node_ref.cast::<T>()``): ``None`` only on a wiring bug of the app;
- a field of a value the function just built (``let app = Model::new(id); app.id.unwrap()``),
  judged as a field of ``self``;
- an unwrap with a comment on its line or the two above saying why it cannot fail
  (``// SAFETY: ...``, ``// cannot fail: ...``), which is what ``.expect("..")`` would say.

Unwraps inside a macro's arguments get the same judgement: the arguments are parsed again as
the arguments of a call. Items that a comment before them declares test-only (``// only used
in tests``) count as test code. Crates that are interactive terminal tools (only binary
targets, and a dependency on a prompt library such as ``requestty`` or ``dialoguer``) are left
out: a panic stops the tool in front of the person who ran it, as an error returned to ``main``
does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any, ClassVar

import tree_sitter
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.rust.common import comments_by_row, is_test_crate_file, is_test_item
from charter.analyzers.treesitter import (
    ancestors,
    captures,
    descendants,
    preceding_siblings,
    text,
)
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
    #: a crate with only binary targets that depends on one of these is an interactive terminal
    #: tool: a panic stops it in front of the person who ran it, as an error returned to `main`
    interactive_prompt_crates: tuple[str, ...] = (
        "requestty",
        "dialoguer",
        "inquire",
        "cliclack",
        "promptly",
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
    return any(
        a.type in _TEST_SCOPES and (is_test_item(a) or _said_test_only(a)) for a in ancestors(node)
    )


def _said_test_only(item: tree_sitter.Node) -> bool:
    """An item whose comment just before it says only tests use it (``// only used in
    tests``), as ``#[cfg(test)]`` would."""
    for sibling in preceding_siblings(item):
        if sibling.type in {"line_comment", "block_comment"}:
            if _TEST_ONLY.search(text(sibling)):
                return True
        elif sibling.type != "attribute_item":
            return False
    return False


def _justified(call: tree_sitter.Node, comments: dict[int, str]) -> bool:
    """A comment on the unwrap's line or the two lines above it says why it cannot fail (what
    ``.expect("..")`` would say): ``// SAFETY: there is at least one chunk``."""
    row = call.end_point[0]
    near = [comments.get(r, "") for r in range(row - 2, row + 1)]
    # a FIXME that asks to remove the unwrap outweighs the excuse next to it
    return any(_JUSTIFIED.search(c) for c in near) and not any(
        _ACKNOWLEDGED.search(c) for c in near
    )


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
    if _serialises(receiver) or _context_lookup(receiver) or _wide_length(call, receiver):
        return True
    if receiver.type == "call_expression":
        callee = receiver.child_by_field_name("function")
        if callee is not None and callee.type == "identifier":
            return False  # `Some(1).unwrap()`: a placeholder, not a constructor that can fail
    return _is_constant(receiver)


def _wide_length(call: tree_sitter.Node, receiver: tree_sitter.Node) -> bool:
    """A collection's length converted to a 64-bit or wider integer: ``let n: i64 =
    v.len().try_into()``, ``u64::try_from(v.len())``. A length is at most ``isize::MAX``, so it
    always fits."""
    if receiver.type != "call_expression":
        return False
    callee = receiver.child_by_field_name("function")
    args = receiver.child_by_field_name("arguments")
    target = ""
    if callee is not None and callee.type == "generic_function":
        target = text(callee.child_by_field_name("type_arguments")).strip("<> ")
        callee = callee.child_by_field_name("function")
    if callee is None or args is None:
        return False
    if callee.type == "scoped_identifier" and text(callee.child_by_field_name("name")) == (
        "try_from"
    ):
        target = text(callee.child_by_field_name("path"))
        value = args.named_children[0] if len(args.named_children) == 1 else None
    elif callee.type == "field_expression" and text(callee.child_by_field_name("field")) == (
        "try_into"
    ):
        value = callee.child_by_field_name("value")
        declared = call.parent
        if not target and declared is not None and declared.type == "let_declaration":
            target = text(declared.child_by_field_name("type"))
    else:
        return False
    length = _method_call(value)
    return target in _WIDE_INTS and length is not None and length[0] in {"len", "count"}


def _cannot_fail_in_macro(name: tree_sitter.Node, tree: tree_sitter.Tree) -> bool:
    """The same judgement for an unwrap inside a macro's arguments (``format!("{}",
    "x".as_bytes().try_into().unwrap())``): the arguments are parsed again as the arguments of
    a call, and the unwrap there is judged. Arguments that are no expressions
    (``vec![0; n]``, a DSL) stay reported."""
    outer = name.parent
    while outer is not None and outer.parent is not None and outer.parent.type == "token_tree":
        outer = outer.parent
    if outer is None or outer.type != "token_tree" or not outer.text:
        return False
    inner = outer.text[1:-1]
    prefix = b"fn f() { f("
    parsed = tree_sitter.Parser(tree.language).parse(prefix + inner + b"); }")
    if parsed.root_node.has_error:
        return False
    at = len(prefix) + name.start_byte - outer.start_byte - 1
    for call in descendants(parsed.root_node, ("call_expression",)):
        callee = call.child_by_field_name("function")
        field = callee.child_by_field_name("field") if callee is not None else None
        if field is not None and field.start_byte == at and _is_unwrap_call(call):
            return _cannot_fail(call)
    return False


def _serialises(receiver: tree_sitter.Node) -> bool:
    """``serde_json::to_string(&x)``, ``to_vec``, ``to_value``, ``bincode::serialize``: encoding
    the program's own values into memory fails only on a bug (a ``Serialize`` impl that errors, a
    map with non-string keys), unlike reading data in or writing to I/O (``to_writer``)."""
    if receiver.type != "call_expression":
        return False
    callee = receiver.child_by_field_name("function")
    if callee is not None and callee.type == "generic_function":
        callee = callee.child_by_field_name("function")
    return callee is not None and bool(_SERIALISE.search(_key(callee)))


def _context_lookup(receiver: tree_sitter.Node) -> bool:
    """A UI framework's lookup of what the component is mounted in: ``ctx.link().history()``,
    ``.navigator()``, ``use_navigator()``, a ``NodeRef``'s ``cast::<T>()`` of the component's own
    element. They are ``None`` only when the component is used outside its router or provider, or
    the ref is not bound to the element of that type: a bug in the app's own wiring."""
    if receiver.type != "call_expression":
        return False
    args = receiver.child_by_field_name("arguments")
    if args is None or args.named_children:
        return False
    callee = receiver.child_by_field_name("function")
    generic = callee is not None and callee.type == "generic_function"
    if generic and callee is not None:
        callee = callee.child_by_field_name("function")
    if callee is None:
        return False
    if callee.type == "identifier":
        return bool(_HOOK.fullmatch(text(callee)))
    if callee.type != "field_expression":
        return False
    name = text(callee.child_by_field_name("field"))
    if name == "cast":
        return generic
    inner = _method_call(callee.child_by_field_name("value"))
    return name in _ROUTER_LOOKUPS and inner is not None and inner[0] == "link"


_SCOPES = frozenset({"function_item", "closure_expression", "async_block"})
#: a return type ``?`` can propagate into (after ``impl Future<Output = ..>`` is looked through)
_PROPAGATING = re.compile(r"^(?:[\w:]+::)?(?:\w*Result|Option)\b")
_FUTURE_OUTPUT = re.compile(r"\bOutput\s*=\s*(.+)")
#: a function answering a request
_HANDLER = re.compile(r"\b(?:IntoResponse|Responder|HttpResponse|Response)\b")
#: file system, environment and network calls of std and tokio (``fs::read``, ``env::var`` ...)
_IO_PATH = re.compile(
    r"(?:^|::)(?:fs|env|File|OpenOptions|TcpListener|TcpStream|UdpSocket|UnixListener"
    r"|UnixStream)::\w+$"
    # deserialising stored or received data
    r"|(?:^|::)(?:serde_\w+|toml|bincode|rmp_serde|ciborium)::(?:from_\w+|deserialize\w*)$"
)
_IO_METHOD = frozenset({"read_to_string", "read_to_end", "read_exact", "write_all", "read_dir"})
_WIDE_INTS = frozenset({"i64", "u64", "i128", "u128", "usize", "isize"})
#: encoding into memory: fails only on a bug
_SERIALISE = re.compile(
    r"(?:^|::)(?:serde_json::(?:to_string|to_string_pretty|to_vec|to_vec_pretty|to_value)"
    r"|(?:serde_yaml|serde_yml|toml)::to_string\w*|bincode::serialize|rmp_serde::to_vec\w*"
    r"|serde_urlencoded::to_string)$"
)
#: router lookups of a component's context (Yew ``ctx.link().history()``)
_ROUTER_LOOKUPS = frozenset({"history", "navigator", "location", "route"})
_HOOK = re.compile(r"use_(?:navigator|history|location|route|context)")
#: a comment above the unwrap that states why it cannot fail (what `.expect("..")` would say)
_JUSTIFIED = re.compile(
    r"\bSAFETY\b|\b(?:cannot|can't|can ?not|never|won't|will not)\s+"
    r"(?:fail|panic|error|be\s+(?:None|empty|Err|invalid))|\binfallible\b"
    r"|\balways\s+(?:succeeds?|valid|Some|Ok|present|set|there|exists?)\b",
    re.IGNORECASE,
)
#: a comment before an item saying only tests use it
_TEST_ONLY = re.compile(
    r"\bonly\s+(?:used\s+|needed\s+|called\s+)?(?:in|for|by|from)\s+(?:the\s+)?tests?\b"
    r"|\btests?[- ]only\b|\bfor\s+tests?\s+only\b",
    re.IGNORECASE,
)
#: ``let x = Type::new(..)`` / ``Type::default()`` / ``Type { .. }``: an object built here
_BUILT = (
    r"\blet\s+(?:mut\s+)?{name}\s*(?::[^=;]+)?=\s*"
    r"(?:(?:[\w:]+::)?[A-Z]\w*(?:::<[^>]*>)?::(?:new|default|builder)\w*\s*\(|[A-Z]\w*\s*\{{)"
)
_ACKNOWLEDGED = re.compile(r"\b(?:FIXME|TODO|XXX)\b.*\bunwrap", re.IGNORECASE)
#: adapters between a checked ``Option``/``Result`` and its ``unwrap()``
_ADAPTERS = frozenset(
    {"clone", "as_ref", "as_mut", "as_deref", "as_deref_mut", "take", "cloned", "copied"}
)
#: element accessors that are ``Some`` on a non-empty collection, and iterator adapters before them
_ELEMENT = frozenset(
    {"next", "first", "last", "pop", "pop_front", "pop_back", "first_mut", "last_mut", "max", "min"}
)
_ITER = frozenset({"iter", "into_iter", "iter_mut", "chars", "bytes", "values", "keys", "drain"})
_CONVERSIONS = frozenset({"try_from", "try_into", "parse", "from_str"})
_VALIDATION = re.compile(r"validate\w*|is_valid\w*")
_DIVERGING_MACROS = frozenset({"panic", "bail", "unreachable", "unimplemented", "todo"})
_DIVERGING = frozenset({"return_expression", "break_expression", "continue_expression"})


def _key(node: tree_sitter.Node | None) -> str:
    return re.sub(r"\s+", "", text(node))


def _method_call(node: tree_sitter.Node | None) -> tuple[str, tree_sitter.Node] | None:
    """``value.name(..)`` as (name, value)."""
    if node is None or node.type != "call_expression":
        return None
    callee = node.child_by_field_name("function")
    if callee is None or callee.type != "field_expression":
        return None
    value = callee.child_by_field_name("value")
    if value is None:
        return None
    return text(callee.child_by_field_name("field")), value


def _checked_keys(receiver: tree_sitter.Node) -> tuple[set[str], set[str], bool]:
    """What a check must be about to make ``receiver.unwrap()`` safe: the ``Option``/``Result``
    (``x`` of ``x.as_ref().unwrap()``), the collection (``v`` of ``v.iter().next().unwrap()``),
    and whether the receiver is a conversion (``T::try_from(..)``, ``s.parse()``)."""
    options = {_key(receiver)}
    node = receiver
    while (call := _method_call(node)) is not None and call[0] in _ADAPTERS:
        node = call[1]
        options.add(_key(node))
    collections: set[str] = set()
    call = _method_call(receiver)
    if call is not None and call[0] in _ELEMENT:
        node = call[1]
        collections.add(_key(node))
        while (inner := _method_call(node)) is not None and inner[0] in _ITER:
            node = inner[1]
            collections.add(_key(node))
    conversion = False
    if receiver.type == "call_expression":
        callee = receiver.child_by_field_name("function")
        if callee is not None and callee.type == "generic_function":
            callee = callee.child_by_field_name("function")
        field = "name" if callee is not None and callee.type == "scoped_identifier" else "field"
        conversion = callee is not None and text(callee.child_by_field_name(field)) in _CONVERSIONS
    return options, collections, conversion


def _int(node: tree_sitter.Node | None) -> int | None:
    raw = text(node).replace("_", "")
    return (
        int(raw) if node is not None and node.type == "integer_literal" and raw.isdigit() else None
    )


def _facts(cond: tree_sitter.Node | None, truth: bool) -> set[tuple[str, str]]:
    """What holds when ``cond`` evaluates to ``truth``: ("some", x) for an ``Option``/``Result``
    known to be ``Some``/``Ok``, ("nonempty", v) for a collection, ("valid", "") after a
    validation call."""
    if cond is None:
        return set()
    kind = cond.type
    if kind == "parenthesized_expression":
        inner = cond.named_children
        return _facts(inner[0], truth) if len(inner) == 1 else set()
    if kind == "unary_expression" and text(cond).startswith("!"):
        inner = cond.named_children
        return _facts(inner[0], not truth) if len(inner) == 1 else set()
    if kind == "binary_expression":
        op = text(cond.child_by_field_name("operator"))
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if (op == "&&" and truth) or (op == "||" and not truth):
            return _facts(left, truth) | _facts(right, truth)
        return _length_fact(op, left, right, truth)
    found: set[tuple[str, str]] = set()
    if _is_validation(cond) and truth:
        found.add(("valid", ""))
    call = _method_call(cond)
    if call is not None:
        name, value = call
        positive = name in {"is_some", "is_ok"}
        if (positive and truth) or (name in {"is_none", "is_err"} and not truth):
            found.add(("some", _key(value)))
            if _is_validation(value):
                found.add(("valid", ""))
        if name == "is_empty" and not truth:
            found.add(("nonempty", _key(value)))
    return found


def _is_validation(node: tree_sitter.Node) -> bool:
    """``form.validate()``, ``validate(&input)``, ``x.is_valid()``."""
    if node.type != "call_expression":
        return False
    callee = node.child_by_field_name("function")
    if callee is not None and callee.type == "field_expression":
        callee = callee.child_by_field_name("field")
    elif callee is not None and callee.type == "scoped_identifier":
        callee = callee.child_by_field_name("name")
    return bool(_VALIDATION.fullmatch(text(callee)))


def _length_fact(
    op: str, left: tree_sitter.Node | None, right: tree_sitter.Node | None, truth: bool
) -> set[tuple[str, str]]:
    """``v.len() == 1`` (true), ``v.len() == 0`` (false), ``v.len() > 0`` ... make ``v``
    non-empty."""
    flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
    number = _int(right)
    length = left
    if number is None:
        number, length, op = _int(left), right, flipped.get(op, op)
    call = _method_call(length)
    if number is None or call is None or call[0] != "len":
        return set()
    if not truth:
        op = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}.get(op, "")
    nonempty = (
        (op == "==" and number >= 1)
        or (op == "!=" and number == 0)
        or (op == ">" and number >= 0)
        or (op == ">=" and number >= 1)
    )
    return {("nonempty", _key(call[1]))} if nonempty else set()


def _diverges(block: tree_sitter.Node | None) -> bool:
    """A block that always leaves: it ends in ``return``, ``break``, ``continue``, ``panic!``,
    ``bail!`` ..."""
    if block is None or block.type != "block":
        return False
    statements = [c for c in block.named_children if "comment" not in c.type]
    if not statements:
        return False
    last = statements[-1]
    if last.type == "expression_statement" and last.named_children:
        last = last.named_children[0]
    if last.type in _DIVERGING:
        return True
    if last.type == "macro_invocation":
        return text(last.child_by_field_name("macro")).split("::")[-1] in _DIVERGING_MACROS
    return False


def _known(node: tree_sitter.Node) -> set[tuple[str, str]]:
    """What the enclosing conditions and earlier early exits of the function tell about values
    at ``node``."""
    found: set[tuple[str, str]] = set()
    child = node
    for parent in ancestors(node):
        if parent.type == "function_item":
            break
        if parent.type in {"if_expression", "while_expression"}:
            cond = parent.child_by_field_name("condition")
            body = parent.child_by_field_name(
                "consequence" if parent.type == "if_expression" else "body"
            )
            if body is not None and child == body:
                found |= _facts(cond, True)
            elif child.type == "else_clause":
                found |= _facts(cond, False)
        if parent.type == "block":
            for sibling in preceding_siblings(child):
                statement = sibling
                if statement.type == "expression_statement" and statement.named_children:
                    statement = statement.named_children[0]
                if (
                    statement.type == "if_expression"
                    and statement.child_by_field_name("alternative") is None
                    and _diverges(statement.child_by_field_name("consequence"))
                ):
                    found |= _facts(statement.child_by_field_name("condition"), False)
        child = parent
    return found


def _checked(call: tree_sitter.Node) -> bool:
    """An unwrap of a value the code checked just before (see the module docstring)."""
    callee = call.child_by_field_name("function")
    receiver = callee.child_by_field_name("value") if callee is not None else None
    if receiver is None:
        return False
    known = _known(call)
    if not known:
        return False
    options, collections, conversion = _checked_keys(receiver)
    return (
        any(("some", key) in known for key in options)
        or any(("nonempty", key) in known for key in collections)
        or (conversion and ("valid", "") in known)
    )


def _propagates(scope: tree_sitter.Node) -> str | None:
    """What ``?`` propagates into in this function, closure or async block: ``"option"``,
    ``"result"`` (any ``*Result`` type; a closure or async block that uses ``?`` and does not
    end in ``Some(..)``), or None."""
    returns = scope.child_by_field_name("return_type")
    if returns is not None:
        raw = text(returns)
        output = _FUTURE_OUTPUT.search(raw)
        found = _PROPAGATING.match((output.group(1) if output else raw).strip())
        if found is None:
            return None
        return "option" if found.group(0).endswith("Option") else "result"
    if scope.type == "function_item":
        return None
    # a closure or async block: its `Some(..)`/`Ok(..)` result, or `?` inside it (not in a
    # nested one)
    body = (
        scope.child_by_field_name("body")
        if scope.type == "closure_expression"
        else next((c for c in scope.named_children if c.type == "block"), None)
    )
    if body is None:
        return None
    tail = body
    if body.type == "block":
        statements = [c for c in body.named_children if "comment" not in c.type]
        tail = statements[-1] if statements else body
    callee = tail.child_by_field_name("function") if tail.type == "call_expression" else None
    ending = text(callee) if callee is not None else ""
    if ending == "Some":
        return "option"
    if ending in {"Ok", "Err"}:
        return "result"
    for tried in descendants(body, ("try_expression",)):
        if next((a for a in ancestors(tried) if a.type in _SCOPES), None) == scope:
            return "result"
    return None


def _is_main(scope: tree_sitter.Node) -> bool:
    """A free ``fn main`` (not a method of that name)."""
    owner = scope.parent.parent if scope.parent is not None else None
    return (
        scope.type == "function_item"
        and text(scope.child_by_field_name("name")) == "main"
        and (owner is None or owner.type not in {"impl_item", "trait_item"})
    )


def _own_state(call: tree_sitter.Node) -> bool:
    """``self.conn.unwrap()``, ``self.state.as_mut().unwrap()``: the unwrapped value is a named
    field of ``self`` (through ``as_ref``/``as_mut``/``clone``/``take`` ...), not the result of a
    call nor data handed in."""
    callee = call.child_by_field_name("function")
    node = callee.child_by_field_name("value") if callee is not None else None
    while (inner := _method_call(node)) is not None and inner[0] in _ADAPTERS:
        node = inner[1]
    if node is None or node.type != "field_expression":
        return False
    field = node.child_by_field_name("field")
    owner = node.child_by_field_name("value")
    if field is None or field.type != "field_identifier" or owner is None:
        return False
    if owner.type == "self":
        return True
    if owner.type != "identifier":
        return False
    # a value the function itself built a line before: `let app = Model::new(id);`
    function = next((a for a in ancestors(call) if a.type in _SCOPES), None)
    built = _BUILT.format(name=re.escape(text(owner)))
    return function is not None and bool(re.search(built, text(function)))


def _reads_outside(receiver: tree_sitter.Node | None) -> bool:
    """The unwrapped value comes from a file system, environment or network call."""
    node = receiver
    if node is not None and node.type == "macro_invocation":
        # `write!(file, ..)`/`writeln!(out, ..)` into an `io::Write` (a String target cannot
        # fail and was let off before)
        return text(node.child_by_field_name("macro")) in {"write", "writeln"}
    for _ in range(32):
        if node is None:
            return False
        if node.type in {"await_expression", "try_expression", "parenthesized_expression"}:
            node = node.named_children[0] if node.named_children else None
            continue
        if node.type != "call_expression":
            return False
        callee = node.child_by_field_name("function")
        if callee is not None and callee.type == "generic_function":
            callee = callee.child_by_field_name("function")
        if callee is None:
            return False
        if callee.type == "scoped_identifier":
            return bool(_IO_PATH.search(_key(callee)))
        if callee.type != "field_expression":
            return False
        if text(callee.child_by_field_name("field")) in _IO_METHOD:
            return True
        node = callee.child_by_field_name("value")
    return False


def _handled_here(call: tree_sitter.Node, comments: dict[int, str]) -> bool:
    """Whether the code around this unwrap could handle its failure (see the module
    docstring): ``?`` is available, it answers a request, it reads the outside world, or a
    FIXME asks for it."""
    rows = range(call.start_point[0] - 3, call.end_point[0] + 2)
    if any(_ACKNOWLEDGED.search(comments.get(row, "")) for row in rows):
        return True
    scope = next((a for a in ancestors(call) if a.type in _SCOPES), None)
    if scope is None:
        return False  # a macro_rules! body, a const or static initializer
    if _is_main(scope):
        return False  # a panic in `main` ends the process as a returned error does
    propagates = _propagates(scope)
    if call.type == "call_expression" and _own_state(call):
        # the object's own state (an `Option` field set by its constructor, builder or an
        # earlier step): `?` applies only in a function returning `Option`
        return propagates == "option"
    if propagates is not None:
        return True
    function = next((a for a in ancestors(call) if a.type == "function_item"), None)
    returns = function.child_by_field_name("return_type") if function is not None else None
    if returns is not None and _HANDLER.search(text(returns)):
        return True
    callee = call.child_by_field_name("function")
    return _reads_outside(callee.child_by_field_name("value") if callee is not None else None)


def _module_dir(path: str) -> PurePosixPath:
    """The folder where ``mod x;`` declared in ``path`` looks for ``x.rs`` / ``x/mod.rs``."""
    pure = PurePosixPath(path)
    if pure.name in CRATE_ROOT_FILES or pure.parent.name == "bin":
        return pure.parent
    return pure.parent / pure.stem


def test_module_names(found: dict[str, list[Any]]) -> list[str]:
    """The names of the ``#[cfg(test)] mod x;`` declarations among ``found["mod"]``: modules
    whose file (``x.rs`` or ``x/``) holds tests."""
    return [
        text(item.child_by_field_name("name"))
        for item in found.get("mod", [])
        if item.child_by_field_name("body") is None and is_test_item(item)
    ]


def production_files(facts: Mapping[str, list[Any]]) -> list[str]:
    """The files of ``facts`` (path -> facts with ``test_mods``) that no test module declared
    elsewhere contains, in path order."""
    test_paths: list[PurePosixPath] = []
    for path, items in facts.items():
        base = _module_dir(path)
        for name in items[0]["test_mods"]:
            test_paths.append(base / f"{name}.rs")
            test_paths.append(base / name)
    return [
        path
        for path in sorted(facts)
        if not any(PurePosixPath(path) == t or t in PurePosixPath(path).parents for t in test_paths)
    ]


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
        test_mods = test_module_names(found)
        sites: list[list[int]] = []
        if not is_test_crate_file(root):
            candidates = sorted(
                [*found.get("call", []), *found.get("macro_unwrap", [])],
                key=lambda n: n.start_byte,
            )
            comments = comments_by_row(tree) if candidates else {}
            for node in candidates:
                if (
                    _is_unwrap_call(node)
                    and not _in_test_code(node)
                    and not (node.type == "call_expression" and _cannot_fail(node))
                    and not (node.type == "identifier" and _cannot_fail_in_macro(node, tree))
                    and (node.type != "call_expression" or not _checked(node))
                    and not _justified(node, comments)
                    and _handled_here(node, comments)
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
        production = production_files(facts)
        crates = self._interactive_tools(repo)
        for path in production:
            crate = next((c for c in crates if not c[0] or path.startswith(f"{c[0]}/")), None)
            if crate is not None and crate[1]:
                out.evidence(f"{path}: crate {crate[0] or '.'} is an interactive terminal tool")
                continue
            fact: dict[str, Any] = facts[path][0]
            for line, column in fact["unwraps"]:
                out.report(
                    line,
                    "`.unwrap()` in production code panics on None/Err; propagate with `?`, "
                    'handle the case, or use `.expect("why this cannot fail")`',
                    path=path,
                    column=column,
                )
        if not production:
            out.not_applicable("no production Rust code (only tests)")

    def _interactive_tools(self, repo: RepoIndex) -> list[tuple[str, bool]]:
        """The folders of crates that are interactive terminal tools: only binary targets (no
        ``[lib]``, no ``src/lib.rs``) and a dependency on an interactive prompt library. Every
        crate folder with that verdict, deepest first: a file belongs to the first that holds
        it."""
        crates: list[tuple[str, bool]] = []
        for manifest in repo.named("Cargo.toml"):
            data = repo.source(manifest).toml
            if not data or "package" not in data:
                continue
            folder = str(PurePosixPath(manifest).parent)
            folder = "" if folder == "." else folder
            deps = data.get("dependencies", {})
            prompts = isinstance(deps, dict) and any(
                name in deps for name in self.params.interactive_prompt_crates
            )
            lib = "lib" in data or repo.has(f"{folder}/src/lib.rs" if folder else "src/lib.rs")
            crates.append((folder, prompts and not lib))
        crates.sort(key=lambda c: len(c[0]), reverse=True)
        return crates
