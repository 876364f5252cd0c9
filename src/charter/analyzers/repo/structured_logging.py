"""structured-logging: a service configures a structured (JSON / key-value) logger, and its
non-CLI code does not ``print()``."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.repo.service import (
    Call,
    PythonFacts,
    ServiceRuleAnalyzer,
    report_at_service,
)
from charter.repo import RepoIndex

#: libraries whose import is a structured logger set-up on its own
STRUCTURED_MODULES = (
    "pythonjsonlogger",
    "json_log_formatter",
    "ecs_logging",
    "logfmter",
    "logstash_formatter",
)
#: structlog renderers that produce machine-readable lines
STRUCTLOG_RENDERERS = (
    "structlog.processors.JSONRenderer",
    "structlog.processors.LogfmtRenderer",
    "structlog.processors.KeyValueRenderer",
)
#: text in logging config files (dictConfig YAML/JSON/INI) that names a JSON formatter
CONFIG_NEEDLES = ("pythonjsonlogger", "json_log_formatter", "JsonFormatter", "ecs_logging")
#: names of logging config files: logging.yaml, log_config.json, uvicorn-logging.ini, …
LOG_CONFIG = re.compile(
    r"^(?:[\w\-]*[-_.])?(?:logging|log[-_]?config|logconfig)\.(?:ya?ml|json|ini|conf|toml)$"
)


class StructuredLoggingAnalyzer(ServiceRuleAnalyzer):
    """Pass on python-json-logger / json-log-formatter / ecs-logging, structlog with a JSON,
    logfmt or key-value renderer, loguru with ``serialize=True``, a ``logging.Formatter``
    subclass named ``*Json*``, or a logging config file naming a JSON formatter. Every
    ``print()`` in non-test, non-CLI service code (outside ``if __name__ == "__main__":``) is
    reported."""

    name: ClassVar[str] = "structured-logging"

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        found = self._structured(repo, facts, out)
        if not found:
            structlog = facts.imported(("structlog",))
            if structlog:
                configure = facts.called(("structlog.configure",))
                where = (
                    (configure[0].path, configure[0].line)
                    if configure
                    else (structlog[0][1], structlog[0][2])
                )
                out.report(
                    where[1],
                    "structlog is used without a JSON (or logfmt) renderer: its default "
                    "output is for consoles; add structlog.processors.JSONRenderer() to the "
                    "processors in structlog.configure(...)",
                    path=where[0],
                )
            else:
                report_at_service(
                    out,
                    kind,
                    anchor,
                    "has no structured logger: configure structlog with JSONRenderer (or "
                    "python-json-logger) so logs are machine-readable",
                )
        for call in facts.called(("print",)):
            if call.path in facts.cli_paths:
                continue
            out.report(
                call.line,
                "print() in service code bypasses logging: use the structured logger",
                path=call.path,
            )

    def _structured(self, repo: RepoIndex, facts: PythonFacts, out: Emitter) -> bool:
        found = False
        for module, path, line in facts.imported(STRUCTURED_MODULES):
            out.evidence(f"{module} imported at {path}:{line}")
            found = True
        for call in facts.called(STRUCTLOG_RENDERERS):
            out.evidence(f"{call.name} at {call.path}:{call.line}")
            found = True
        for call in facts.called(("loguru.logger.add",)):
            if call.keywords.get("serialize") is True:
                out.evidence(f"loguru logger.add(serialize=True) at {call.path}:{call.line}")
                found = True
        for name, path, line, bases in facts.classes:
            if "logging.Formatter" in bases and "json" in name.lower():
                out.evidence(f"JSON formatter class {name} at {path}:{line}")
                found = True
        for path in repo.files:
            if not LOG_CONFIG.match(PurePosixPath(path).name.lower()):
                continue
            text = repo.source(path).text or ""
            if "formatters" not in text:  # dictConfig / fileConfig both declare formatters
                continue
            for needle in CONFIG_NEEDLES:
                if needle in text:
                    out.evidence(f"{needle} in logging config {path}")
                    found = True
                    break
        return found
