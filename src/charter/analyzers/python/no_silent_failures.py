"""no-silent-failures: broad exception handlers that swallow the error.

A handler is broad when it is a bare ``except:`` or catches ``Exception``/``BaseException``
(alone or in a tuple). It is reported unless its body does something with the failure:

- re-raises (any ``raise`` in the handler, outside nested functions), or
- reports it: a logger call at warning level or above (``logger.exception(...)``,
  ``log.error(...)``; ``debug``/``info`` do not count), any call passing ``exc_info=``, a
  ``traceback.*``, ``sys.exc_info()`` or ``sys.exit()`` call, or a call of an error handler (a
  name containing ``error``, ``fail``, ``exc`` or ``traceback``: ``self.handle_error(...)``,
  ``on_failure(...)``, ``print_exc()``, ``self.showtraceback()``), or
- uses the caught exception (``except Exception as exc: return Error(str(exc))``).

So ``except Exception: pass``, ``except: return None`` and ``except Exception as e: continue``
are reported, while narrow handlers (``except KeyError: pass``) are a deliberate choice and pass.
``contextlib.suppress(Exception)`` is reported for the same reason as ``except Exception: pass``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

from charter.analyzers.python.common import PythonRule

BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})
SUPPRESS = frozenset({"contextlib.suppress"})
#: logger methods that make a failure visible (``debug``/``info`` do not count)
LOG_LEVELS = frozenset({"exception", "error", "critical", "fatal", "warning", "warn", "log"})
EXC_INFO = frozenset({"sys.exc_info", "sys.exception", "sys.exit", "os._exit", "exit"})
#: words in a called name that say it reports or handles the failure
REPORTING_WORDS = ("error", "fail", "exc", "traceback")


def _walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a handler body, not entering nested functions, lambdas or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                stack.append(child)


class NoSilentFailuresAnalyzer(PythonRule):
    """Report broad ``except`` handlers that neither re-raise, log nor use the error."""

    name: ClassVar[str] = "no-silent-failures"
    prefilter: ClassVar[tuple[str, ...]] = ("except", "suppress")

    def _broad(self, node: ast.expr | None) -> str | None:
        if node is None:
            return "bare `except:`"
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        for item in items:
            name = self.qualify(item)
            if name in BROAD:
                return f"`except {name.rsplit('.', 1)[-1]}`"
        return None

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        what = self._broad(node.type)
        if what is None or self._handled(node):
            return
        self.at(
            node,
            f"{what} swallows the error: re-raise, log it with `logger.exception(...)`, "
            "or catch the specific exceptions you expect",
        )

    def _handled(self, node: ast.ExceptHandler) -> bool:
        for child in _walk_body(node.body):
            if isinstance(child, ast.Raise):
                return True
            if isinstance(child, ast.Call) and self._reports(child):
                return True
            if (
                node.name
                and isinstance(child, ast.Name)
                and child.id == node.name
                and isinstance(child.ctx, ast.Load)
            ):
                return True
        return False

    def _reports(self, call: ast.Call) -> bool:
        """Whether a call in a handler makes the failure visible."""
        if any(kw.arg == "exc_info" for kw in call.keywords):
            return True
        name = self.qualify(call.func)
        if name is not None and (name in EXC_INFO or name.startswith("traceback.")):
            return True
        func = call.func
        if isinstance(func, ast.Attribute):  # also ``logging.getLogger(__name__).exception()``
            last = func.attr.lower()
        elif isinstance(func, ast.Name):
            last = func.id.lower()
        else:
            return False
        return last in LOG_LEVELS or any(word in last for word in REPORTING_WORDS)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            expr = item.context_expr
            if not isinstance(expr, ast.Call) or self.qualify(expr.func) not in SUPPRESS:
                continue
            if any(self._broad(arg) for arg in expr.args):
                self.at(
                    node,
                    "`suppress(Exception)` swallows every error: suppress the specific "
                    "exceptions you expect",
                )
