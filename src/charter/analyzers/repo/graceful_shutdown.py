"""graceful-shutdown: a service handles SIGTERM, registers a framework shutdown hook, or is
served by a server that drains in-flight requests on SIGTERM."""

from __future__ import annotations

from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.service import (
    EVENT_METHODS,
    SHUTDOWN_HOOK_METHODS,
    SIGNAL_METHODS,
    Call,
    PythonFacts,
    ServiceRuleAnalyzer,
    declared_dependencies,
    evidence_of_use,
    report_at_service,
    search_launch_files,
)
from charter.repo import RepoIndex

#: constructor keywords that register shutdown work
HOOK_KEYWORDS = frozenset(
    {
        "lifespan",
        "on_shutdown",
        "on_cleanup",
        "graceful_shutdown_timeout",
        "timeout_graceful_shutdown",
    }
)
#: methods (whatever the receiver) that register shutdown hooks
HOOK_METHODS = SHUTDOWN_HOOK_METHODS
LAUNCH_FLAGS = ("--graceful-timeout", "graceful_timeout", "--timeout-graceful-shutdown")
#: servers that handle SIGTERM themselves: they stop accepting, finish in-flight requests
#: (gunicorn's ``graceful_timeout``, Granian's workers kill timeout, uvicorn's and Hypercorn's
#: shutdown) and run the app's shutdown; by launch-file needle / import / distribution name
SIGTERM_SERVERS: dict[str, str] = {
    "gunicorn": "gunicorn",
    "granian": "Granian",
    "uvicorn": "uvicorn",
    "hypercorn": "Hypercorn",
}
SERVER_MODULES = ("gunicorn", "granian", "litestar_granian", "uvicorn", "hypercorn")
SERVER_DISTRIBUTIONS = ("gunicorn", "granian", "litestar-granian", "uvicorn", "hypercorn")
#: uWSGI drains and exits on SIGTERM only with ``die-on-term`` (before 2.1 SIGTERM reloads)
UWSGI_DIES = ("die-on-term", "die_on_term")
#: calls that run a server which handles SIGTERM itself
SERVER_RUNS = {
    "aiohttp.web.run_app": "aiohttp's run_app (handles SIGTERM, runs on_shutdown/on_cleanup)",
}
#: apps whose own server drains on SIGTERM (Sanic: ``GRACEFUL_SHUTDOWN_TIMEOUT``)
SELF_SERVING = {"Sanic app": "Sanic's server drains in-flight requests on SIGTERM"}


def _is_sigterm(value: object) -> bool:
    return isinstance(value, str) and value.rsplit(".", 1)[-1] == "SIGTERM"


class GracefulShutdownAnalyzer(ServiceRuleAnalyzer):
    """Pass on: ``signal.signal(SIGTERM, …)`` or ``loop.add_signal_handler(SIGTERM, …)``; a
    ``lifespan=``/``on_shutdown=`` app argument; ``@app.on_event("shutdown")``; aiohttp
    ``on_shutdown``/``on_cleanup``; Sanic/Quart stop hooks; a Temporal worker's
    ``graceful_shutdown_timeout`` or ``async with Worker(...)``; uvicorn's or gunicorn's
    graceful timeout set at launch; or, for an HTTP app, a server that drains on SIGTERM
    (gunicorn, Granian, uvicorn, Hypercorn, uWSGI with ``die-on-term``) named in a launch file,
    imported, or declared as a runtime dependency."""

    name: ClassVar[str] = "graceful-shutdown"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        found = False
        for call in facts.calls:
            why = self._hook(call)
            if why:
                out.evidence(f"{why} at {call.path}:{call.line}")
                found = True
        if evidence_of_use(repo, facts, (), LAUNCH_FLAGS, out) or found:
            return
        http = [k for k, _ in facts.http_apps()]
        if kind in SELF_SERVING or any(k in SELF_SERVING for k in http):
            app = kind if kind in SELF_SERVING else next(k for k in http if k in SELF_SERVING)
            out.evidence(SELF_SERVING[app])
            return
        if http and self._served_gracefully(repo, facts, out):
            return
        problem = (
            "does not handle shutdown: handle SIGTERM or register a shutdown hook (e.g. "
            "FastAPI(lifespan=...)) that drains work and closes connections"
        )
        uwsgi = search_launch_files(repo, ("uwsgi",)) if http else []
        if uwsgi:
            path, line, _ = uwsgi[0]
            problem = (
                f"is served by uWSGI ({path}:{line}) without die-on-term, so SIGTERM reloads "
                "it instead of draining and stopping: set die-on-term = true (or serve it "
                "with gunicorn)"
            )
        report_at_service(out, kind, anchor, problem)

    @staticmethod
    def _served_gracefully(repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        """The server layer handles SIGTERM: a launch file runs one (or uWSGI with
        ``die-on-term``), the code imports or runs one, or the project depends on one."""
        hits = search_launch_files(repo, (*SIGTERM_SERVERS, *UWSGI_DIES))
        for path, line, needle in hits:
            server = SIGTERM_SERVERS.get(needle, "uWSGI with die-on-term")
            out.evidence(f"served by {server} (drains workers on SIGTERM) at {path}:{line}")
            return True
        for call in facts.calls:
            if call.name in SERVER_RUNS:
                out.evidence(f"served by {SERVER_RUNS[call.name]} at {call.path}:{call.line}")
                return True
        for module, path, line in facts.imported(SERVER_MODULES):
            out.evidence(
                f"served by {module} (drains workers on SIGTERM), imported at {path}:{line}"
            )
            return True
        for name, path, line in declared_dependencies(repo):
            if name in SERVER_DISTRIBUTIONS:
                out.evidence(
                    f"served by {name} (drains workers on SIGTERM), a dependency at {path}:{line}"
                )
                return True
        return False

    @staticmethod
    def _hook(call: Call) -> str | None:
        parts = call.name.split(".")
        method = parts[-1]
        if (
            call.name in ("signal.signal", "signal.Signals")
            and call.args
            and _is_sigterm(call.args[0])
        ):
            return "SIGTERM handler"
        if method in SIGNAL_METHODS and call.args and _is_sigterm(call.args[0]):
            return "SIGTERM handler (add_signal_handler)"
        if method in EVENT_METHODS and call.args and call.args[0] == "shutdown":
            return f"shutdown event handler ({method})"
        if any(part in HOOK_METHODS for part in parts[1:]):
            return f"shutdown hook ({'.'.join(parts[1:])})"
        if call.name == "temporalio.worker.Worker" and call.with_item:
            return "Temporal worker run as `async with Worker(...)` (shuts down on exit)"
        hooks = sorted(k for k, v in call.keywords.items() if k in HOOK_KEYWORDS and v is not None)
        if hooks:
            return f"{call.name.rsplit('.', 1)[-1]}({hooks[0]}=...)"
        return None
