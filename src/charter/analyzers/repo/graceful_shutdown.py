"""graceful-shutdown: a service handles SIGTERM or registers a framework shutdown hook."""

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
#: WSGI apps have no shutdown hook of their own; gunicorn drains their workers on SIGTERM
#: (``graceful_timeout``, 30 s by default), and uWSGI does with ``die-on-term``
WSGI_KINDS = frozenset({"Flask app", "Django app", "Bottle app", "Pyramid app", "Falcon app"})
WSGI_SERVERS = ("gunicorn", "die-on-term")


def _is_sigterm(value: object) -> bool:
    return isinstance(value, str) and value.rsplit(".", 1)[-1] == "SIGTERM"


class GracefulShutdownAnalyzer(ServiceRuleAnalyzer):
    """Pass on: ``signal.signal(SIGTERM, …)`` or ``loop.add_signal_handler(SIGTERM, …)``; a
    ``lifespan=``/``on_shutdown=`` app argument; ``@app.on_event("shutdown")``; aiohttp
    ``on_shutdown``/``on_cleanup``; Sanic/Quart stop hooks; a Temporal worker's
    ``graceful_shutdown_timeout``; uvicorn's or gunicorn's graceful timeout set at launch."""

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
        if kind in WSGI_KINDS:
            for path, line, needle in search_launch_files(repo, WSGI_SERVERS):
                out.evidence(f"served by {needle} (drains workers on SIGTERM) at {path}:{line}")
                return
        report_at_service(
            out,
            kind,
            anchor,
            "does not handle shutdown: handle SIGTERM or register a shutdown hook (e.g. "
            "FastAPI(lifespan=...)) that drains work and closes connections",
        )

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
        hooks = sorted(k for k, v in call.keywords.items() if k in HOOK_KEYWORDS and v is not None)
        if hooks:
            return f"{call.name.rsplit('.', 1)[-1]}({hooks[0]}=...)"
        return None
