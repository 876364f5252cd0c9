"""structured-logging: a service configures a structured (JSON / key-value) logger, and its
non-CLI code does not ``print()``.

Besides the command-line modules the shared service facts know (argparse, click, typer ...,
``cli.py``, ``__main__`` scripts), a module that parses its command line with ``getopt`` or
``optparse``, or defines ``invoke`` tasks, is a CLI: its prints are its output. A module nothing
refers to (no other file of the repository names it outside a comment: no import, no entry
point, no ``python -m``) and that builds no app is dead code, and its prints are not reported
either; nor is a print the project's linter was told is deliberate (a noqa comment for T201,
flake8-print's code), nor one in a function that only command-line code calls, by name over the
repository (:mod:`charter.analyzers.python.callers`).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Emitter, path_matches
from charter.analyzers.python.callers import Callers, innermost_functions
from charter.analyzers.repo.service import (
    CLI_GLOBS,
    Call,
    PythonFacts,
    ServiceRuleAnalyzer,
    report_at_service,
)
from charter.conditions import orchestration_file
from charter.memo import ByContent
from charter.repo import RepoIndex
from charter.sources import SourceFile

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


#: modules whose import makes a file a command-line program (beyond the shared facts' list)
CLI_IMPORTS = ("getopt", "optparse", "invoke")
#: file kinds that can refer to a module: imports, entry points, launch commands
REFERRING_KINDS = ("python", "toml", "ini", "yaml", "json", "dockerfile", "shell", "makefile")
#: other files that load modules by name: templates (``{% load my_tags %}``), Procfiles
REFERRING_NAMES = re.compile(r"(?:\.(?:html?|jinja2?|j2|txt)|^procfile)$", re.IGNORECASE)
COMMENT = re.compile(r"#[^\n]*")
#: a noqa comment naming T201 (flake8-print and ruff's print rule), or a bare one
PRINT_NOQA = re.compile(r"#\s*noqa(?!\s*:)|#\s*noqa\s*:[^#]*\bT20[13]?\b", re.IGNORECASE)


def deliberate(repo: RepoIndex, path: str, line: int) -> bool:
    """Whether the print at ``path:line`` carries a linter exemption for prints."""
    lines = repo.source(path).lines
    return 0 < line <= len(lines) and bool(PRINT_NOQA.search(lines[line - 1]))


def module_stem(path: str) -> str | None:
    """The name other files use for the module at ``path`` (None for a package's
    ``__init__.py`` or ``__main__.py``, which are reached through their package)."""
    name = PurePosixPath(path).name
    if not name.endswith(".py"):
        return None
    stem = name[:-3]
    return None if stem in ("__init__", "__main__") else stem


def unreferenced(repo: RepoIndex, paths: set[str]) -> set[str]:
    """The modules among ``paths`` that no other file of the repository names outside a
    comment (an import, an entry point, a ``python -m`` or script path)."""
    stems: dict[str, set[str]] = {}
    for path in paths:
        stem = module_stem(path)
        if stem is not None:
            stems.setdefault(stem, set()).add(path)
    if not stems:
        return set()
    asked = tuple(sorted(stems))
    named: set[str] = set()  # paths some other file refers to
    others = repo.of_kind(*REFERRING_KINDS) + [
        p for p in repo.of_kind("other") if REFERRING_NAMES.search(PurePosixPath(p).name)
    ]
    for other in sorted(others):
        for stem in _named_in(repo.source(other).text or "", asked):
            named.update(p for p in stems[stem] if p != other)
    return {p for group in stems.values() for p in group} - named


#: for each text: module stem -> whether the text names it as a word outside a comment
_NAMED: ByContent[dict[str, bool]] = ByContent(maxsize=4096)


def _named_in(text: str, asked: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``asked`` (module stems) that ``text`` names as a word outside a comment.
    Each text's answer for each stem is kept by the text's content: from one ``charter
    history`` point to the next most files are the same (data files of megabytes among
    them), and the stems asked about change a little (a print added or removed)."""
    known = _NAMED.get(text, (), dict)
    missing = [stem for stem in asked if stem not in known]
    if missing:
        present = [stem for stem in missing if stem in text]
        code = COMMENT.sub("", text) if present else ""
        for stem in missing:
            known[stem] = stem in present and bool(re.search(rf"\b{re.escape(stem)}\b", code))
    return tuple(stem for stem in asked if known[stem])


#: the innermost function of each of some lines of a file, by its text and the lines
_FUNCTIONS: ByContent[dict[int, str]] = ByContent(maxsize=4096)


def command_line_prints(repo: RepoIndex, cli: set[str], prints: list[Call]) -> set[tuple[str, int]]:
    """(path, line) of the prints in functions that only command-line code calls (by name,
    see :mod:`charter.analyzers.python.callers`): a maintenance script's helper kept in the
    package (``fetch_traits()`` of a search engine module, run by an update script) prints
    its output to the person running it, not to the service's log."""
    where: dict[tuple[str, int], str] = {}
    by_path: dict[str, list[int]] = {}
    for call in prints:
        by_path.setdefault(call.path, []).append(call.line)
    functions: dict[tuple[str, int], str] = {}
    for path, lines in by_path.items():
        source = repo.source(path)

        def names(source: SourceFile = source, lines: list[int] = lines) -> dict[int, str]:
            tree = source.python_ast
            if tree is None:
                return {}
            return {line: node.name for line, node in innermost_functions(tree, lines).items()}

        asked = tuple(sorted(set(lines)))
        found = _FUNCTIONS.get(source.text, asked, names) if source.text is not None else names()
        for line, function in found.items():
            functions[(path, line)] = function
    for call in prints:  # in the order of the prints, as the names are asked about
        name = functions.get((call.path, call.line))
        if name is not None:
            where[(call.path, call.line)] = name
    if not where:
        return set()
    only = Callers(
        repo, lambda path: path in cli or path_matches(path, CLI_GLOBS)
    ).command_line_only(where.values())
    return {place for place, name in where.items() if name in only}


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
            elif repo.select(orchestration_file):
                report_at_service(
                    out,
                    kind,
                    anchor,
                    "has no structured logger: configure structlog with JSONRenderer (or "
                    "python-json-logger) so logs are machine-readable",
                )
            else:
                # JSON logs are for a fleet's log pipeline (as metrics and tracing are, see
                # charter.conditions): a self-hosted app's text logs are read by a person
                out.evidence(
                    "no structured logger, but no orchestrated deployment either: text logs "
                    "are not judged (print() calls still are)"
                )
        cli = set(facts.cli_paths) | {path for _, path, _ in facts.imported(CLI_IMPORTS)}
        prints = [call for call in facts.called(("print",)) if call.path not in cli]
        apps = {call.path for _, call in facts.apps()}  # run by a server, named or not
        dead = unreferenced(repo, {call.path for call in prints} - apps)
        prints = [
            call
            for call in prints
            if call.path not in dead and not deliberate(repo, call.path, call.line)
        ]
        offline = command_line_prints(repo, cli, prints)
        for call in prints:
            if (call.path, call.line) in offline:
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
        for path in repo.select(_log_config):
            text = repo.source(path).text or ""
            if "formatters" not in text:  # dictConfig / fileConfig both declare formatters
                continue
            for needle in CONFIG_NEEDLES:
                if needle in text:
                    out.evidence(f"{needle} in logging config {path}")
                    found = True
                    break
        return found


def _log_config(path: str) -> bool:
    return LOG_CONFIG.match(PurePosixPath(path).name.lower()) is not None
