"""retry-with-backoff: outbound HTTP calls that are safe to retry go through a retry with backoff.

An outbound call is a ``requests``/``httpx`` module call (``get``, ``post``, … ``request``),
a call of those methods on a ``requests.Session``, ``httpx.Client``/``AsyncClient`` or
``aiohttp.ClientSession`` bound in the file, or ``urllib.request.urlopen``. It is reported only
when retrying it is both safe and expected (the profile: "retry only idempotent operations"):

- its method is idempotent (GET, HEAD, OPTIONS, PUT, DELETE), or it is a POST/PATCH that
  carries an ``Idempotency-Key`` (its function mentions one) or delivers a notification, event
  or webhook (a function, class or module named for it: ``notify``, ``send_webhook``,
  ``WebhookPublisher.publish``), which receivers deduplicate (at-least-once delivery). Any
  other POST/PATCH, or a method the rule cannot read (``request(method, ...)``), may charge or
  create twice when retried blindly;
- it leaves the process: not a client over ``ASGITransport``/``WSGITransport`` or ``app=``
  (an in-process call), not a call to a literal ``localhost``/``127.0.0.1`` URL, not in a
  function decorated with ``responses.activate``/``respx.mock`` (a mocked endpoint);
- nothing asks it again anyway: not in a probe (a function named for a status, health, ping or
  connection test, which a poller or a user repeats and which must fail fast), not in a web
  handler serving a user's request (a route-decorated function, or ``get``/``post``/... of a
  ``*View``/``*Resource``/``*Handler`` class), where the user retries, and not in a
  command-line tool (a script with a ``#!`` line and an ``if __name__ == "__main__":`` block, a
  module defining ``click``/``typer`` commands, a Django management command: under
  ``management/commands/`` or in a ``BaseCommand`` subclass), which a person, CI or cron runs
  again after seeing it fail; nor in a function that only such places call, by name over the
  repository (:mod:`charter.analyzers.python.callers`; decided in the repo phase). A POST
  named for verifying or receiving a webhook is not a delivery: its sender delivers again;
- its failure is not already tolerated: a read (GET, HEAD, OPTIONS) in the body of a ``try``
  (in its function) whose handler catches a failed request (bare ``except``, ``Exception``,
  ``OSError``/``ConnectionError``/``TimeoutError``, a ``requests``/``httpx``/``aiohttp``/
  ``urllib`` error) and does not raise is a chosen degradation (log, skip the item, answer a
  default): a failed read changes nothing and the next read asks again. A delivery handled
  that way is still reported, since logging a failed notification loses it.

It passes when:

- a function around it is decorated with a retry: ``tenacity.retry``, ``backoff.on_exception``/
  ``on_predicate``, ``stamina.retry``, or any decorator whose name contains ``retry``/``backoff``
  (a project's own wrapper), or is a task its framework retries with backoff (a Celery task
  with ``autoretry_for=``/``retry_backoff=``, a Dramatiq actor);
- a function around it is a Temporal activity (``temporalio.activity.defn``, under any alias,
  with or without arguments): Temporal retries a failed activity with exponential backoff per
  the workflow's ``RetryPolicy`` (by default, unlimited attempts from 1 s doubling to 100 s),
  and ``temporal-activity-policy`` requires that policy at every call site;
- it runs inside ``for attempt in tenacity.Retrying(...)``/``AsyncRetrying``/
  ``stamina.retry_context(...)``, or in a hand-written retry loop (a ``while``/``for`` loop
  whose exception handler sleeps before the next attempt);
- the file configures transport retries: ``urllib3`` ``Retry(..., backoff_factor=...)`` (mounted
  on a session through ``HTTPAdapter``), ``httpx.HTTPTransport(retries=...)``, or
  ``aiohttp_retry.RetryClient``.

Retries wrapped around a caller in another function or another file are not followed (mark
such a wrapper with a ``retry``-named decorator). Not applicable when the code makes no
outbound HTTP call.
"""

from __future__ import annotations

import ast
from typing import ClassVar

from pydantic import Field

from charter.analyzers.base import Emitter, path_matches
from charter.analyzers.python.callers import Callers, main_guard
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
from charter.analyzers.python.names import is_under, iter_statements, name_chain
from charter.repo import RepoIndex
from charter.sources import SourceFile

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})
#: methods that may create or charge twice when a request is repeated
NON_IDEMPOTENT = frozenset({"post", "patch"})
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
#: words naming the delivery of a notification, event or webhook (at-least-once by nature)
DELIVERY_WORDS = ("notif", "webhook", "hook", "publish", "message", "event", "alert")
#: words naming the receiving end of a delivery (verifying an incoming webhook's signature):
#: its sender delivers again when it fails
RECEIVING_WORDS = ("verif", "validat", "receiv")
#: methods that only read: a failed read changes nothing, and the next read asks again
READS = frozenset({"get", "head", "options"})
#: exceptions that a failed request raises (or a base of them), by last name
NETWORK_ERRORS = frozenset(
    {
        "Exception",
        "BaseException",
        "OSError",
        "IOError",
        "EnvironmentError",
        "ConnectionError",
        "TimeoutError",
        "RequestException",
        "RequestError",
        "HTTPError",
        "TransportError",
        "NetworkError",
        "ConnectError",
        "Timeout",
        "TimeoutException",
        "ClientError",
        "URLError",
    }
)
HTTP_PACKAGES = ("requests", "httpx", "aiohttp", "urllib3", "urllib.error")
#: command-line frameworks whose ``command``/``group`` decorators make a module a CLI
CLI_FRAMEWORKS = ("click", "typer", "asyncclick")
CLI_DECORATORS = frozenset({"command", "group"})
#: words naming a probe: polled again, or asked again by a user, and must fail fast
PROBE_WORDS = ("status", "health", "ping", "heartbeat", "test_connection", "check_connection")
#: bases of class-based views whose get/post/... methods serve a user's request
VIEW_BASE_SUFFIXES = ("View", "ViewSet", "Resource", "Handler")
ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "route", "api_route", "websocket", "head", "options"}
)
IN_PROCESS_TRANSPORTS = ("ASGITransport", "WSGITransport")
MOCKS = ("responses.activate", "respx.mock")
LOOPBACK = ("http://localhost", "http://127.0.0.1", "https://localhost", "https://127.0.0.1")
RETRY_DECORATORS = (
    "tenacity.retry",
    "backoff.on_exception",
    "backoff.on_predicate",
    "stamina.retry",
    "retrying.retry",
)
#: decorators of functions that a framework retries with backoff on failure
RETRIED_BY_FRAMEWORK = ("temporalio.activity.defn",)
#: task decorators that retry with backoff by default (Dramatiq's Retries middleware)
RETRYING_TASKS = ("dramatiq.actor",)
#: keywords of a task decorator (Celery) that turn on automatic retries
TASK_RETRY_KEYWORDS = frozenset({"autoretry_for", "retry_backoff"})
SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "gevent.sleep", "trio.sleep", "anyio.sleep"})
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
    """Report outbound HTTP calls, safe to retry, with no retry-with-backoff around them."""

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
        self.covered: list[bool] = []  # per enclosing function or loop
        #: per enclosing function: (its name, whether nothing should retry in it)
        self.functions: list[tuple[str, bool]] = []
        self.classes: list[ast.ClassDef] = []
        self.function_nodes: list[FunctionNode] = []
        #: per function (and the module): the ``try`` statements around the current node
        self.tries: list[list[ast.Try | ast.TryStar]] = [[]]
        self.clients: set[str] = set()
        self.in_process: set[str] = set()
        self.transport = False
        #: findings inside functions, decided in the repo phase (their callers are looked up):
        #: [line, column, message, innermost function's name]
        self.pending: list[list[object]] = []
        #: the file is a command-line tool (a script, a click/typer CLI, a management command)
        self.command_line = "/management/commands/" in f"/{self.file.path}"
        tree = self.file.python_ast
        if tree is not None:
            self.clients = assigned_names(self.imports, tree, HTTP_CLIENTS)
            self.in_process = in_process_clients(tree)
            self.transport = self._transport_retries(tree)
            self.command_line = self.command_line or self._command_line(tree)

    def _command_line(self, tree: ast.AST) -> bool:
        """A script or a module defining ``click``/``typer`` commands (see
        :func:`command_line_module`)."""
        return command_line_module(self.file.path, self.file.text or "", tree)

    def _management_command(self) -> bool:
        """In a Django management command (a class deriving from ``BaseCommand``)."""
        for cls in self.classes:
            for base in cls.bases:
                name = self.qualify(base) or ""
                if name.rsplit(".", 1)[-1] == "BaseCommand" and is_under(name, "django"):
                    return True
        return False

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

    # --- what surrounds a call ----------------------------------------------------------------

    def _retried(self, node: FunctionNode) -> bool:
        """Decorated with a retry, or a task or activity its framework retries."""
        for deco in node.decorator_list:
            name = self.qualify(deco.func if isinstance(deco, ast.Call) else deco) or ""
            last = name.rsplit(".", 1)[-1].lower()
            if (
                any(is_under(name, r) for r in RETRY_DECORATORS)
                or name in RETRIED_BY_FRAMEWORK
                or any(is_under(name, t) for t in RETRYING_TASKS)
                or "retry" in last
                or "backoff" in last
            ):
                return True
            if isinstance(deco, ast.Call) and any(
                kw.arg in TASK_RETRY_KEYWORDS for kw in deco.keywords
            ):
                return True
        return False

    def _no_retry_wanted(self, node: FunctionNode) -> bool:
        """A probe, a web handler or a mocked function: nothing in it should retry."""
        names = decorator_names(self.imports, node)
        if any(is_under(name, mock) for name in names for mock in MOCKS):
            return True
        return asked_again(node, self.classes)

    def enter_function(self, node: FunctionNode) -> None:
        self.covered.append(self._retried(node))
        self.functions.append((node.name, self._no_retry_wanted(node)))
        self.function_nodes.append(node)
        self.tries.append([])

    def exit_function(self, node: FunctionNode) -> None:
        self.covered.pop()
        self.functions.pop()
        self.function_nodes.pop()
        self.tries.pop()

    def visit_Try(self, node: ast.Try) -> None:
        self.tries[-1].append(node)

    def leave_Try(self, node: ast.Try) -> None:
        self.tries[-1].pop()

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self.tries[-1].append(node)

    def leave_TryStar(self, node: ast.TryStar) -> None:
        self.tries[-1].pop()

    def _failure_handled(self, node: ast.Call) -> bool:
        """The call is in the body of a ``try`` (in its function) with a handler that catches
        a failed request and does not raise: the code logs, skips or answers a default."""
        for trial in self.tries[-1]:
            if not trial.body or not _inside(node, trial.body):
                continue
            for handler in trial.handlers:
                if self._catches_network(handler.type) and not _raises(handler.body):
                    return True
        return False

    def _catches_network(self, caught: ast.expr | None) -> bool:
        if caught is None:
            return True  # a bare except
        kinds = caught.elts if isinstance(caught, ast.Tuple) else [caught]
        for kind in kinds:
            name = self.qualify(kind) or ""
            if name.rsplit(".", 1)[-1] in NETWORK_ERRORS or any(
                is_under(name, package) for package in HTTP_PACKAGES
            ):
                return True
        return False

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.pop()

    def _loop(self, node: ast.For | ast.AsyncFor | ast.While) -> bool:
        if (
            isinstance(node, ast.For | ast.AsyncFor)
            and isinstance(node.iter, ast.Call)
            and self.qualify(node.iter.func) in RETRY_LOOPS
        ):
            return True
        return self._retry_loop(node)

    def _retry_loop(self, node: ast.For | ast.AsyncFor | ast.While) -> bool:
        """A hand-written retry: the loop's body catches the failure and sleeps before the
        next attempt (``except ...: await asyncio.sleep(5)``, or a sleep after the ``try``)."""
        catches = sleeps = False
        stack: list[ast.AST] = list(node.body)
        while stack:
            inner = stack.pop()
            if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(inner, ast.Try) and inner.handlers:
                catches = True
            elif isinstance(inner, ast.Call) and self.qualify(inner.func) in SLEEPS:
                sleeps = True
            stack.extend(ast.iter_child_nodes(inner))
        return catches and sleeps

    def visit_For(self, node: ast.For) -> None:
        self.covered.append(self._loop(node))

    def leave_For(self, node: ast.For) -> None:
        self.covered.pop()

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.covered.append(self._loop(node))

    def leave_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.covered.pop()

    def visit_While(self, node: ast.While) -> None:
        self.covered.append(self._loop(node))

    def leave_While(self, node: ast.While) -> None:
        self.covered.pop()

    # --- the call -----------------------------------------------------------------------------

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

    def _method(self, node: ast.Call, name: str) -> str | None:
        """The HTTP method, lower-case, or None when the code does not say."""
        verb = name.rsplit(".", 1)[-1]
        if name == "urllib.request.urlopen":
            sends = len(node.args) > 1 or keyword(node, "data") is not None
            return "post" if sends else "get"
        if verb not in ("request", "stream"):
            return verb
        given = keyword(node, "method")
        value = given.value if given is not None else (node.args[0] if node.args else None)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value.lower()
        return None

    def _idempotent(self, node: ast.Call, method: str | None) -> bool:
        if method is None:
            return False
        if method not in NON_IDEMPOTENT:
            return True
        scope = self.function_nodes[-1] if self.function_nodes else node
        if "idempotency" in (ast.get_source_segment(self.file.text or "", scope) or "").lower():
            return True  # an Idempotency-Key set on the request, here or in its headers
        names = [f[0].lower() for f in self.functions] + [c.name.lower() for c in self.classes]
        if any(word in n for n in names for word in RECEIVING_WORDS):
            return False  # verifying or receiving a delivery: its sender delivers again
        return any(word in n for n in names for word in DELIVERY_WORDS)

    def _leaves_process(self, node: ast.Call) -> bool:
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = func.value
            last = receiver.attr if isinstance(receiver, ast.Attribute) else None
            if isinstance(receiver, ast.Name):
                last = receiver.id
            if last is not None and last in self.in_process:
                return False
        url = keyword(node, "url")
        target = url.value if url is not None else None
        if target is None:
            positional = [a for a in node.args if not isinstance(a, ast.Starred)]
            verb = (self.qualify(func) or "").rsplit(".", 1)[-1]
            index = 1 if verb in ("request", "stream") else 0
            target = positional[index] if len(positional) > index else None
        if isinstance(target, ast.JoinedStr) and target.values:
            target = target.values[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            return not target.value.lower().startswith(LOOPBACK)
        return True

    def visit_Module(self, node: ast.Module) -> None:
        stem = self.file.path.rsplit("/", 1)[-1].removesuffix(".py")
        self.functions.append((stem, probe_name(stem)))

    def visit_Call(self, node: ast.Call) -> None:
        name = self._outbound(node)
        if name is None:
            return
        self.relevant = True
        if self.transport or any(self.covered):
            return
        if any(wanted for _, wanted in self.functions):
            return
        if self.command_line or self._management_command():
            return  # run by a person or a job, who sees the failure and runs it again
        method = self._method(node, name)
        if not self._leaves_process(node) or not self._idempotent(node, method):
            return
        if method in READS and self._failure_handled(node):
            return  # a read whose failure the code already tolerates
        message = (
            f"outbound `{name}()` without retry and backoff: decorate the function with "
            "`@tenacity.retry(wait=wait_exponential_jitter(), stop=stop_after_attempt(5))` "
            "or mount a `Retry(backoff_factor=...)`"
        )
        if self.function_nodes:  # reported unless only command-line code calls the function
            function = self.function_nodes[-1].name
            self.pending.append([node.lineno, node.col_offset + 1, message, function])
        else:
            self.at(node, message)

    def end(self) -> None:
        if self.relevant:
            self.out.fact({"pending": self.pending})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        pending = [
            (path, line, column, message, function)
            for path, values in sorted(repo.facts(self).items())
            for value in values
            if isinstance(value, dict)
            for line, column, message, function in value["pending"]
        ]
        if not any(repo.facts(self).values()):
            out.not_applicable(self.na_reason)
            return
        if not pending:
            return
        callers = Callers(
            repo,
            lambda path: command_line_module(
                path, repo.source(path).text or "", repo.source(path).python_ast
            ),
            asked_again,
        )
        offline = callers.command_line_only({p[4] for p in pending})
        for path, line, column, message, function in pending:
            if function in offline:
                continue  # only a command-line tool or a web handler calls it: asked again
            out.report(line, message, path=path, column=column)


def probe_name(name: str) -> bool:
    """A function or module named for a status, health, ping or connection check."""
    lowered = name.lower()
    return any(word in lowered for word in PROBE_WORDS)


def command_line_module(path: str, text: str, tree: ast.AST | None) -> bool:
    """A command-line tool, which a person, CI or cron runs, sees fail and runs again: a
    Django management command (under ``management/commands/``), a script (a ``#!`` line and
    an ``if __name__ == "__main__":`` block) or a module defining ``click``/``typer``
    commands."""
    if "/management/commands/" in f"/{path}":
        return True
    if not isinstance(tree, ast.Module):
        return False
    if text.startswith("#!") and any(main_guard(stmt) for stmt in tree.body):
        return True
    if not any(framework in text for framework in CLI_FRAMEWORKS):
        return False
    frameworks: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            frameworks.update(a.asname or a.name for a in stmt.names if a.name in CLI_FRAMEWORKS)
        elif isinstance(stmt, ast.ImportFrom) and stmt.module in CLI_FRAMEWORKS:
            frameworks.update(a.asname or a.name for a in stmt.names)
    if not frameworks:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                chain = name_chain(deco.func if isinstance(deco, ast.Call) else deco)
                if (
                    chain
                    and chain[-1] in CLI_DECORATORS
                    and (len(chain) > 1 or chain[0] in frameworks)
                ):
                    return True
    return False


def asked_again(node: FunctionNode, classes: list[ast.ClassDef]) -> bool:
    """A probe (named for a status, health, ping or connection test) or a web handler (a
    route-decorated function, or ``get``/``post``/... of a ``*View``/``*Resource``/
    ``*Handler`` class): a poller or the user asks again."""
    if probe_name(node.name):
        return True
    for deco in node.decorator_list:
        if (
            isinstance(deco, ast.Call)
            and isinstance(deco.func, ast.Attribute)
            and deco.func.attr in ROUTE_DECORATORS
        ):
            return True
    if classes and node.name in HTTP_METHODS:
        for base in classes[-1].bases:
            chain = name_chain(base.value if isinstance(base, ast.Subscript) else base)
            if chain and chain[-1].endswith(VIEW_BASE_SUFFIXES):
                return True
    return False


def _inside(node: ast.expr, body: list[ast.stmt]) -> bool:
    """Whether ``node`` lies within the statements ``body`` (by position)."""
    first, last = body[0], body[-1]
    start = (first.lineno, first.col_offset)
    end = (last.end_lineno or last.lineno, last.end_col_offset or 0)
    return start <= (node.lineno, node.col_offset) <= end


def _raises(body: list[ast.stmt]) -> bool:
    """Whether a handler's body raises (outside nested functions and classes)."""
    stack: list[ast.AST] = list(body)
    while stack:
        inner = stack.pop()
        if isinstance(inner, ast.Raise):
            return True
        if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(inner))
    return False


def in_process_clients(tree: ast.AST) -> set[str]:
    """Last names of HTTP clients bound over an in-process transport (``httpx.AsyncClient(
    transport=httpx.ASGITransport(app=app))`` or ``app=app``): their calls never leave."""
    names: set[str] = set()
    transports: set[str] = set()  # names bound to an in-process transport
    for node in iter_statements(tree):
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            pairs.append((node.targets[0], node.value))
        elif isinstance(node, ast.With | ast.AsyncWith):
            pairs.extend(
                (item.optional_vars, item.context_expr)
                for item in node.items
                if item.optional_vars is not None
            )
        for target, value in pairs:
            if not isinstance(value, ast.Call):
                continue
            key = name_chain(target)
            if _in_process_transport(value):
                if key:
                    transports.add(key[-1])
                continue
            app = any(kw.arg == "app" for kw in value.keywords)
            transport = next((kw.value for kw in value.keywords if kw.arg == "transport"), None)
            if isinstance(transport, ast.Call):
                app = app or _in_process_transport(transport)
            elif transport is not None:
                chain = name_chain(transport)
                app = app or bool(chain and chain[-1] in transports)
            if app and key:
                names.add(key[-1])
    return names


def _in_process_transport(call: ast.Call) -> bool:
    chain = name_chain(call.func)
    return bool(chain and chain[-1] in IN_PROCESS_TRANSPORTS)
