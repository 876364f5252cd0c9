"""go-error-wrapping: ``fmt.Errorf`` formats an error with ``%v``/``%s`` instead of wrapping it.

Without type information, an argument counts as an error when it is

- an identifier or field named like one: ``err``, ``err2``, or ending in ``Err``/``Error``
  after a lower-case letter or digit (``readErr``, ``parseError``, ``b.connErr``); not
  ``errName``/``errMsg``/``errCh`` (strings, channels), nor a bare ``e`` (too common);
- a name declared with type ``error`` in the enclosing function (parameter, named result or
  ``var x error``);
- a call known to return an error: ``x.Err()`` (``ctx.Err()``, ``rows.Err()``),
  ``errors.New(...)``, ``errors.Join(...)``, ``fmt.Errorf(...)``;
- ``<one of the above>.Error()`` formatted with ``%s``/``%v``/``%q``: the message survives but the
  chain is lost just the same.
"""

from __future__ import annotations

import re
from typing import ClassVar

import tree_sitter

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import (
    FUNCTION_NODES,
    import_names,
    is_call_to,
    is_copied,
    is_foreign,
    is_test_build,
    package_calls,
)
from charter.analyzers.treesitter import ancestors, captures, report, text
from charter.sources import SourceFile

_ERROR_NAME = re.compile(r"^(?:err\d*|\w*[a-z0-9](?:Err|Error))$")
#: flags, an optional explicit argument index, width, precision, another index, the verb
_VERB = re.compile(
    r"%(?P<flags>[-+# 0]*)(?P<i1>\[\d+\])?(?P<width>\*|\d+)?"
    r"(?:\.(?P<i2>\[\d+\])?(?P<prec>\*|\d+)?)?(?P<i3>\[\d+\])?(?P<verb>[a-zA-Z%])"
)
_LOSSY_VERBS = frozenset("vsq")


def format_verbs(fmt: str) -> list[tuple[str, int]]:
    """(verb, argument index) for each verb of a Go format string, ``%%`` left out.

    Follows ``fmt``'s rules for ``*`` width/precision and explicit ``[n]`` indexes.
    """
    verbs: list[tuple[str, int]] = []
    arg = 0
    for match in _VERB.finditer(fmt):
        if match["verb"] == "%":
            continue
        for index_group, star_group in (("i1", "width"), ("i2", "prec")):
            if match[index_group]:
                arg = int(match[index_group][1:-1]) - 1
            if match[star_group] == "*":
                arg += 1
        if match["i3"]:
            arg = int(match["i3"][1:-1]) - 1
        verbs.append((match["verb"], arg))
        arg += 1
    return verbs


_ERROR_DECLARATIONS = """
(parameter_declaration name: (identifier) @name type: (type_identifier) @type
  (#eq? @type "error"))
(var_spec name: (identifier) @name type: (type_identifier) @type (#eq? @type "error"))
"""


def _declared_errors(language: tree_sitter.Language, call: tree_sitter.Node) -> set[str]:
    """Names declared with type ``error`` in the function around ``call``."""
    function = next((a for a in ancestors(call) if a.type in FUNCTION_NODES), None)
    if function is None:
        return set()
    return {text(n) for n in captures(language, function, _ERROR_DECLARATIONS).get("name", [])}


class GoErrorWrappingAnalyzer(Analyzer):
    name: ClassVar[str] = "go-error-wrapping"
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})
    prefilter: ClassVar[tuple[str, ...]] = ("Errorf",)

    def applies_to(self, file: SourceFile) -> bool:
        return (
            super().applies_to(file)
            and not is_foreign(file)
            and not is_copied(file)
            and not is_test_build(file)
        )

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        fmt_names = import_names(tree.root_node, "fmt")
        errors_names = import_names(tree.root_node, "errors")
        if not fmt_names:
            return
        for call in package_calls(tree, fmt_names, "Errorf"):
            args_node = call.child_by_field_name("arguments")
            args = [a for a in args_node.named_children if a.type != "comment"] if args_node else []
            if not args or args[0].type not in {"interpreted_string_literal", "raw_string_literal"}:
                continue
            fmt = text(args[0])[1:-1]
            declared: set[str] | None = None
            for verb, index in format_verbs(fmt):
                if verb not in _LOSSY_VERBS or index + 1 >= len(args):
                    continue
                arg = args[index + 1]
                if declared is None:
                    declared = _declared_errors(tree.language, call)
                what = self._error_expression(arg, declared, fmt_names, errors_names)
                if what is not None:
                    report(
                        out,
                        call,
                        f"fmt.Errorf formats the error {what} with %{verb}, which drops it from "
                        "the error chain; wrap it with %w so callers can use errors.Is/As",
                    )
                    break

    def _error_expression(
        self,
        node: tree_sitter.Node,
        declared: set[str],
        fmt_names: set[str],
        errors_names: set[str],
    ) -> str | None:
        """A short description of ``node`` when it is (very likely) an ``error`` value."""
        if node.type == "parenthesized_expression" and node.named_children:
            return self._error_expression(node.named_children[0], declared, fmt_names, errors_names)
        if node.type == "identifier":
            name = text(node)
            return f"`{name}`" if name in declared or _ERROR_NAME.match(name) else None
        if node.type == "selector_expression":
            field = text(node.child_by_field_name("field"))
            return f"`{text(node)}`" if _ERROR_NAME.match(field) else None
        if node.type != "call_expression":
            return None
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        no_args = args is None or not args.named_children
        if callee is None or callee.type != "selector_expression":
            return None
        operand = callee.child_by_field_name("operand")
        field = text(callee.child_by_field_name("field"))
        if field == "Err" and no_args:
            return f"`{text(node)}`"
        if field == "Error" and no_args and operand is not None:
            inner = self._error_expression(operand, declared, fmt_names, errors_names)
            return f"`{text(node)}`" if inner is not None else None
        for names, functions in ((errors_names, ("New", "Join")), (fmt_names, ("Errorf",))):
            if any(is_call_to(node, names, fn) for fn in functions):
                return f"`{text(callee)}(...)`"
        return None
