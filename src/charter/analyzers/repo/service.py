"""Is this repository a service? The one shared answer for the service-only rules.

``metrics-exposed``, ``tracing``, ``graceful-shutdown``, ``structured-logging``,
``api-documentation`` and ``dependency-lock`` only make sense for a repository that *runs* a
long-lived process. The definition is deliberately simple and visible in a finding:

    A repository runs a service when its non-test Python code constructs a server
    application: a web app (``FastAPI()``, ``Flask(__name__)``, ``Starlette()``,
    ``Litestar()``, ``Sanic()``, ``Quart()``, aiohttp ``web.Application()``, Falcon,
    Tornado, Bottle, Pyramid, Connexion, Django's ``get_wsgi_application()`` /
    ``get_asgi_application()``), a gRPC server (``grpc.server()``, ``grpc.aio.server()``)
    or a Temporal worker (``temporalio.worker.Worker()``).

Names are resolved through the file's imports, so ``from fastapi import FastAPI as API;
API()`` counts and a local class called ``FastAPI`` does not. The first such construction is
the *anchor*: a service rule that fails reports there ("this app exposes no metrics"). Libraries,
CLIs and scripts are not services, so those rules are not applicable to them.

(The ``health-checks`` rule has its own, wider detection that also covers Go, Node, Dockerfiles
and Kubernetes manifests; this one stays Python-only because every rule that uses it looks for
Python libraries.)

The file phase is one :class:`PythonFactsAnalyzer`: it records each file's imports and the calls
a rule cares about as JSON facts, in the shared ``ast`` walk.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, ClassVar

from charter.analyzers.base import AstAnalyzer, Emitter, path_matches
from charter.analyzers.repo.project import is_test_path
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: qualified name of a constructor -> the kind of service it makes
APP_CONSTRUCTORS: dict[str, str] = {
    "fastapi.FastAPI": "FastAPI app",
    "flask.Flask": "Flask app",
    "starlette.applications.Starlette": "Starlette app",
    "litestar.Litestar": "Litestar app",
    "sanic.Sanic": "Sanic app",
    "quart.Quart": "Quart app",
    "aiohttp.web.Application": "aiohttp app",
    "falcon.App": "Falcon app",
    "falcon.asgi.App": "Falcon app",
    "tornado.web.Application": "Tornado app",
    "bottle.Bottle": "Bottle app",
    "pyramid.config.Configurator": "Pyramid app",
    "connexion.App": "Connexion app",
    "connexion.FlaskApp": "Connexion app",
    "connexion.AsyncApp": "Connexion app",
    "robyn.Robyn": "Robyn app",
    "django.core.wsgi.get_wsgi_application": "Django app",
    "django.core.asgi.get_asgi_application": "Django app",
    "grpc.server": "gRPC server",
    "grpc.aio.server": "gRPC server",
    "temporalio.worker.Worker": "Temporal worker",
}
#: methods (whatever the receiver) that register shutdown hooks: aiohttp, Sanic, Quart, …
SHUTDOWN_HOOK_METHODS = frozenset(
    {
        "on_shutdown",
        "on_cleanup",
        "cleanup_ctx",
        "after_server_stop",
        "before_server_stop",
        "after_serving",
        "on_app_shutdown",
    }
)
EVENT_METHODS = frozenset({"on_event", "add_event_handler"})
SIGNAL_METHODS = frozenset({"add_signal_handler"})
HTTP_KINDS = frozenset(k for k in APP_CONSTRUCTORS.values() if k.endswith(" app"))
SERVICE_MODULES = frozenset(name.split(".", 1)[0] for name in APP_CONSTRUCTORS)
CLI_MODULES = frozenset({"argparse", "click", "typer", "fire", "docopt", "cyclopts"})
CLI_GLOBS = (
    "scripts/**",
    "bin/**",
    "tools/**",
    "benchmarks/**",
    "examples/**",
    "docs/**",
    "**/cli.py",
    "**/__main__.py",
    "**/manage.py",
    "cli.py",
    "__main__.py",
    "manage.py",
    "**/cli/**",
    "**/commands/**",
)


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
        return node.value
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    return "<expr>"


class PythonFactsAnalyzer(AstAnalyzer):
    """File phase shared by the service rules: imports, and the calls they ask for, as facts.

    Every subclass records the same facts (so the engine runs this file phase once per file for
    all of them, see :meth:`file_phase_key`): ``CALL_MODULES`` (top-level modules whose calls
    are recorded), ``CALL_NAMES`` (exact qualified names such as ``print``) and ``ATTR_NAMES``
    (method names
    recorded whatever the receiver, such as ``add_signal_handler``).
    """

    CALL_MODULES: ClassVar[frozenset[str]] = frozenset(
        {"signal", "uvicorn", "structlog", "loguru", "logging"}
    )
    CALL_NAMES: ClassVar[frozenset[str]] = frozenset({"print"})
    ATTR_NAMES: ClassVar[frozenset[str]] = SHUTDOWN_HOOK_METHODS | EVENT_METHODS | SIGNAL_METHODS

    def file_phase_key(self) -> object | None:
        return "python-facts"  # the same facts for every service rule: gathered once per file

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind == "python" and not is_test_path(file.path)

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self._aliases: dict[str, str] = {}
        self._imports: list[tuple[str, int]] = []
        self._calls: list[tuple[str, int, dict[str, Any], list[Any]]] = []
        self._classes: list[tuple[str, int, list[str]]] = []
        self._main_guard = 0
        self._has_main_guard = False
        self._call_name_tops = frozenset(n.split(".", 1)[0] for n in self.CALL_NAMES)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [b for b in (self.qualify(base) for base in node.bases) if b]
        if any(b.split(".", 1)[0] in self.CALL_MODULES for b in bases):
            self._classes.append((node.name, node.lineno, bases))

    # imports ---------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._imports.append((alias.name, node.lineno))
            if alias.asname:
                self._aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".", 1)[0]
                self._aliases[head] = head

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        self._imports.append((node.module, node.lineno))
        for alias in node.names:
            full = f"{node.module}.{alias.name}"
            self._imports.append((full, node.lineno))
            self._aliases[alias.asname or alias.name] = full

    # `if __name__ == "__main__":` ----------------------------------------------------------
    @staticmethod
    def _is_main_guard(node: ast.If) -> bool:
        test = node.test
        return (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
        )

    def visit_If(self, node: ast.If) -> None:
        if self._is_main_guard(node):
            self._main_guard += 1
            self._has_main_guard = True

    def leave_If(self, node: ast.If) -> None:
        if self._is_main_guard(node):
            self._main_guard -= 1

    # calls -----------------------------------------------------------------------------
    def qualify(self, node: ast.AST) -> str | None:
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        base = self._aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def visit_Call(self, node: ast.Call) -> None:
        # every call of every file comes here: reject the ~99% nobody asked for before
        # building a qualified name (APP_CONSTRUCTORS all live in SERVICE_MODULES)
        func = node.func
        attrs: list[str] = []
        while isinstance(func, ast.Attribute):
            attrs.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name):
            return
        base = self._aliases.get(func.id, func.id)
        top, dot, _ = base.partition(".")
        if not (
            top in SERVICE_MODULES
            or top in self.CALL_MODULES
            or top in self._call_name_tops
            or not self.ATTR_NAMES.isdisjoint(attrs)
            or (dot and not self.ATTR_NAMES.isdisjoint(base.split(".")))
        ):
            return
        name = ".".join([base, *reversed(attrs)])
        parts = name.split(".")
        wanted = (
            name in APP_CONSTRUCTORS
            or top in SERVICE_MODULES
            or top in self.CALL_MODULES
            or name in self.CALL_NAMES
            or any(part in self.ATTR_NAMES for part in parts[1:])
        )
        if name == "print" and self._main_guard:
            wanted = False
        if not wanted:
            return
        keywords = {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg}
        for kw in node.keywords:
            if kw.arg and isinstance(kw.value, ast.Name | ast.Attribute):
                keywords[kw.arg] = self.qualify(kw.value) or "<expr>"
        args = [
            (self.qualify(a) if isinstance(a, ast.Name | ast.Attribute) else _literal(a))
            for a in node.args[:3]
        ]
        self._calls.append((name, node.lineno, keywords, args))

    def end(self) -> None:
        self.out.fact(
            {
                "imports": self._imports,
                "calls": self._calls,
                "classes": self._classes,
                "cli": self._is_cli(),
            }
        )

    def _is_cli(self) -> bool:
        if path_matches(self.file.path, CLI_GLOBS):
            return True
        if self._has_main_guard and not any(c[0] in APP_CONSTRUCTORS for c in self._calls):
            return True  # a script; a module that builds the app and runs it is still service
        return any(mod.split(".", 1)[0] in CLI_MODULES for mod, _ in self._imports)


@dataclass(frozen=True)
class Call:
    """A recorded call: qualified name, where, keyword literals and first arguments."""

    name: str
    path: str
    line: int
    keywords: dict[str, Any]
    args: list[Any]


@dataclass(frozen=True)
class PythonFacts:
    """The merged file-phase facts of one :class:`PythonFactsAnalyzer`."""

    imports: list[tuple[str, str, int]]  # (module, path, line)
    calls: list[Call]
    classes: list[tuple[str, str, int, list[str]]]  # (name, path, line, qualified bases)
    cli_paths: frozenset[str]

    @classmethod
    def of(cls, repo: RepoIndex, analyzer: PythonFactsAnalyzer) -> PythonFacts:
        """Merged once per audit: every service rule gathers the same facts (one shared file
        phase, see :meth:`PythonFactsAnalyzer.file_phase_key`)."""
        return repo.derived(
            ("python-facts", analyzer.file_phase_key()), lambda: cls._merge(repo, analyzer)
        )

    @classmethod
    def _merge(cls, repo: RepoIndex, analyzer: PythonFactsAnalyzer) -> PythonFacts:
        imports: list[tuple[str, str, int]] = []
        calls: list[Call] = []
        classes: list[tuple[str, str, int, list[str]]] = []
        cli: set[str] = set()
        for path, values in sorted(repo.facts(analyzer).items()):
            for value in values:
                imports.extend((mod, path, line) for mod, line in value["imports"])
                calls.extend(Call(n, path, ln, kw, args) for n, ln, kw, args in value["calls"])
                classes.extend((n, path, ln, bases) for n, ln, bases in value["classes"])
                if value["cli"]:
                    cli.add(path)
        return cls(imports, calls, classes, frozenset(cli))

    def apps(self) -> list[tuple[str, Call]]:
        """Every server construction, as (kind, call), in path and line order."""
        return [(APP_CONSTRUCTORS[c.name], c) for c in self.calls if c.name in APP_CONSTRUCTORS]

    def service(self) -> tuple[str, Call] | None:
        """The anchor of the service: its first server construction, or None."""
        apps = self.apps()
        return apps[0] if apps else None

    def http_apps(self) -> list[tuple[str, Call]]:
        return [(kind, call) for kind, call in self.apps() if kind in HTTP_KINDS]

    def imported(self, prefixes: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """Imports of any module equal to or under one of ``prefixes``."""
        seen: set[tuple[str, int]] = set()
        found: list[tuple[str, str, int]] = []
        for mod, path, line in self.imports:
            if (path, line) in seen:
                continue
            if any(mod == p or mod.startswith(p + ".") for p in prefixes):
                seen.add((path, line))
                found.append((mod, path, line))
        return found

    def called(self, names: tuple[str, ...]) -> list[Call]:
        return [c for c in self.calls if c.name in names]


LAUNCH_GLOBS = (
    "Dockerfile",
    "**/Dockerfile",
    "Dockerfile.*",
    "**/Dockerfile.*",
    "*.dockerfile",
    "**/*.dockerfile",
    "Procfile",
    "**/Procfile",
    "*compose*.yml",
    "*compose*.yaml",
    "**/*compose*.yml",
    "**/*compose*.yaml",
    "gunicorn*.py",
    "**/gunicorn*.py",
    "*.sh",
    "**/*.sh",
    "Makefile",
    "k8s/**",
    "kubernetes/**",
    "deploy/**",
    "helm/**",
    "charts/**",
    "manifests/**",
    "supervisord.conf",
    "uwsgi*.ini",
    "**/uwsgi*.ini",
    "hypercorn*.toml",
    "**/hypercorn*.toml",
)


def launch_files(repo: RepoIndex) -> list[str]:
    """Files that start the service (Dockerfiles, Procfile, compose, gunicorn config, scripts,
    manifests): where launch flags such as ``--graceful-timeout`` live."""
    return [p for p in repo.files if path_matches(p, LAUNCH_GLOBS) and not is_test_path(p)]


def search_launch_files(repo: RepoIndex, needles: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """(path, line, needle) for each launch-file line containing one of ``needles``."""
    hits: list[tuple[str, int, str]] = []
    for path in launch_files(repo):
        text = repo.source(path).text
        if not text or not any(n in text for n in needles):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for needle in needles:
                if needle in line:
                    hits.append((path, number, needle))
                    break
    return hits


def not_a_service_reason() -> str:
    return (
        "the repository runs no service: no non-test Python code constructs a web app, "
        "gRPC server or Temporal worker"
    )


def describe(kind: str, call: Call) -> str:
    return f"{kind} at {call.path}:{call.line}"


def file_name(path: str) -> str:
    return PurePosixPath(path).name


class ServiceRuleAnalyzer(PythonFactsAnalyzer):
    """A rule that only applies to services: n/a unless :meth:`PythonFacts.service` finds one."""

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = PythonFacts.of(repo, self)
        anchor = facts.service()
        if anchor is None:
            out.not_applicable(not_a_service_reason())
            return
        self.check_service(repo, facts, anchor[0], anchor[1], out)

    def check_service(
        self, repo: RepoIndex, facts: PythonFacts, kind: str, anchor: Call, out: Emitter
    ) -> None:
        raise NotImplementedError


def evidence_of_use(
    repo: RepoIndex,
    facts: PythonFacts,
    modules: tuple[str, ...],
    launch_needles: tuple[str, ...],
    out: Emitter,
) -> bool:
    """Record as evidence each import of ``modules`` and each launch-file line naming one of
    ``launch_needles``; True when there was any."""
    found = False
    for module, path, line in facts.imported(modules):
        out.evidence(f"{module} imported at {path}:{line}")
        found = True
    for path, line, needle in search_launch_files(repo, launch_needles):
        out.evidence(f"{needle} at {path}:{line}")
        found = True
    return found


def report_at_service(out: Emitter, kind: str, anchor: Call, problem: str) -> None:
    """The one finding of a service rule: at the app's construction, naming it."""
    out.report(anchor.line, f"the {describe(kind, anchor)} {problem}", path=anchor.path)
