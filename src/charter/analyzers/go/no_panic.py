"""go-no-panic: ``panic(..)`` in a Go library function that could return the error instead.

Reported: a call of the builtin ``panic`` with an error value (``panic(err)``,
``panic(readErr)``, a name declared ``error``, ``panic(fmt.Errorf(..))``, ``errors.New(..)``)
in a package other than ``main`` whose enclosing function (declaration, method or function
literal) has ``error`` as its last result, so ``return .., err`` is the fix. A panic with a
fixed or formatted message (``panic("store is not open")``) asserts an invariant, as Rust's
``unreachable!`` does, and is not reported.

Left out: ``package main`` (a command's panic ends the process with its message, as
``log.Fatal`` does); functions named ``Must..``/``must..`` (Go's convention for "panics instead
of returning an error", as ``regexp.MustCompile``); a panic whose message states an invariant
("unreachable", "should never happen", "unexpected", "impossible", "bug"): an assertion, not an
error; a panic in a switch's ``default:`` clause, which asserts the cases above are
exhaustive; a ``panic(r)`` that re-raises what ``recover()`` returned. Test files, test build tags,
vendored, copied and generated files are not judged.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import FUNCTION_NODES, is_copied, is_foreign, is_test_code
from charter.analyzers.go.error_wrapping import _ERROR_NAME
from charter.analyzers.treesitter import ancestors, captures, descendants, report, text
from charter.sources import SourceFile

_QUERY = """
(package_clause (package_identifier) @package)
(call_expression function: (identifier) @fn (#eq? @fn "panic")) @call
(function_declaration name: (identifier) @name (#eq? @name "panic"))
"""
_INVARIANT = re.compile(
    r"(?i)\b(?:should(?:n't| not) (?:get|happen|be reached|reach)|should never|should have been"
    r"|never happens?|unexpected|unreachable|impossible|not possible|can(?:no|')t happen"
    r"|invariant|bug)\b"
)
_MUST = re.compile(r"^[Mm]ust(?:[A-Z_]\w*)?$")


def _returns_error(function: tree_sitter.Node) -> bool:
    result = function.child_by_field_name("result")
    if result is None:
        return False
    if result.type == "parameter_list":
        params = [c for c in result.named_children if c.type == "parameter_declaration"]
        if not params:
            return False
        result = params[-1].child_by_field_name("type")
    return result is not None and text(result) == "error"


_ERROR_CALL = re.compile(r"^(?:\w+\.)?(?:Errorf|New|Wrap\w*|Join|Err)$")


def _is_error(call: tree_sitter.Node, function: tree_sitter.Node) -> bool:
    """The panic's argument is an error value the function could return: ``err``, ``readErr``,
    a name declared ``error``, ``fmt.Errorf(..)``, ``errors.New(..)``, ``x.Err()``. A fixed or
    formatted message (``panic("store is not open")``) asserts an invariant instead."""
    args = call.child_by_field_name("arguments")
    named = [a for a in args.named_children if a.type != "comment"] if args is not None else []
    if len(named) != 1:
        return False
    arg = named[0]
    if arg.type == "identifier":
        name = text(arg)
        return bool(_ERROR_NAME.match(name)) or name in _declared_errors(function)
    if arg.type == "selector_expression":
        return bool(_ERROR_NAME.match(text(arg.child_by_field_name("field"))))
    if arg.type == "call_expression":
        callee = arg.child_by_field_name("function")
        name = (
            text(callee.child_by_field_name("field"))
            if callee is not None and (callee.type == "selector_expression")
            else text(callee)
        )
        return bool(_ERROR_CALL.match(name)) and not text(callee).startswith("fmt.Sprint")
    return False


def _declared_errors(function: tree_sitter.Node) -> set[str]:
    found = set()
    for decl in descendants(function, ("parameter_declaration", "var_spec")):
        if text(decl.child_by_field_name("type")) == "error":
            found |= {text(n) for n in decl.children_by_field_name("name")}
    return found


def _in_default(call: tree_sitter.Node) -> bool:
    """The panic is a statement of a switch's ``default:`` clause: it asserts that the cases
    above are exhaustive (the ``exhaustive`` linter's idiom), as ``unreachable!`` does."""
    statement = call.parent
    holder = statement.parent if statement is not None else None
    if holder is not None and holder.type == "statement_list":
        holder = holder.parent
    return holder is not None and holder.type == "default_case"


class GoNoPanicAnalyzer(Analyzer):
    name: ClassVar[str] = "go-no-panic"
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})

    def applies_to(self, file: SourceFile) -> bool:
        return (
            super().applies_to(file)
            and not is_foreign(file)
            and not is_copied(file)
            and not is_test_code(file)
        )

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        found = captures(tree.language, tree.root_node, _QUERY)
        package = found.get("package", [])
        if not package or text(package[0]) == "main" or found.get("name"):
            return  # a command, or a package that defines its own `panic`
        for call in found.get("call", []):
            function = next((a for a in ancestors(call) if a.type in FUNCTION_NODES), None)
            if function is None or not _returns_error(function):
                continue
            named = next(
                (
                    a
                    for a in [function, *ancestors(function)]
                    if a.type in {"function_declaration", "method_declaration"}
                ),
                None,
            )
            if named is not None and _MUST.match(text(named.child_by_field_name("name"))):
                continue
            args = text(call.child_by_field_name("arguments"))
            if _INVARIANT.search(args) or "recover()" in text(function) or _in_default(call):
                continue
            if not _is_error(call, function):
                continue
            report(
                out,
                call,
                "panic in a library function that returns an error; return the error "
                "(wrapped with context) so the caller can decide",
            )
