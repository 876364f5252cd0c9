"""Health declarations in Dockerfiles, compose files and Kubernetes manifests, with lines."""

from __future__ import annotations

import posixpath
import re
from pathlib import PurePosixPath
from typing import Any

import yaml

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_URL_PATH = re.compile(
    r"(?:https?://[^/\s\"'`]+|\b(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):\d+)"
    r"(/[^\s\"'`|;&)\\]*)"
)


def url_paths(text: str) -> list[str]:
    """The paths of the HTTP URLs in a health command (``curl -f http://localhost/healthz``)."""
    return [m.group(1).split("?")[0] for m in _URL_PATH.finditer(text)]


# --- Dockerfile --------------------------------------------------------------------------------


def dockerfile_facts(instructions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The final stage of a Dockerfile and its effective HEALTHCHECK (inherited through
    ``FROM <earlier stage>``), with every stage (:func:`dockerfile_model`) for the repo phase."""
    from charter.analyzers.containers.images import chain, dockerfile_model, first

    model = dockerfile_model(instructions)
    if model is None:
        return None
    stages = model["stages"]
    return {
        "kind": "dockerfile",
        "line": stages[-1]["line"],
        "healthcheck": first(chain(stages), "healthcheck"),
        **model,
    }


# --- YAML helpers --------------------------------------------------------------------------------


def _merge_sources(node: Any) -> list[Any]:
    """The mappings a merge key (``<<: *anchor`` or ``<<: [*a, *b]``) of ``node`` brings in,
    in order (the first ``<<`` only, as YAML reads it)."""
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "<<":
            sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
            return [src for src in sources if src is not node]
    return []


def _entry(node: Any, key: str) -> tuple[Any, Any] | None:
    """The (key node, value node) pair of ``key`` in a mapping node, or None; keys merged in
    with ``<<:`` (YAML merge keys, as compose files use them) count when the mapping does not
    set the key."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    for source in _merge_sources(node):
        found = _entry(source, key)
        if found is not None:
            return found
    return None


def mget(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node, or None; through merge keys."""
    found = _entry(node, key)
    return found[1] if found is not None else None


def merged_from(node: Any, key: str) -> Any:
    """The mapping a merge key (``<<: *anchor``) brings ``key`` in from, or None when the
    mapping sets ``key`` itself or does not have it."""
    if not isinstance(node, yaml.MappingNode):
        return None
    if any(isinstance(k, yaml.ScalarNode) and k.value == key for k, _ in node.value):
        return None
    return next((src for src in _merge_sources(node) if _entry(src, key) is not None), None)


def mkeys(node: Any) -> list[str]:
    """The keys of a mapping node, merge keys (``<<:``) expanded."""
    out: list[str] = []
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value != "<<":
                out.append(str(k.value))
        for source in _merge_sources(node):
            out.extend(mkeys(source))
    return list(dict.fromkeys(out))


def mkey(node: Any, key: str) -> Any:
    """The key node of ``key`` in a mapping node (for its line), or None; through merge keys
    like :func:`mget`."""
    found = _entry(node, key)
    return found[0] if found is not None else None


def scalar(node: Any) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def dig(node: Any, *keys: str) -> Any:
    for key in keys:
        node = mget(node, key)
        if node is None:
            return None
    return node


def line_of(node: Any) -> int:
    return int(node.start_mark.line) + 1


# --- Kubernetes ----------------------------------------------------------------------------------


def _probe(container: Any, name: str) -> dict[str, Any] | None:
    node = mget(container, name)
    if not isinstance(node, yaml.MappingNode):
        return None
    kind = next(
        (k for k in ("httpGet", "tcpSocket", "exec", "grpc") if mget(node, k) is not None), "?"
    )
    return {
        "line": line_of(mkey(container, name)),
        "type": kind,
        "path": scalar(dig(node, "httpGet", "path")),
    }


def workloads(doc: Any) -> list[Any]:
    kind = scalar(mget(doc, "kind"))
    if kind == "List" or (kind or "").endswith("List"):
        items = mget(doc, "items")
        if isinstance(items, yaml.SequenceNode):
            return [w for item in items.value for w in workloads(item)]
        return []
    if kind not in WORKLOAD_KINDS or scalar(mget(doc, "$patch")) == "delete":
        return []  # a kustomize patch that deletes the workload declares no containers
    if not is_manifest(doc):
        return []  # a Helm values file with a top-level `kind:` setting, not a manifest
    return [doc]


def is_manifest(doc: Any) -> bool:
    """A Kubernetes object: ``apiVersion``, ``kind`` and a ``metadata`` mapping."""
    return (
        scalar(mget(doc, "apiVersion")) is not None
        and scalar(mget(doc, "kind")) is not None
        and isinstance(mget(doc, "metadata"), yaml.MappingNode)
    )


def _ports(container: Any) -> list[list[Any]]:
    """The ``[containerPort, name]`` pairs a container declares (name None when unnamed)."""
    ports = mget(container, "ports")
    out: list[list[Any]] = []
    for entry in ports.value if isinstance(ports, yaml.SequenceNode) else []:
        number = scalar(mget(entry, "containerPort"))
        if number is not None and number.isdigit():
            out.append([int(number), scalar(mget(entry, "name"))])
    return out


def k8s_facts(documents: list[Any]) -> list[dict[str, Any]]:
    """Every Deployment/StatefulSet/DaemonSet (also inside Lists) with its containers' probes."""
    out: list[dict[str, Any]] = []
    for doc in documents:
        for workload in workloads(doc):
            kind = scalar(mget(workload, "kind")) or "?"
            name = scalar(dig(workload, "metadata", "name")) or "?"
            containers = dig(workload, "spec", "template", "spec", "containers")
            found = []
            if isinstance(containers, yaml.SequenceNode):
                for container in containers.value:
                    if not isinstance(container, yaml.MappingNode):
                        continue
                    found.append(
                        {
                            "name": scalar(mget(container, "name")) or "?",
                            "line": line_of(container),
                            # no image: a kustomize patch fragment, not a container of its own
                            "image": scalar(mget(container, "image")),
                            **{probe: _probe(container, probe) for probe in PROBES},
                            # what a fix that adds probes needs: the ports the container
                            # declares, and where its keys sit (a block mapping only)
                            "ports": _ports(container),
                            "block": not container.flow_style,
                            "indent": int(container.start_mark.column),
                        }
                    )
            out.append(
                {
                    "kind": "k8s",
                    "workload": kind,
                    "name": name,
                    "line": line_of(workload),
                    "containers": found,
                }
            )
    return out


def is_helm_template(path: str, text: str) -> bool:
    return "templates" in PurePosixPath(path).parts[:-1] and "{{" in text


def is_compose_file(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return "compose" in name and name.endswith((".yml", ".yaml"))


# --- compose -------------------------------------------------------------------------------------


def _command(node: Any) -> str:
    if isinstance(node, yaml.SequenceNode):
        return " ".join(str(n.value) for n in node.value if isinstance(n, yaml.ScalarNode))
    return scalar(node) or ""


def _mounts(folder: PurePosixPath, service: Any) -> list[str]:
    """The repository folders a service bind-mounts (relative host paths, normalized)."""
    out: list[str] = []
    volumes = mget(service, "volumes")
    for entry in getattr(volumes, "value", []) if isinstance(volumes, yaml.SequenceNode) else []:
        source = scalar(entry)
        if source is not None:
            source = source.split(":", 1)[0] if ":" in source else None
        else:
            kind = scalar(mget(entry, "type"))
            source = scalar(mget(entry, "source")) if kind in (None, "bind") else None
        if source and source.startswith("."):
            out.append(posixpath.normpath(posixpath.join(str(folder), source)))
    return out


def _template_line(service: Any) -> int | None:
    source = merged_from(service, "build")
    return line_of(source) if source is not None else None


def compose_facts(path: str, documents: list[Any]) -> list[dict[str, Any]]:
    """Every service of a compose file (merge keys ``<<:`` expanded): whether it builds an
    image here (the Dockerfile and ``target:`` stage) or runs one built elsewhere (``image:``
    only), whether it publishes or exposes ports (a one-shot job or a worker has neither), its
    healthcheck (``disable: true`` and ``test: ["NONE"]`` count as none), the repository
    folders it bind-mounts and its ``working_dir``. The repo phase merges a compose file with
    its override file before judging."""
    out: list[dict[str, Any]] = []
    folder = PurePosixPath(path).parent
    for doc in documents[:1]:
        services = mget(doc, "services")
        if not isinstance(services, yaml.MappingNode):
            continue
        for key, service in services.value:
            if not isinstance(service, yaml.MappingNode) or not isinstance(key, yaml.ScalarNode):
                continue
            build = mget(service, "build")
            dockerfile = target = context_path = None
            if build is not None:
                context = scalar(build) or scalar(mget(build, "context")) or "."
                name = scalar(mget(build, "dockerfile")) or "Dockerfile"
                target = scalar(mget(build, "target"))
                if "://" not in context and not context.startswith("git@"):
                    context_path = posixpath.normpath(posixpath.join(str(folder), context))
                    dockerfile = posixpath.normpath(posixpath.join(context_path, name))
            health = mget(service, "healthcheck")
            check: dict[str, Any] | None = None
            if isinstance(health, yaml.MappingNode):
                disabled = scalar(mget(health, "disable")) in {"true", "True", "yes"}
                test_text = _command(mget(health, "test"))
                check = {
                    "line": line_of(mkey(service, "healthcheck")),
                    "none": disabled or test_text.strip().upper() in {"NONE", '["NONE"]'},
                    "paths": url_paths(test_text),
                }
            out.append(
                {
                    "kind": "compose",
                    "service": str(key.value),
                    "line": line_of(key),
                    "build": build is not None,
                    "dockerfile": dockerfile,
                    "context": context_path,
                    "target": target,
                    "image": scalar(mget(service, "image")),
                    "ports": any(mget(service, k) is not None for k in ("ports", "expose")),
                    "healthcheck": check,
                    "mounts": _mounts(folder, service),
                    "working_dir": scalar(mget(service, "working_dir")),
                    "command": _command(mget(service, "command")),
                    # services built from one shared definition (``<<: *anchor``)
                    "template": _template_line(service),
                }
            )
    return out


# --- platforms (PaaS) that build a Dockerfile and check its health ------------------------------

#: the configuration files of platforms that build an image from a Dockerfile and probe it
PAAS_TOML = frozenset({"fly.toml", "railway.toml"})
PAAS_JSON = frozenset({"railway.json"})


def _repo_path(*parts: str) -> str:
    joined = posixpath.normpath(posixpath.join(*[p.lstrip("/") for p in parts if p]))
    return "" if joined == "." else joined


def paas_yaml_facts(path: str, documents: list[Any]) -> list[dict[str, Any]]:
    """A DigitalOcean App Platform spec (``services:`` entries with ``dockerfile_path`` and
    ``health_check``; also under ``spec:`` as ``.do/deploy.template.yaml`` has it) or a Render
    blueprint (``services:`` entries with ``runtime: docker`` and ``healthCheckPath``): each
    service that builds a Dockerfile and has the platform check its health."""
    out: list[dict[str, Any]] = []
    for doc in documents[:1]:
        services = mget(doc, "services")
        if services is None:
            services = dig(doc, "spec", "services")
        if not isinstance(services, yaml.SequenceNode):
            continue
        for svc in services.value:
            if not isinstance(svc, yaml.MappingNode):
                continue
            name = scalar(mget(svc, "name")) or "?"
            dockerfile = scalar(mget(svc, "dockerfile_path"))
            check = mget(svc, "health_check")
            if dockerfile and isinstance(check, yaml.MappingNode):
                probe = scalar(mget(check, "http_path")) or "its port"
                out.append(
                    {
                        "kind": "paas",
                        "where": f"{path}:{line_of(mkey(svc, 'health_check'))}",
                        "what": f"DigitalOcean App Platform health_check ({probe}) of {name}",
                        "dockerfiles": [_repo_path(dockerfile)],
                    }
                )
                continue
            runtime = scalar(mget(svc, "runtime")) or scalar(mget(svc, "env"))
            health = scalar(mget(svc, "healthCheckPath"))
            if runtime == "docker" and health:
                root = scalar(mget(svc, "rootDir")) or ""
                given = scalar(mget(svc, "dockerfilePath")) or "./Dockerfile"
                out.append(
                    {
                        "kind": "paas",
                        "where": f"{path}:{line_of(mkey(svc, 'healthCheckPath'))}",
                        "what": f"Render healthCheckPath ({health}) of {name}",
                        "dockerfiles": sorted({_repo_path(root, given), _repo_path(given)}),
                    }
                )
    return out


def _line_with(text: str, word: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if word in line and not line.lstrip().startswith("#"):
            return number
    return 1


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def paas_config_facts(path: str, data: Any, text: str) -> list[dict[str, Any]]:
    """``fly.toml`` with health checks (``[checks]``, ``[[services.http_checks]]``,
    ``[[services.tcp_checks]]``, ``[[http_service.checks]]``) that builds a Dockerfile (``[build]
    dockerfile``, by default the ``Dockerfile`` beside it; not with ``[build] image``), and
    Railway's ``railway.toml``/``railway.json`` with ``deploy.healthcheckPath``."""
    if not isinstance(data, dict):
        return []
    folder = str(PurePosixPath(path).parent)
    name = PurePosixPath(path).name
    build = _table(data, "build")
    if name == "fly.toml":
        if build.get("image"):
            return []
        services = data.get("services")
        services = services if isinstance(services, list) else []
        http = _table(data, "http_service")
        checked = bool(data.get("checks")) or bool(http.get("checks"))
        checked = checked or any(
            isinstance(s, dict) and (s.get("http_checks") or s.get("tcp_checks") or s.get("checks"))
            for s in services
        )
        if not checked:
            return []
        dockerfile = str(build.get("dockerfile") or "Dockerfile")
        return [
            {
                "kind": "paas",
                "where": f"{path}:{_line_with(text, 'checks')}",
                "what": "Fly.io health checks",
                "dockerfiles": [_repo_path(folder, dockerfile)],
            }
        ]
    deploy = _table(data, "deploy")
    health = deploy.get("healthcheckPath")
    if not health:
        return []
    dockerfile = str(build.get("dockerfilePath") or "Dockerfile")
    return [
        {
            "kind": "paas",
            "where": f"{path}:{_line_with(text, 'healthcheckPath')}",
            "what": f"Railway healthcheckPath ({health})",
            "dockerfiles": sorted({_repo_path(folder, dockerfile), _repo_path(dockerfile)}),
        }
    ]
