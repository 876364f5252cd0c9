"""async-cancellation-reraised: a coroutine that catches ``asyncio.CancelledError`` re-raises it.

A handler counts when the innermost function around it is an ``async def`` and it catches
cancellation: ``asyncio.CancelledError`` (or ``concurrent.futures.CancelledError``, any import
spelling, alone or in a tuple), ``BaseException``, or a bare ``except:``. It passes when its body
contains a ``raise`` (outside nested functions): cleanup then re-raise is the pattern. Since
Python 3.8 ``CancelledError`` is not an ``Exception``, so ``except Exception:`` is not reported.

Cancellation is delivered at a suspension point: a handler counts only when its ``try`` body
suspends (an ``await``, ``async for`` or ``async with`` outside nested functions). A bare
``except:`` around synchronous code (``conn.close()``) in a coroutine cannot meet
``CancelledError`` and is left to no-silent-failures.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import FunctionNode, FunctionScopes, RelevantRule
from charter.sources import SourceFile

CANCELLED = frozenset(
    {
        "asyncio.CancelledError",
        "asyncio.exceptions.CancelledError",
        "concurrent.futures.CancelledError",
        "trio.Cancelled",
    }
)
BROAD = frozenset({"BaseException", "builtins.BaseException"})
#: where a coroutine suspends, so where a cancellation can be delivered
SUSPENDS = (ast.Await, ast.AsyncFor, ast.AsyncWith)


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body``, nested functions, lambdas and classes left out."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                stack.append(child)


class AsyncCancellationReraisedAnalyzer(FunctionScopes, RelevantRule):
    """Report handlers in coroutines that catch cancellation and do not re-raise."""

    name: ClassVar[str] = "async-cancellation-reraised"
    prefilter: ClassVar[tuple[str, ...]] = ("async def",)
    na_reason: ClassVar[str] = "the code has no `async def`"

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.is_async: list[bool] = []

    def enter_function(self, node: FunctionNode) -> None:
        coroutine = isinstance(node, ast.AsyncFunctionDef)
        self.is_async.append(coroutine)
        if coroutine:
            self.relevant = True

    def exit_function(self, node: FunctionNode) -> None:
        self.is_async.pop()

    def visit_Try(self, node: ast.Try) -> None:
        self._try(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._try(node)

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        if not self.is_async or not self.is_async[-1]:
            return
        if not any(isinstance(n, SUSPENDS) for n in _statements(node.body)):
            return  # no suspension point: CancelledError cannot be raised in this body
        for handler in node.handlers:
            self._handler(handler)

    def _handler(self, node: ast.ExceptHandler) -> None:
        caught = self._catches_cancellation(node.type)
        if caught is None:
            return
        if any(isinstance(n, ast.Raise) for n in _statements(node.body)):
            return
        self.at(
            node,
            f"{caught} is swallowed here: the task keeps running after it was cancelled "
            "(timeouts and shutdown stop working); clean up, then `raise`",
        )

    def _catches_cancellation(self, node: ast.expr | None) -> str | None:
        if node is None:
            return "asyncio.CancelledError (caught by a bare `except:`)"
        types = node.elts if isinstance(node, ast.Tuple) else [node]
        for item in types:
            name = self.qualify(item)
            if name in CANCELLED:
                return name
            if name in BROAD:
                return "asyncio.CancelledError (caught by `except BaseException`)"
        return None
