"""Fixes of call arguments: ``tls-verification`` and ``http-timeouts``, both unsafe.

- ``tls-verification``: a reported ``verify=False`` (``ssl=False`` for aiohttp) keyword is
  removed, so that the library's default, verifying certificates, applies. Unsafe: a server
  whose certificate does not verify (a self-signed one, a private CA not in the trust store)
  makes the call fail where it used to succeed.
- ``http-timeouts``: a reported call gets ``timeout=<default_timeout>`` (the rule's parameter,
  10 seconds unless a policy sets it), or its ``timeout=None`` becomes that value. Unsafe: a
  call that used to wait as long as it took now raises after the timeout.

A call is the reported one when the finding's line and column (in UTF-8 bytes, as ``ast``
counts) are where it starts, and its callee is a name or an attribute chain (the call the
analyzer resolved; in ``requests.get(url).json()`` the outer call starts at the same place).
A keyword is the reported one when a finding's line falls in it.
"""

from __future__ import annotations

from typing import ClassVar

import libcst

from charter.fixes.base import Applicability, Fixer


def _dotted(expr: libcst.BaseExpression) -> bool:
    while isinstance(expr, libcst.Attribute):
        expr = expr.value
    return isinstance(expr, libcst.Name)


def _is_name(expr: libcst.BaseExpression, value: str) -> bool:
    return isinstance(expr, libcst.Name) and expr.value == value


def _without(args: list[libcst.Arg], index: int) -> list[libcst.Arg]:
    """``args`` without ``args[index]``; a removed last argument leaves its comma (or its
    absence) to the new last one, so that ``f(a, verify=False)`` becomes ``f(a)``."""
    removed = args[index]
    rest = args[:index] + args[index + 1 :]
    if index == len(args) - 1 and rest:
        rest[-1] = rest[-1].with_changes(
            comma=removed.comma, whitespace_after_arg=removed.whitespace_after_arg
        )
    return rest


class TlsVerificationFixer(Fixer):
    """Remove the reported ``verify=False`` / ``ssl=False`` keywords."""

    analyzer: ClassVar[str] = "tls-verification"

    def leave_Call(
        self, original_node: libcst.Call, updated_node: libcst.Call
    ) -> libcst.BaseExpression:
        args = list(updated_node.args)
        for index in range(len(original_node.args) - 1, -1, -1):
            arg = original_node.args[index]
            if arg.keyword is None or arg.keyword.value not in ("verify", "ssl"):
                continue
            if not _is_name(arg.value, "False"):
                continue
            span = range(self.line_of(arg), self.end_line_of(arg) + 1)
            if not any(line in self.lines for line in span):
                continue
            if self.allow(arg.value, Applicability.UNSAFE, f"remove `{arg.keyword.value}=False`"):
                args = _without(args, index)
        return updated_node.with_changes(args=args)


def _number(value: float) -> libcst.BaseExpression:
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    return libcst.parse_expression(text)


class HttpTimeoutsFixer(Fixer):
    """Give the reported HTTP calls ``timeout=<default_timeout>``."""

    analyzer: ClassVar[str] = "http-timeouts"

    def leave_Call(
        self, original_node: libcst.Call, updated_node: libcst.Call
    ) -> libcst.BaseExpression:
        if self.spot_of(original_node) not in self.spots or not _dotted(original_node.func):
            return updated_node
        if any(arg.star for arg in original_node.args):
            return updated_node  # *args may reach the timeout; **kwargs may carry one
        default = _number(float(self.params.get("default_timeout", 10)))
        args = list(updated_node.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == "timeout":
                if not _is_name(arg.value, "None"):
                    return updated_node
                if not self.allow(original_node, Applicability.UNSAFE, "set `timeout=`"):
                    return updated_node
                args[index] = arg.with_changes(value=default)
                return updated_node.with_changes(args=args)
        if not self.allow(original_node, Applicability.UNSAFE, "add `timeout=`"):
            return updated_node
        new = libcst.Arg(
            value=default,
            keyword=libcst.Name("timeout"),
            equal=libcst.AssignEqual(
                whitespace_before=libcst.SimpleWhitespace(""),
                whitespace_after=libcst.SimpleWhitespace(""),
            ),
        )
        if not args:
            return updated_node.with_changes(args=[new])
        last = args[-1]
        if isinstance(last.comma, libcst.Comma):  # a trailing comma: keep the layout
            between: libcst.BaseParenthesizableWhitespace = libcst.SimpleWhitespace(" ")
            if len(args) > 1 and isinstance(args[-2].comma, libcst.Comma):
                between = args[-2].comma.whitespace_after
            elif isinstance(updated_node.whitespace_before_args, libcst.ParenthesizedWhitespace):
                between = updated_node.whitespace_before_args
            args[-1] = last.with_changes(comma=libcst.Comma(whitespace_after=between))
            args.append(new.with_changes(comma=last.comma))
        else:
            args[-1] = last.with_changes(
                comma=libcst.Comma(whitespace_after=libcst.SimpleWhitespace(" ")),
                whitespace_after_arg=libcst.SimpleWhitespace(""),
            )
            args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
        return updated_node.with_changes(args=args)
