"""health-checks: every service exposes health in code, container and orchestrator.

File phase: one fact per app, route, gRPC server, Dockerfile final stage, compose service and
Kubernetes workload (with lines). Repo phase: decide whether the repository runs a service at
all, demand health at each layer it has, and check that the HTTP paths probes and HEALTHCHECKs
call are routes the code serves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.containers.common import DEFAULT_IGNORE
from charter.analyzers.health.manifests import (
    compose_facts,
    dockerfile_facts,
    is_compose_file,
    is_helm_template,
    k8s_facts,
)
from charter.analyzers.health.native_apps import native_facts
from charter.analyzers.health.python_apps import python_facts
from charter.repo import RepoIndex
from charter.sources import SourceFile, compose_yaml

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: files that mark the root of one service's code in a monorepo
PROJECT_FILES = (
    "go.mod",
    "package.json",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
)


def project_of(repo: RepoIndex, path: str) -> str:
    """The deepest folder above ``path`` with a project file (``""`` for the root)."""
    folder = PurePosixPath(path).parent
    while True:
        key = "" if str(folder) == "." else str(folder)
        if any(repo.has(f"{key}/{name}" if key else name) for name in PROJECT_FILES):
            return key
        if key == "":
            return ""
        folder = folder.parent


#: a Python file can only define an app or a route if it names one of these
PYTHON_TOKENS = (
    "fastapi",
    "starlette",
    "flask",
    "quart",
    "litestar",
    "sanic",
    "aiohttp",
    "django",
    "grpc",
)


class HealthChecksParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: a route is a health route when its path is, or ends with, one of these
    health_paths: tuple[str, ...] = (
        "/health",
        "/healthz",
        "/healthcheck",
        "/health-check",
        "/livez",
        "/readyz",
        "/live",
        "/ready",
        "/liveness",
        "/readiness",
        "/ping",
        "/status",
        "/-/healthy",
        "/-/ready",
    )
    #: paths left out (tests, docs, examples, dev containers, test compose files)
    ignore: tuple[str, ...] = (*DEFAULT_IGNORE, "**/*compose*test*")
    dockerfile_healthcheck: bool = True
    compose_healthcheck: bool = True
    #: also demand a startupProbe on every Kubernetes container
    require_startup_probe: bool = False


def _normalize(path: str) -> str:
    path = path.split("?", 1)[0].strip() or "/"
    if not path.startswith("/"):
        path = "/" + path
    return path.rstrip("/") or "/"


_PARAM = re.compile(r"\{[^}]*\}|<[^>]*>|:[A-Za-z_][A-Za-z0-9_]*|\*")


def _route_regex(route: str) -> re.Pattern[str]:
    pieces = _PARAM.split(_normalize(route))
    return re.compile("[^/]+".join(re.escape(p) for p in pieces))


def serves(routes: list[str], path: str) -> bool:
    """Whether ``path`` is one of ``routes``, allowing for a mount prefix the code does not show
    (``/api/healthz`` is served by a router route ``/healthz`` included under ``/api``)."""
    target = _normalize(path)
    for route in routes:
        pattern = _route_regex(route)
        if pattern.fullmatch(target):
            return True
        norm = _normalize(route)
        if norm != "/" and any(
            pattern.fullmatch(target[i:]) for i in range(1, len(target)) if target[i] == "/"
        ):
            return True
    return False


class HealthChecksAnalyzer(Analyzer):
    """Apps serve a health route (or the gRPC health service); Dockerfiles and compose services
    declare a health check; Kubernetes workloads probe liveness and readiness; probes call routes
    the app serves."""

    name: ClassVar[str] = "health-checks"
    Params = HealthChecksParams
    params: HealthChecksParams
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"python", "dockerfile", "yaml", "go", "typescript", "javascript"}
    )

    # --- file phase ------------------------------------------------------------------------

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind in self.kinds and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        text = file.text or ""
        if file.kind == "python":
            if not any(token in text for token in PYTHON_TOKENS) and not file.path.endswith(
                "urls.py"
            ):
                return
            tree = file.python_ast
            facts = python_facts(file.path, tree) if tree is not None else None
            if facts is not None:
                out.fact(facts)
        elif file.kind in {"go", "typescript", "javascript"}:
            if not any(
                token in text
                for token in (
                    "http",
                    "gin",
                    "echo",
                    "chi",
                    "grpc",
                    "express",
                    "astify",
                    "Koa",
                    "Hono",
                    "Nest",
                )
            ):
                return
            syntax = file.syntax_tree
            if syntax is not None:
                lang = "go" if file.kind == "go" else "node"
                facts = native_facts(lang, syntax, text)
                if facts is not None:
                    out.fact(facts)
        elif file.kind == "dockerfile":
            instructions = file.dockerfile
            if instructions:
                facts = dockerfile_facts(instructions)
                if facts is not None:
                    out.fact(facts)
        elif file.kind == "yaml":
            self._yaml(file, text, out)

    def _yaml(self, file: SourceFile, text: str, out: Emitter) -> None:
        compose = is_compose_file(file.path)
        if not compose and "containers" not in text:
            return
        if is_helm_template(file.path, text):
            try:
                nodes = compose_yaml(text)
            except (yaml.YAMLError, RecursionError):  # a template, not a manifest
                out.fact({"kind": "skipped", "reason": "Helm template that is not plain YAML"})
                return
        else:
            nodes = file.yaml_nodes or []
        if compose:
            for fact in compose_facts(file.path, nodes):
                out.fact(fact)
        else:
            for fact in k8s_facts(nodes):
                out.fact(fact)

    # --- repo phase ------------------------------------------------------------------------

    def _is_health(self, route: str) -> bool:
        """``/healthz``, ``/api/v1/healthz`` and ``/_healthz`` are health routes."""
        norm = _normalize(route).lower()
        wanted = [_normalize(h).lower() for h in self.params.health_paths]
        if any(norm == h or norm.endswith(h) for h in wanted):
            return True
        last = norm.rsplit("/", 1)[-1].lstrip("_")
        return any(h.rsplit("/", 1)[-1] == last for h in wanted if h.count("/") == 1)

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        by_kind: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for path, facts in sorted(repo.facts(self).items()):
            for fact in facts:
                by_kind[fact["kind"]].append((path, fact))
        code = by_kind["code"]
        # a health route serves the apps of its own language and project (monorepos)
        scope = {p: f"{f['lang']}@{project_of(repo, p)}" for p, f in code}
        apps = [(p, scope[p], a) for p, f in code for a in f["apps"]]
        grpc = [(p, scope[p], g) for p, f in code for g in f["grpc"]]
        for path, fact in by_kind["skipped"]:
            out.evidence(f"skipped {path}: {fact['reason']}")
        if not (apps or grpc or by_kind["dockerfile"] or by_kind["compose"] or by_kind["k8s"]):
            out.not_applicable(
                "no service: no web or gRPC server in code, no Dockerfile, compose service or "
                "Kubernetes workload"
            )
            return

        routes: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        for path, fact in code:
            for route in fact["routes"]:
                routes[scope[path]].append((path, route))
        health_langs = {scope[p] for p, f in code if f["grpc_health"]}
        self._code(apps, grpc, routes, health_langs, out)
        served = [r["path"] for rs in routes.values() for _, r in rs]
        app_names = sorted({a["name"] for p, s, a in apps if s.startswith("python@")}) or sorted(
            {f"{a['name']} ({p})" for p, _, a in apps}
        )
        docker = {p: f for p, f in by_kind["dockerfile"]}
        self._dockerfiles(docker, served, app_names, out)
        self._compose(by_kind["compose"], docker, served, app_names, out)
        self._k8s(repo, by_kind["k8s"], served, app_names, out)

    def _code(
        self,
        apps: list[tuple[str, str, dict[str, Any]]],
        grpc: list[tuple[str, str, dict[str, Any]]],
        routes: dict[str, list[tuple[str, dict[str, Any]]]],
        health_langs: set[str],
        out: Emitter,
    ) -> None:
        healthy = {
            lang: [(p, r) for p, r in found if self._is_health(r["path"])]
            for lang, found in routes.items()
        }
        # a Django project has one app however many urls.py it has: keep the outermost
        outermost: dict[str, str] = {}
        for path, scope, app in apps:
            if app["framework"] == "django":
                best = outermost.get(scope)
                if best is None or (path.count("/"), path) < (best.count("/"), best):
                    outermost[scope] = path
        apps = [(p, s, a) for p, s, a in apps if a["framework"] != "django" or outermost[s] == p]
        for path, lang, app in apps:
            found = healthy.get(lang) or []
            if found:
                where, route = found[0]
                out.evidence(
                    f"{app['name']}: health route {route['path']} at {where}:{route['line']}"
                )
                continue
            if lang in health_langs:
                out.evidence(f"{app['name']}: gRPC health service registered")
                continue
            out.report(
                app["line"],
                f"{app['name']} ({app['framework']}) serves no health route; add one such as "
                "GET /healthz (liveness) and GET /readyz (readiness)",
                path=path,
            )
        for path, lang, server in grpc:
            if lang in health_langs:
                out.evidence(f"{path}:{server['line']}: gRPC server registers the health service")
            else:
                out.report(
                    server["line"],
                    f"gRPC server ({server['name']}) does not register the gRPC health service "
                    "(grpc.health.v1.Health)",
                    path=path,
                )

    def _consistency(
        self,
        path: str,
        line: int,
        what: str,
        probe_paths: list[str],
        served: list[str],
        app_names: list[str],
        out: Emitter,
    ) -> bool:
        """Report probe paths the app does not serve; True when all are served."""
        if not served:
            return True
        ok = True
        for probe in probe_paths:
            if not serves(served, probe):
                ok = False
                owner = app_names[0] if len(app_names) == 1 else "any app found"
                out.report(line, f"{what} path {probe} is not a route of {owner}", path=path)
        return ok

    def _dockerfiles(
        self,
        docker: dict[str, dict[str, Any]],
        served: list[str],
        app_names: list[str],
        out: Emitter,
    ) -> None:
        if not self.params.dockerfile_healthcheck:
            return
        for path, fact in sorted(docker.items()):
            health = fact["healthcheck"]
            if health is None:
                out.report(
                    fact["line"],
                    "the final stage of this Dockerfile has no HEALTHCHECK; add e.g. "
                    "`HEALTHCHECK CMD curl -fsS http://localhost:8000/healthz || exit 1`",
                    path=path,
                )
            elif health["none"]:
                out.report(
                    health["line"],
                    "HEALTHCHECK NONE disables the image's health check; declare a real one",
                    path=path,
                )
            elif self._consistency(
                path, health["line"], "HEALTHCHECK", health["paths"], served, app_names, out
            ):
                shown = ", ".join(health["paths"]) or "command"
                out.evidence(f"{path}:{health['line']}: HEALTHCHECK ({shown})")

    def _compose(
        self,
        services: list[tuple[str, dict[str, Any]]],
        docker: dict[str, dict[str, Any]],
        served: list[str],
        app_names: list[str],
        out: Emitter,
    ) -> None:
        if not self.params.compose_healthcheck:
            return
        for path, svc in services:
            check = svc["healthcheck"]
            name = svc["service"]
            if check is None:
                image = docker.get(svc["dockerfile"] or "")
                inherited = image["healthcheck"] if image else None
                if inherited and not inherited["none"]:
                    out.evidence(
                        f"{path}:{svc['line']}: service {name} inherits the HEALTHCHECK of "
                        f"{svc['dockerfile']}"
                    )
                    continue
                out.report(
                    svc["line"],
                    f"compose service `{name}` has no healthcheck: (nor a HEALTHCHECK in its "
                    "image's Dockerfile)",
                    path=path,
                )
            elif check["none"]:
                out.report(
                    check["line"],
                    f"compose service `{name}` disables its healthcheck",
                    path=path,
                )
            elif self._consistency(
                path,
                check["line"],
                f"service {name} healthcheck",
                check["paths"],
                served,
                app_names,
                out,
            ):
                out.evidence(f"{path}:{check['line']}: compose service {name} healthcheck")

    def _k8s(
        self,
        repo: RepoIndex,
        workloads: list[tuple[str, dict[str, Any]]],
        served: list[str],
        app_names: list[str],
        out: Emitter,
    ) -> None:
        wanted = ["livenessProbe", "readinessProbe"]
        if self.params.require_startup_probe:
            wanted.append("startupProbe")

        def kustomized(path: str) -> bool:
            folder = PurePosixPath(path).parent
            return any(repo.has(str(folder / name).removeprefix("./")) for name in KUSTOMIZATIONS)

        # probes that kustomize overlays/patches add to a base workload
        patched: dict[tuple[str, str, str], dict[str, tuple[str, dict[str, Any]]]] = defaultdict(
            dict
        )
        for path, wl in workloads:
            for c in wl["containers"]:
                for probe in wanted:
                    if c.get(probe):
                        patched[(wl["workload"], wl["name"], c["name"])].setdefault(
                            probe, (path, c[probe])
                        )
        for path, wl in workloads:
            label = f"{wl['workload']} {wl['name']}"
            for c in wl["containers"]:
                if not c.get("image", True) and kustomized(path):
                    continue  # a patch fragment: it only adds to the base container
                missing = []
                for probe in wanted:
                    if c.get(probe):
                        continue
                    elsewhere = patched[(wl["workload"], wl["name"], c["name"])].get(probe)
                    if elsewhere and (kustomized(path) or kustomized(elsewhere[0])):
                        out.evidence(
                            f"{label}/{c['name']}: {probe} from {elsewhere[0]} (kustomize)"
                        )
                        continue
                    missing.append(probe)
                if missing:
                    out.report(
                        c["line"],
                        f"{label}: container `{c['name']}` has no {' and no '.join(missing)}",
                        path=path,
                    )
                shown = []
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    spec = c.get(probe)
                    if not spec:
                        continue
                    paths = [spec["path"]] if spec["type"] == "httpGet" and spec["path"] else []
                    if self._consistency(path, spec["line"], probe, paths, served, app_names, out):
                        shown.append(f"{probe} {spec['path'] or spec['type']}")
                if shown and not missing:
                    out.evidence(f"{path}:{c['line']}: {label}/{c['name']}: {', '.join(shown)}")
