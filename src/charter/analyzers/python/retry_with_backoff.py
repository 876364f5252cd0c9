"""retry-with-backoff: outbound HTTP calls go through a retry with backoff.

An outbound call is a ``requests``/``httpx`` module call (``get``, ``post``, … ``request``),
a call of those methods on a ``requests.Session``, ``httpx.Client``/``AsyncClient`` or
``aiohttp.ClientSession`` bound in the file, or ``urllib.request.urlopen``. It passes when:

- a function around it is decorated with a retry: ``tenacity.retry``, ``backoff.on_exception``/
  ``on_predicate``, ``stamina.retry``, or any decorator whose name contains ``retry``/``backoff``
  (a project's own wrapper);
- a function around it is a Temporal activity (``temporalio.activity.defn``, under any alias,
  with or without arguments): Temporal retries a failed activity with exponential backoff per
  the workflow's ``RetryPolicy`` (by default, unlimited attempts from 1 s doubling to 100 s),
  and ``temporal-activity-policy`` requires that policy at every call site;
- it runs inside ``for attempt in tenacity.Retrying(...)``/``AsyncRetrying``/
  ``stamina.retry_context(...)``;
- the file configures transport retries: ``urllib3`` ``Retry(..., backoff_factor=...)`` (mounted
  on a session through ``HTTPAdapter``), ``httpx.HTTPTransport(retries=...)``, or
  ``aiohttp_retry.RetryClient``.

Retries wrapped around a caller in another function or another file are not followed; that is
the main source of false positives (mark such a wrapper with a ``retry``-named decorator). Not
applicable when the code makes no outbound HTTP call.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from pydantic import Field

from charter.analyzers.base import Emitter, path_matches
from charter.analyzers.python.common import (
    HTTP_CLIENTS,
    FunctionNode,
    FunctionScopes,
    PythonRuleParams,
    RelevantRule,
    assigned_names,
    decorator_names,
    keyword,
)
from charter.analyzers.python.names import is_under
from charter.sources import SourceFile

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})
RETRY_DECORATORS = (
    "tenacity.retry",
    "backoff.on_exception",
    "backoff.on_predicate",
    "stamina.retry",
    "retrying.retry",
)
#: decorators of functions that a framework retries with backoff on failure
RETRIED_BY_FRAMEWORK = ("temporalio.activity.defn",)
RETRY_LOOPS = frozenset({"tenacity.Retrying", "tenacity.AsyncRetrying", "stamina.retry_context"})
URLLIB3_RETRY = frozenset(
    {
        "urllib3.Retry",
        "urllib3.util.Retry",
        "urllib3.util.retry.Retry",
        "requests.adapters.Retry",
        "requests.packages.urllib3.util.retry.Retry",
    }
)
TRANSPORTS = frozenset({"httpx.HTTPTransport", "httpx.AsyncHTTPTransport"})


class RetryParams(PythonRuleParams):
    #: only check these paths (globs), e.g. ``["src/*/clients/**", "src/*/extract/**"]``;
    #: empty means all non-test code
    paths: tuple[str, ...] = Field(default=())


class RetryWithBackoffAnalyzer(FunctionScopes, RelevantRule):
    """Report outbound HTTP calls with no retry-with-backoff around them."""

    name: ClassVar[str] = "retry-with-backoff"
    Params = RetryParams
    params: RetryParams
    prefilter: ClassVar[tuple[str, ...]] = ("requests", "httpx", "aiohttp", "urllib")
    na_reason: ClassVar[str] = "the code makes no outbound HTTP call"

    def applies_to(self, file: SourceFile) -> bool:
        if not super().applies_to(file):
            return False
        return not self.params.paths or path_matches(file.path, self.params.paths)

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.covered: list[bool] = []  # per enclosing function or retry loop
        self.clients: set[str] = set()
        self.transport = False
        tree = self.file.python_ast
        if tree is not None:
            self.clients = assigned_names(self.imports, tree, HTTP_CLIENTS)
            self.transport = self._transport_retries(tree)

    def _transport_retries(self, tree: ast.AST) -> bool:
        if self.imports.imports_any(["aiohttp_retry"]):
            return True
        text = self.file.text or ""
        if "Retry" not in text and "retries" not in text:
            return False
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = self.qualify(node.func)
            if name in URLLIB3_RETRY and keyword(node, "backoff_factor") is not None:
                return True
            if name in TRANSPORTS and keyword(node, "retries") is not None:
                return True
        return False

    def _enter(self, node: FunctionNode) -> None:
        decorated = any(
            any(is_under(d, r) for r in RETRY_DECORATORS)
            or d in RETRIED_BY_FRAMEWORK
            or "retry" in d.rsplit(".", 1)[-1].lower()
            or "backoff" in d.rsplit(".", 1)[-1].lower()
            for d in decorator_names(self.imports, node)
        )
        self.covered.append(decorated)

    def enter_function(self, node: FunctionNode) -> None:
        self._enter(node)

    def exit_function(self, node: FunctionNode) -> None:
        self.covered.pop()

    def _loop(self, node: ast.For | ast.AsyncFor) -> bool:
        return isinstance(node.iter, ast.Call) and self.qualify(node.iter.func) in RETRY_LOOPS

    def visit_For(self, node: ast.For) -> None:
        self.covered.append(self._loop(node))

    def leave_For(self, node: ast.For) -> None:
        self.covered.pop()

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.covered.append(self._loop(node))

    def leave_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.covered.pop()

    def _outbound(self, node: ast.Call) -> str | None:
        name = self.qualify(node.func)
        if name is None:
            return None
        module, _, func = name.rpartition(".")
        if func in VERBS and (
            module in ("requests", "requests.api", "httpx")
            or module.rsplit(".", 1)[-1] in self.clients
        ):
            return name
        if name == "urllib.request.urlopen":
            return name
        return None

    def visit_Call(self, node: ast.Call) -> None:
        name = self._outbound(node)
        if name is None:
            return
        self.relevant = True
        if self.transport or any(self.covered):
            return
        self.at(
            node,
            f"outbound `{name}()` without retry and backoff: decorate the function with "
            "`@tenacity.retry(wait=wait_exponential_jitter(), stop=stop_after_attempt(5))` "
            "or mount a `Retry(backoff_factor=...)`",
        )
