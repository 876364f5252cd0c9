"""health-checks: every service exposes health in code, container and orchestrator.

File phase: one fact per app, route, gRPC server, Dockerfile final stage, compose service and
Kubernetes workload (with lines). Repo phase: decide whether the repository runs a service at
all, demand health at each layer it has, and check that the HTTP paths probes and HEALTHCHECKs
call are routes the code serves.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.containers.common import DEFAULT_IGNORE, Pending, emit_grouped
from charter.analyzers.containers.compose import (
    Stack,
    compose_stacks,
    development_tool_images,
    service_dev_reason,
    stack_dev_reason,
)
from charter.analyzers.containers.images import (
    Images,
    base_images,
    chain,
    copies,
    dev_command,
    dev_or_test_path,
    development_image,
    exposed,
    first,
    inherited,
    stage_index,
)
from charter.analyzers.containers.kustomize import (
    KUSTOMIZATIONS,
    Kustomizations,
    is_kustomization,
    kustomization_fact,
)
from charter.analyzers.health.go_programs import GoPrograms, go_file_fact
from charter.analyzers.health.manifests import (
    PAAS_JSON,
    PAAS_TOML,
    compose_facts,
    dockerfile_facts,
    is_compose_file,
    is_helm_template,
    k8s_facts,
    paas_config_facts,
    paas_yaml_facts,
    url_paths,
)
from charter.analyzers.health.native_apps import GO_GRPC, native_facts
from charter.analyzers.health.python_apps import python_facts
from charter.repo import RepoIndex
from charter.sources import SourceFile, compose_yaml

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
    "ROOT_URLCONF",
)


#: ``where-docker-runs``: only images a compose file of the repository runs; ``always``: every
#: image; ``off``: none
DockerfileHealthcheck = Literal["where-docker-runs", "always", "off"]


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
    #: which Dockerfiles must declare a HEALTHCHECK: ``where-docker-runs`` (those a compose
    #: file of the repository runs: HEALTHCHECK is read by Docker only), ``always`` (every
    #: judged Dockerfile) or ``off``; the old ``true``/``false`` mean ``always``/``off``
    dockerfile_healthcheck: DockerfileHealthcheck = "where-docker-runs"
    compose_healthcheck: bool = True
    #: also demand a startupProbe on every Kubernetes container
    require_startup_probe: bool = False

    @field_validator("dockerfile_healthcheck", mode="before")
    @classmethod
    def _old_boolean(cls, value: object) -> object:
        """The boolean this parameter was before it took a mode: ``true`` judged every
        Dockerfile (``always``), ``false`` none (``off``)."""
        if isinstance(value, bool):
            return "always" if value else "off"
        return value


def _normalize(path: str) -> str:
    path = path.split("?", 1)[0].strip() or "/"
    if not path.startswith("/"):
        path = "/" + path
    return path.rstrip("/") or "/"


#: the last segment of a route a probe fix may call: one made for probing
_PROBE_NAME = re.compile(r"health|live|ready|^_?ping$", re.I)

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
        {"python", "dockerfile", "yaml", "go", "typescript", "javascript", "toml", "json"}
    )

    # --- file phase ------------------------------------------------------------------------

    def applies_to(self, file: SourceFile) -> bool:
        if file.kind in {"toml", "json"}:
            # only the platform files that check a service's health (fly.toml, railway.toml)
            name = PurePosixPath(file.path).name
            if name not in PAAS_TOML | PAAS_JSON:
                return False
        return file.kind in self.kinds and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        text = file.text or ""
        if file.kind in {"toml", "json"}:
            data = file.toml if file.kind == "toml" else file.json
            for fact in paas_config_facts(file.path, data, text):
                out.fact(fact)
            return
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
            if file.kind == "go" and (program := go_file_fact(file)) is not None:
                out.fact(program)
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
        if not compose and ("dockerfile_path" in text or "healthCheckPath" in text):
            for fact in paas_yaml_facts(file.path, file.yaml_nodes or []):
                out.fact(fact)
        kustomization = PurePosixPath(file.path).name in KUSTOMIZATIONS or "Kustomization" in text
        if not compose and not kustomization and "containers" not in text:
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
            return
        for doc in nodes:
            if is_kustomization(file.path, doc) and isinstance(doc, yaml.MappingNode):
                out.fact(kustomization_fact(doc))
        for fact in k8s_facts(nodes):
            # a fix edits plain YAML only, never a template rendered before it is applied
            fact["plain"] = "{{" not in text and "{%" not in text
            out.fact(fact)

    # --- repo phase ------------------------------------------------------------------------

    def _is_health(self, route: str) -> bool:
        """``/healthz``, ``/api/v1/healthz`` and ``/_healthz`` are health routes; a route with a
        path parameter (``/<uuid>/status``, ``/jobs/{id}/health``) is the status of one resource
        the caller names, not the service's health."""
        if _PARAM.search(_normalize(route)):
            return False
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
        # a Django project has one app however many URLconfs it has: the one its settings
        # name in ROOT_URLCONF, else the outermost
        roots = {f["root_urlconf"] for _, f in code if f.get("root_urlconf")}

        def rank(path: str, app: dict[str, Any]) -> tuple[int, int, str]:
            module = str(app["name"]).removesuffix(".urlpatterns")
            named = any(module == r or module.endswith(f".{r}") for r in roots)
            return (0 if named else 1, path.count("/"), path)

        outermost: dict[str, tuple[str, tuple[int, int, str]]] = {}
        for app_path, app_scope, app in apps:
            if app["framework"] == "django":
                key = rank(app_path, app)
                best = outermost.get(app_scope)
                if best is None or key < best[1]:
                    outermost[app_scope] = (app_path, key)
        apps = [(p, s, a) for p, s, a in apps if a["framework"] != "django" or outermost[s][0] == p]
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
        served = [r["path"] for rs in routes.values() for _, r in rs]
        app_names = sorted({a["name"] for p, s, a in apps if s.startswith("python@")}) or sorted(
            {f"{a['name']} ({p})" for p, _, a in apps}
        )
        docker = {p: f for p, f in by_kind["dockerfile"]}
        stacks = compose_stacks(by_kind["compose"])
        tools = development_tool_images(repo, stacks, docker)
        built = [
            (svc["image"], svc["dockerfile"])
            for _, services in stacks
            for _, svc in services
            if svc["build"] and svc["image"] and svc["dockerfile"]
        ]
        contexts = [
            (svc["dockerfile"], svc["context"])
            for _, services in stacks
            for _, svc in services
            if svc["build"] and svc["dockerfile"] and svc.get("context")
        ]
        images = Images(repo, docker, built, contexts)
        kz = Kustomizations({p: f for p, f in by_kind["Kustomization"]})
        workloads = list(by_kind["k8s"])
        probed = _probed(stacks, docker, images, workloads, kz, by_kind["paas"])
        checked = _own_checks(repo, docker, stacks)
        programs = GoPrograms(repo, by_kind["go-file"])
        doors = self._code(apps, grpc, routes, health_langs, checked, programs, out)
        servers = sorted({p for p, _, _ in apps} | {p for p, _, _ in grpc})
        # where the code exposes its health: health routes, gRPC health services (by file)
        exposes = [(p, r["path"], r["line"]) for rs in routes.values() for p, r in rs]
        # the plainest first: a route named for health, liveness or readiness before /status
        exposes = sorted(
            (e for e in exposes if self._is_health(e[1])),
            key=lambda e: not re.search(r"health|live|ready", e[1], re.I),
        )
        exposes += [(p, "the gRPC health service", 0) for p, f in code if f["grpc_health"]]
        exposes += [
            (p, "the gRPC health service", g["line"]) for p, _, g in grpc if g.get("registers")
        ]
        # images a compose service builds and publishes ports of: they serve, EXPOSE or not
        published = frozenset(
            {
                svc["dockerfile"]
                for _, services in stacks
                for _, svc in services
                if svc["build"] and svc["ports"] and svc["dockerfile"]
            }
        )
        serving = (servers, published)
        code_facts = (sorted(doors), exposes)
        runs = _docker_runs(stacks, docker, images)
        reported = self._dockerfiles(
            docker, images, tools, (probed, runs), serving, code_facts, served, app_names, out
        )
        self._compose(repo, stacks, docker, images, reported, (served, app_names), out)
        # the health routes a probe fix may call: named for probing (health, liveness,
        # readiness, ping; not `/status`, often a status page), declared in a file that
        # creates the app (a router's route may be mounted under a prefix elsewhere)
        fix_routes = [
            (p, r["path"])
            for p, f in code
            if f["apps"]
            for r in f["routes"]
            if self._is_health(r["path"])
            and not r.get("prefixed")
            and _PROBE_NAME.search(_normalize(r["path"]).rsplit("/", 1)[-1])
        ]
        # the ports each code file binds with a literal address (the last resort of a fix)
        bound = {p: f.get("ports") or [] for p, f in code}
        self._k8s(workloads, kz, images, served, app_names, out, (fix_routes, bound))

    @staticmethod
    def _checked_by(
        checks: list[tuple[str, list[str]]], found: list[tuple[str, dict[str, Any]]] | None
    ) -> str | None:
        """The first of the repository's own health checks of a project that checks its app:
        one that calls a route of the app, or one whose command calls no URL that can be read
        (a script, a non-HTTP check). A check that only calls paths the app does not serve is
        broken (reported at the check), not a health check of the app."""
        routes = [r["path"] for _, r in found or []]
        for where, paths in checks:
            if not paths or not routes or any(serves(routes, p) for p in paths):
                return where
        return None

    def _code(
        self,
        apps: list[tuple[str, str, dict[str, Any]]],
        grpc: list[tuple[str, str, dict[str, Any]]],
        routes: dict[str, list[tuple[str, dict[str, Any]]]],
        health_langs: set[str],
        checked: dict[str, list[tuple[str, list[str]]]],
        programs: GoPrograms,
        out: Emitter,
    ) -> set[str]:
        """Judge each app and gRPC server; the files of the service's front doors (apps that
        are not a Prometheus exporter, a local control socket or an auxiliary endpoint, and
        gRPC servers) are returned."""
        healthy = {
            lang: [(p, r) for p, r in found if self._is_health(r["path"])]
            for lang, found in routes.items()
        }
        # not the service's front door: a local control socket, or an auxiliary endpoint (MCP
        # tools, metrics only) beside another server of the same program
        front: list[tuple[str, str, dict[str, Any]]] = []
        for path, lang, app in apps:
            why = app.get("local")
            if not why and app.get("exporter"):
                why = (
                    "a Prometheus exporter (it serves metrics and at most a landing page /): "
                    "the scrape of its metrics is its health check (Prometheus records `up`), "
                    "and an HTTP probe can call /"
                )
            others = [(p, a) for p, s, a in apps if s == lang and not a.get("role")]
            if not why and app.get("role") and others:
                where, other = others[0]
                why = f"{app['role']} beside {other['name']} ({where}:{other['line']})"
            if why:
                out.evidence(f"{path}:{app['line']}: {app['name']} not judged, {why}")
            else:
                front.append((path, lang, app))
        apps = front
        doors = {p for p, _, _ in front} | {p for p, _, _ in grpc}
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
            check = self._checked_by(checked.get(lang.split("@", 1)[1], []), routes.get(lang))
            if check:
                out.evidence(f"{path}:{app['line']}: {app['name']} is health-checked by {check}")
                continue
            out.report(
                app["line"],
                f"{app['name']} ({app['framework']}) serves no health route; add one such as "
                "GET /healthz (liveness) and GET /readyz (readiness)",
                path=path,
            )
        go_health = [
            (p, r) for lang, found in healthy.items() if lang.startswith("go@") for p, r in found
        ]
        for path, lang, server in grpc:
            beside = [r for p, r in healthy.get(lang) or [] if p == path]
            program = None
            if lang.startswith("go@"):
                program = next(
                    (
                        (main, p, r)
                        for p, r in go_health
                        if (main := programs.shared(path, p)) is not None
                    ),
                    None,
                )
            if server.get("registers"):
                out.evidence(
                    f"{path}:{server['line']}: {server['name']} of {server['package']} registers "
                    "the gRPC health service itself"
                )
            elif server.get("unknown"):
                out.evidence(
                    f"{path}:{server['line']}: {server['name']} of {server['package']} not "
                    f"judged: not {GO_GRPC}'s server, its health service is that package's"
                )
            elif lang in health_langs:
                out.evidence(f"{path}:{server['line']}: gRPC server registers the health service")
            elif server.get("on_http_mux") and beside:
                out.evidence(
                    f"{path}:{server['line']}: gRPC server served on the HTTP mux of health "
                    f"route {beside[0]['path']} (line {beside[0]['line']}): one port, one check"
                )
            elif program is not None:
                main, where, route = program
                out.evidence(
                    f"{path}:{server['line']}: gRPC server runs in the same program "
                    f"({main or '.'}) as the health route {route['path']} ({where}:"
                    f"{route['line']}): the probe of that route checks the process"
                )
            else:
                out.report(
                    server["line"],
                    f"gRPC server ({server['name']}) does not register the gRPC health service "
                    "(grpc.health.v1.Health)",
                    path=path,
                )
        return doors

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

    @staticmethod
    def _serves(repo: RepoIndex, path: str, serving: tuple[list[str], frozenset[str]]) -> bool:
        """Whether the image of the Dockerfile at ``path`` serves: one of the code files that
        create a web or gRPC server lies in its project (the folder of its nearest project
        file), or a compose service that builds it publishes ports (``published``)."""
        servers, published = serving
        project = project_of(repo, path)
        return path in published or any(not project or s.startswith(f"{project}/") for s in servers)

    @staticmethod
    def _roles(images: Images, path: str) -> tuple[str, list[str]] | None:
        """The dispatcher entrypoint script of the Dockerfile's final stage and its roles."""
        entrypoint = first(chain(images.dockerfiles[path]["stages"]), "entrypoint")
        return _dispatcher(images.repo, entrypoint["text"]) if entrypoint else None

    def _dockerfiles(
        self,
        docker: dict[str, dict[str, Any]],
        images: Images,
        tools: dict[str, str],
        where_run: tuple[dict[str, str], dict[str, list[tuple[str, dict[str, Any]]]]],
        serving: tuple[list[str], frozenset[str]],
        code_facts: tuple[list[str], list[tuple[str, str, int]]],
        served: list[str],
        app_names: list[str],
        out: Emitter,
    ) -> dict[str, str]:
        """The final stage of each Dockerfile has a HEALTHCHECK, its own or inherited. Not
        judged: development and test images, base images other Dockerfiles build FROM, images
        that run the program of a base image built elsewhere (its health check is the
        vendor's), shell-less images (scratch, distroless) that cannot run a health command,
        images that do not serve (no ``EXPOSE``, no compose service publishing their ports, no
        server in the code of their project: ``serving``), and images whose health the
        repository already has checked, or cannot check with HEALTHCHECK, where they run
        (``probed``: a compose healthcheck, Kubernetes, which ignores HEALTHCHECK, a platform's
        health check). Nor are images whose project's code already exposes its health (a
        health route or the gRPC health service: whoever runs the image probes it there, and
        an app without one is reported in the code), or whose project's code serves nothing
        but a Prometheus exporter, a local control socket or an auxiliary endpoint (the scrape
        is the health check). A Dockerfile built FROM an image of this repository that lacks
        one as well is a related place of that image's finding, not a finding of its own.

        With ``dockerfile_healthcheck: where-docker-runs`` (the default) an image is judged only
        where a compose file of the repository runs it (``runs``: it builds its final stage or
        runs this repository's image by name, test and CI files aside): HEALTHCHECK is read by
        Docker alone (Engine, Compose, Swarm), and Kubernetes, ECS, Cloud Run and Nomad probe
        with their own configuration, which is why hadolint leaves DL3057 off by default.
        The compose services that run a reported image are related places of its finding.
        Returns each Dockerfile whose gap was reported (the image, its copies and the images
        built FROM it) with the Dockerfile it was reported at."""
        probed, runs = where_run
        doors, exposes = code_facts
        repo = images.repo
        if self.params.dockerfile_healthcheck == "off":
            return {}
        bases = base_images(images)
        reported: dict[str, str] = {}
        missing: dict[str, int] = {}
        inheriting: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for path, fact in sorted(docker.items()):
            final = fact["stages"][-1]
            why = development_image(path, fact) or tools.get(path)
            if why is None and path in bases:
                why = "a base image the other Dockerfiles of this repository build FROM"
            if why:
                out.evidence(f"{path}: not judged, {why}")
                continue
            got = inherited(images, path, "healthcheck")
            if got.kind == "set":
                health = got.value
                if health["none"]:
                    where = health["line"] if got.where == path else final["line"]
                    inherited_from = "" if got.where == path else f" (inherited from {got.where})"
                    services = [
                        (w, svc["line"]) for w, svc in runs.get(path, []) if not svc["healthcheck"]
                    ]
                    out.report(
                        where,
                        f"HEALTHCHECK NONE disables the image's health check{inherited_from}; "
                        "declare a real one",
                        path=path,
                        related=tuple(dict.fromkeys(services)),
                    )
                    reported[path] = path
                elif got.where != path:
                    out.evidence(f"{path}: inherits the HEALTHCHECK of {got.where}")
                elif self._consistency(
                    path, health["line"], "HEALTHCHECK", health["paths"], served, app_names, out
                ):
                    shown = ", ".join(health["paths"]) or "command"
                    out.evidence(f"{path}:{health['line']}: HEALTHCHECK ({shown})")
            elif got.kind == "skip":
                out.evidence(f"{path}: not judged, {got.reason}")
            elif got.kind == "parent":
                inheriting[got.where].append((path, final["line"]))
            elif got.shell_less:
                out.evidence(
                    f"{path}: not judged, its {got.base} image has no shell or HTTP client to "
                    "run a health command (its orchestrator's probes check it)"
                )
            elif path in probed:
                out.evidence(f"{path}: no HEALTHCHECK, but its image is checked by {probed[path]}")
            elif (health := _in_project(repo, path, exposes)) is not None:
                where, route, line = health
                shown = f"{where}:{line}" if line else where
                out.evidence(
                    f"{path}: not judged, the code of its project exposes its health ({route} "
                    f"at {shown}): the orchestrator that runs the image probes it there "
                    "(Kubernetes and the OCI image format ignore HEALTHCHECK)"
                )
            elif (
                self._serves(repo, path, (serving[0], frozenset()))
                and _in_project(repo, path, [(d, "", 0) for d in doors]) is None
            ):
                out.evidence(
                    f"{path}: not judged, the servers in the code of its project are a "
                    "Prometheus exporter, a local control socket or auxiliary endpoints, none "
                    "its front door: the scrape of its metrics is its health check"
                )
            elif (roles := self._roles(images, path)) is not None:
                script, names = roles
                out.evidence(
                    f"{path}: not judged, its entrypoint {script} runs the program its command "
                    f"names ({', '.join(names[:6])}): one HEALTHCHECK cannot fit every role; "
                    "each is judged where it runs (compose services, Kubernetes containers)"
                )
            elif not exposed(images, path) and not self._serves(images.repo, path, serving):
                project = project_of(images.repo, path) or "the repository root"
                out.evidence(
                    f"{path}: not judged, it declares no port (EXPOSE), no compose service "
                    f"publishes one, and its project ({project}) has no web or gRPC server in "
                    "code: a command-line tool, a job or a worker, nothing for a HEALTHCHECK "
                    "to probe"
                )
            else:
                missing[path] = final["line"]
        duplicates = copies(docker, missing)
        for copy in (c for group in duplicates.values() for c in group):
            del missing[copy]
        for path, line in missing.items():
            children = inheriting.pop(path, [])
            twins = [(c, docker[c]["stages"][-1]["line"]) for c in duplicates.get(path, [])]
            for twin, _ in twins:
                children.extend(inheriting.pop(twin, []))
            group = [path, *(t for t, _ in twins), *(c for c, _ in children)]
            running = [(where, svc) for g in group for where, svc in runs.get(g, [])]
            if not running and self.params.dockerfile_healthcheck == "where-docker-runs":
                others = f" (nor do {', '.join(group[1:])})" if group[1:] else ""
                out.evidence(
                    f"{path}: no HEALTHCHECK, not judged: no compose file of this repository "
                    f"runs its image{others} (test and CI files, and services that run a "
                    "development server instead of its program, aside), and HEALTHCHECK is read "
                    "only by Docker (Engine, Compose, Swarm); whoever deploys it elsewhere "
                    "(Kubernetes, ECS, Cloud Run, Nomad) probes it with their own configuration"
                )
                continue
            if running:
                shown = ", ".join(f"`{svc['service']}` ({w}:{svc['line']})" for w, svc in running)
                out.evidence(f"{path}: run by compose ({shown}), where Docker reads HEALTHCHECK")
            message = (
                "the final stage of this Dockerfile has no HEALTHCHECK; add e.g. "
                "`HEALTHCHECK CMD curl -fsS http://localhost:8000/healthz || exit 1`"
            )
            if twins:
                message += (
                    f"; so do its copies in this folder (same base and command): {_places(twins)}"
                )
            if children:
                message += "; the images built FROM it inherit the gap: " + _places(children)
            # the services that rely on the image's check (one that disables its own is a
            # finding of its own)
            services = list(
                dict.fromkeys((w, svc["line"]) for w, svc in running if not svc["healthcheck"])
            )
            out.report(line, message, path=path, related=(*twins, *children, *services))
            reported.update(dict.fromkeys(group, path))
        for parent, children in inheriting.items():
            for path, _ in children:
                out.evidence(f"{path}: built FROM the image of {parent}, judged there")
        return reported

    def _compose(
        self,
        repo: RepoIndex,
        stacks: list[Stack],
        docker: dict[str, dict[str, Any]],
        images: Images,
        reported: dict[str, str],
        routes: tuple[list[str], list[str]],
        out: Emitter,
    ) -> None:
        """Each service a compose stack builds here and publishes or exposes ports has a
        healthcheck (or its image's). Not judged: development, test and CI stacks (by name,
        or a service runs the source mounted from the repository), services that run an
        image built elsewhere (``image:`` without ``build:``: that image's own health check
        applies), services that build a development stage or image. A service that builds
        the final stage of a Dockerfile whose missing HEALTHCHECK is reported (``reported``)
        is a related place of that finding: one gap, one finding, at the Dockerfile whose
        HEALTHCHECK covers every service and ``docker run`` of the image."""
        if not self.params.compose_healthcheck:
            return
        served, app_names = routes
        for stack in stacks:
            files, services = stack
            label = " + ".join(files)
            why = stack_dev_reason(repo, stack, docker)
            if why:
                out.evidence(f"{label}: not judged, {why}")
                continue
            missing: dict[tuple[str, int], list[tuple[str, dict[str, Any]]]] = defaultdict(list)
            for path, svc in services:
                if not svc["ports"]:
                    continue  # a job or a worker: nothing to probe
                if svc["build"]:
                    if self._compose_service(path, svc, docker, images, served, app_names, out):
                        model = docker.get(svc["dockerfile"] or "")
                        at = reported.get(svc["dockerfile"] or "")
                        if (
                            model
                            and at
                            and stage_index(model["stages"], svc["target"])
                            == len(model["stages"]) - 1
                        ):
                            out.evidence(
                                f"{path}:{svc['line']}: service {svc['service']} has no "
                                f"healthcheck: reported once, at {at} (a HEALTHCHECK there "
                                "covers every service that runs the image)"
                            )
                            continue
                        key = (path, svc.get("template") or -svc["line"])
                        missing[key].append((path, svc))
                elif svc["healthcheck"] and images.owner(svc["image"] or "$") is not None:
                    # this repository's image run from a registry: its HEALTHCHECK is judged
                    # in its Dockerfile, the paths the service's own check calls here
                    self._compose_check(svc, served, app_names, out)
            for group in missing.values():
                (path, svc), others = group[0], group[1:]
                message = (
                    f"compose service `{svc['service']}` has no healthcheck: (nor a HEALTHCHECK "
                    "in its image's Dockerfile)"
                )
                if others:
                    names = ", ".join(f"`{o['service']}`" for _, o in others)
                    message += (
                        f"; nor do {names}, defined from the same template "
                        f"(line {svc['template']}): add it there"
                    )
                out.report(
                    svc["line"],
                    message,
                    path=path,
                    related=tuple((p, o["line"]) for p, o in others),
                )

    def _compose_service(
        self,
        path: str,
        svc: dict[str, Any],
        docker: dict[str, dict[str, Any]],
        images: Images,
        served: list[str],
        app_names: list[str],
        out: Emitter,
    ) -> bool:
        """Judge one service that builds its image; True when it has no health check at all
        (the caller reports it, once for the services of one shared definition)."""
        name = svc["service"]
        dockerfile = svc["dockerfile"] or ""
        model = docker.get(dockerfile)
        target = svc["target"]
        why = service_dev_reason(svc, docker)
        if why:
            out.evidence(f"{path}:{svc['line']}: not judged, {why}")
            return False
        check = svc["healthcheck"]
        if check is None:
            if model is not None:
                index = stage_index(model["stages"], target)
                got = inherited(images, dockerfile, "healthcheck", index)
                if got.kind == "set" and not got.value["none"]:
                    out.evidence(
                        f"{path}:{svc['line']}: service {name} inherits the HEALTHCHECK of "
                        f"{got.where}"
                    )
                    return False
                if got.kind == "skip" or got.shell_less:
                    why = got.reason or f"its {got.base} image cannot run a health command"
                    out.evidence(f"{path}:{svc['line']}: service {name} not judged, {why}")
                    return False
            return True  # reported by the caller, once per shared definition
        self._compose_check(svc, served, app_names, out)
        return False

    def _compose_check(
        self, svc: dict[str, Any], served: list[str], app_names: list[str], out: Emitter
    ) -> None:
        check, name = svc["healthcheck"], svc["service"]
        if check["none"]:
            out.report(
                check["line"],
                f"compose service `{name}` disables its healthcheck",
                path=check["file"],
            )
        elif self._consistency(
            check["file"],
            check["line"],
            f"service {name} healthcheck",
            check["paths"],
            served,
            app_names,
            out,
        ):
            out.evidence(f"{check['file']}:{check['line']}: compose service {name} healthcheck")

    def _k8s(
        self,
        workloads: list[tuple[str, dict[str, Any]]],
        kz: Kustomizations,
        images: Images,
        served: list[str],
        app_names: list[str],
        out: Emitter,
        fix_facts: tuple[Sequence[tuple[str, str]], dict[str, list[int]]] = ((), {}),
    ) -> None:
        wanted = ["livenessProbe", "readinessProbe"]
        if self.params.require_startup_probe:
            wanted.append("startupProbe")

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
        pending: list[Pending] = []
        for path, wl in workloads:
            label = f"{wl['workload']} {wl['name']}"
            why = kz.dev_only(path)
            if why:
                out.evidence(f"{path}: {label} not judged, {why}")
                continue
            if path in kz.patches:
                continue  # a patch: it adds to the workload it patches
            for c in wl["containers"]:
                if not c.get("image", True) and kz.kustomized(path):
                    continue  # a patch fragment: it only adds to the base container
                missing = []
                for probe in wanted:
                    if c.get(probe):
                        continue
                    elsewhere = patched[(wl["workload"], wl["name"], c["name"])].get(probe)
                    if elsewhere and (kz.kustomized(path) or kz.kustomized(elsewhere[0])):
                        out.evidence(
                            f"{label}/{c['name']}: {probe} from {elsewhere[0]} (kustomize)"
                        )
                        continue
                    missing.append(probe)
                key = (wl["workload"], wl["name"], c["name"])
                if missing:
                    pending.append(
                        Pending(
                            key,
                            path,
                            c["line"],
                            f"{label}: container `{c['name']}` has no {' and no '.join(missing)}",
                            _probe_fix(wl, c, missing, images, kz, fix_facts),
                        )
                    )
                shown = []
                vendor = images.third_party(c.get("image"))
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    spec = c.get(probe)
                    if not spec:
                        continue
                    paths = [spec["path"]] if spec["type"] == "httpGet" and spec["path"] else []
                    if vendor or not served:
                        shown.append(f"{probe} {spec['path'] or spec['type']}")
                        continue
                    bad = [p for p in paths if not serves(served, p)]
                    for probe_path in bad:
                        owner = app_names[0] if len(app_names) == 1 else "any app found"
                        pending.append(
                            Pending(
                                key,
                                path,
                                spec["line"],
                                f"{probe} path {probe_path} is not a route of {owner}",
                            )
                        )
                    if not bad:
                        shown.append(f"{probe} {spec['path'] or spec['type']}")
                if vendor and shown:
                    shown.append(f"probe paths of {c['image']} (built elsewhere) not checked")
                if shown and not missing:
                    out.evidence(f"{path}:{c['line']}: {label}/{c['name']}: {', '.join(shown)}")
        emit_grouped(pending, out)


def _port(container: dict[str, Any], images: Images, owner: str, bound: list[int]) -> str | None:
    """The port a probe of ``container`` calls: its one declared ``containerPort`` (or its one
    named ``http``), else the one port its image's Dockerfile EXPOSEs, else the one port the
    app's file binds with a literal address (``bound``); None when unknown or ambiguous."""
    ports = container.get("ports") or []
    if len(ports) == 1:
        return str(ports[0][0])
    named = [number for number, name in ports if name == "http"]
    if ports:
        return str(named[0]) if len(named) == 1 else None
    if owner and owner in images.dockerfiles:
        declared = {m.group(1) for p in exposed(images, owner) if (m := re.match(r"(\d+)", p))}
        if declared:
            return declared.pop() if len(declared) == 1 else None
    return str(bound[0]) if len(bound) == 1 else None


def _probe_fix(
    workload: dict[str, Any],
    container: dict[str, Any],
    missing: list[str],
    images: Images,
    kz: Kustomizations,
    fix_facts: tuple[Sequence[tuple[str, str]], dict[str, list[int]]],
) -> tuple[tuple[str, str], ...] | None:
    """What the fix that adds a container's missing probes writes: an ``httpGet`` of the
    app's own health route on the container's port. Only for a block mapping in plain YAML
    (not a template), a container running an image this repository builds (a Dockerfile of
    it), whose project has exactly one app file with health routes, and a known port; None
    otherwise (no fix offered). ``fix_facts``: the routes a fix may call, by file, and the
    ports each code file binds."""
    fix_routes, bound = fix_facts
    if not workload.get("plain") or not container.get("block") or "startupProbe" in missing:
        return None
    owner = next(
        (o for name in kz.image_names(container.get("image")) if (o := images.owner(name))),
        None,
    )
    if owner is None:
        return None
    if owner:
        project = project_of(images.repo, owner)
        fix_routes = [(p, r) for p, r in fix_routes if not project or p.startswith(f"{project}/")]
    if len({p for p, _ in fix_routes}) != 1:
        return None  # no health route, or the routes of several apps: which one runs here?
    port = _port(container, images, owner, bound.get(fix_routes[0][0], []))
    if port is None:
        return None
    paths = [_normalize(r) for _, r in fix_routes]
    live = next((r for r in paths if re.search(r"live|health|ping", r, re.I)), paths[0])
    ready = next((r for r in paths if re.search(r"ready", r, re.I)), live)
    chosen = {"livenessProbe": live, "readinessProbe": ready}
    return (
        *((probe, chosen[probe]) for probe in missing),
        ("port", port),
        ("indent", str(container.get("indent", 0))),
        ("name", str(container.get("name"))),
        ("image", str(container.get("image"))),
    )


def _probed(
    stacks: list[Stack],
    docker: dict[str, dict[str, Any]],
    images: Images,
    workloads: list[tuple[str, dict[str, Any]]],
    kz: Kustomizations,
    paas: list[tuple[str, dict[str, Any]]],
) -> dict[str, str]:
    """Dockerfile -> where the repository already has the health of its image checked: a
    compose service that builds it (its final stage) or runs its image with a healthcheck
    (test and CI compose files aside), a Kubernetes container that runs its image (with a
    liveness or readiness probe, or without: Kubernetes ignores HEALTHCHECK, the container's
    probes are what count and are judged there), a platform spec that builds
    it and checks its health (DigitalOcean App Platform, Render, Fly.io, Railway)."""
    out: dict[str, str] = {}

    def credit(dockerfile: str | None, where: str) -> None:
        if dockerfile and dockerfile in docker:
            out.setdefault(dockerfile, where)

    for files, services in stacks:
        if any(dev_or_test_path(f) == "test/CI" for f in files):
            continue
        for _, svc in services:
            check = svc["healthcheck"]
            if check is None or check["none"]:
                continue
            where = f"the healthcheck of compose service `{svc['service']}` ({check['file']}:"
            where += f"{check['line']})"
            if svc["build"]:
                model = docker.get(svc["dockerfile"] or "")
                stages = model["stages"] if model else []
                if stages and stage_index(stages, svc["target"]) == len(stages) - 1:
                    credit(svc["dockerfile"], where)
            elif svc["image"]:
                credit(images.owner(svc["image"]), where)
    for path, wl in workloads:
        for c in wl["containers"]:
            probes = [p for p in ("livenessProbe", "readinessProbe") if c.get(p)]
            if probes:
                where = f"the {' and '.join(probes)} of {wl['workload']} {wl['name']} "
            else:
                where = f"Kubernetes, which ignores HEALTHCHECK: {wl['workload']} {wl['name']} "
                where += "runs it, and its container's probes are judged there "
            where += f"({path}:{c['line']})"
            for name in kz.image_names(c.get("image")):
                credit(images.owner(name), where)
    for _, fact in paas:
        for dockerfile in fact["dockerfiles"]:
            credit(dockerfile, f"the {fact['what']} ({fact['where']})")
    return out


def _docker_runs(
    stacks: list[Stack], docker: dict[str, dict[str, Any]], images: Images
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Dockerfile -> the compose services that run its image, where Docker reads its
    HEALTHCHECK: a service that builds it (its final stage; a ``target:`` of another stage runs
    that stage) or runs this repository's image built from it by name (``image:`` without
    ``build:``). Every stack counts, development ones included (how the project tells people
    to run it), but test and CI compose files, whose services run a test suite, and services
    that replace the image's program with a development server (``command: python manage.py
    runserver``, ``--reload``, ``npm run dev``: the same commands that make an image a
    development one) or are named for development."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for files, services in stacks:
        if any(dev_or_test_path(f) == "test/CI" for f in files):
            continue
        for where, svc in services:
            if dev_command(svc.get("command") or "") or service_dev_reason(
                svc, docker, by_name=True
            ):
                continue
            if svc["build"]:
                dockerfile = svc["dockerfile"] or ""
                model = docker.get(dockerfile)
                stages = model["stages"] if model else []
                if stages and stage_index(stages, svc["target"]) == len(stages) - 1:
                    out[dockerfile].append((where, svc))
            elif svc["image"]:
                owner = images.owner(svc["image"])
                if owner and owner in docker:
                    out[owner].append((where, svc))
    return dict(out)


#: a health command that runs a script of the repository (``python scripts/healthcheck.py``)
_SCRIPT = re.compile(r"[\w./${}-]+\.(?:py|sh|js|mjs|cjs|ts)\b")


def _repo_file(repo: RepoIndex, token: str) -> str | None:
    """The file of this repository a path in a command names (``$HOME/app/scripts/check.py``,
    ``/app/bin/docker-entrypoint``; variables dropped): the path itself or the longest tail of
    it that is exactly one file."""
    parts = [p for p in re.sub(r"\$\{?\w+\}?", "", token).split("/") if p not in {"", "."}]
    for i in range(len(parts)):
        tail = "/".join(parts[i:])
        hits = [f for f in repo.files if f == tail or f.endswith("/" + tail)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None
    return None


def _script_paths(repo: RepoIndex, command: str) -> list[str]:
    """The URL paths the scripts a health command runs call (each script it names that is a
    file of this repository)."""
    found: list[str] = []
    for token in _SCRIPT.findall(command):
        script = _repo_file(repo, token)
        if script is not None:
            found.extend(url_paths(repo.source(script).text or ""))
    return found


#: a shell script that dispatches on its first argument, and the word labels of its branches
_DISPATCH = re.compile(r"\bcase\s+\"?\$\{?1\}?\"?\s+in\b(.*?)\besac\b", re.S)
_BRANCH = re.compile(r"^\s*\(?([A-Za-z][\w-]*(?:\s*\|\s*[A-Za-z][\w-]*)*)\s*\)", re.M)


def _dispatcher(repo: RepoIndex, entrypoint: str) -> tuple[str, list[str]] | None:
    """The entrypoint script of this repository an image runs, when it chooses the program by
    its first argument (``case "$1" in server) … worker) … scheduler) …``, three roles or
    more), with those roles."""
    tokens = re.findall(r"[^\s\"',\[\]]+", entrypoint)
    for token in tokens:
        if "/" not in token and "." not in token:
            continue
        script = _repo_file(repo, token)
        if script is None:
            continue
        match = _DISPATCH.search(repo.source(script).text or "")
        if match is None:
            return None
        roles = [w.strip() for b in _BRANCH.findall(match.group(1)) for w in b.split("|")]
        return (script, roles) if len(set(roles)) >= 3 else None
    return None


def _own_checks(
    repo: RepoIndex, docker: dict[str, dict[str, Any]], stacks: list[Stack]
) -> dict[str, list[tuple[str, list[str]]]]:
    """Project folder -> the health checks the repository declares for the images built from
    it, each with the URL paths it calls: the HEALTHCHECK of a Dockerfile that is not for
    development or tests, the healthcheck of a compose service that builds its image (test and
    CI stacks aside); the paths in its command, or in a script of the repository the command
    runs. The app of that project is health-checked through them (see ``_checked_by``)."""
    out: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    for path, fact in sorted(docker.items()):
        health = fact.get("healthcheck")
        if not health or health["none"] or development_image(path, fact):
            continue
        paths = health["paths"] or _script_paths(repo, health.get("command", ""))
        shown = f" ({', '.join(paths)})" if paths else ""
        where = f"the HEALTHCHECK at {path}:{health['line']}{shown}"
        out[project_of(repo, path)].append((where, paths))
    for files, services in stacks:
        if any(dev_or_test_path(f) for f in files):
            continue
        for _, svc in services:
            check = svc["healthcheck"]
            if not svc["build"] or not svc["dockerfile"] or check is None or check["none"]:
                continue
            paths = check["paths"]
            shown = f" ({', '.join(paths)})" if paths else ""
            where = f"the healthcheck of compose service `{svc['service']}` at "
            where += f"{check['file']}:{check['line']}{shown}"
            out[project_of(repo, svc["dockerfile"])].append((where, paths))
    return dict(out)


def _in_project(
    repo: RepoIndex, dockerfile: str, found: list[tuple[str, str, int]]
) -> tuple[str, str, int] | None:
    """The first of ``found`` (file, what, line) that lies in the project of ``dockerfile`` (the
    folder of its nearest project file; the whole repository for the root project)."""
    project = project_of(repo, dockerfile)
    for item in found:
        if not project or item[0].startswith(f"{project}/"):
            return item
    return None


def _places(places: list[tuple[str, int]]) -> str:
    return ", ".join(f"{p}:{n}" if n else p for p, n in places)
