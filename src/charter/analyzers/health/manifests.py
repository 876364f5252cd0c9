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
    """The final stage of a Dockerfile and its effective HEALTHCHECK."""
    stages: list[dict[str, Any]] = []
    for ins in instructions:
        name = str(ins.get("instruction", "")).upper()
        line = int(ins.get("startline", 0)) + 1
        value = str(ins.get("value", ""))
        if name == "FROM":
            words = value.split()
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
            image = next((w for w in words if not w.startswith("--")), "")
            stages.append({"line": line, "image": image, "alias": alias, "healthcheck": None})
        elif name == "HEALTHCHECK" and stages:
            none = value.strip().upper() == "NONE"
            stages[-1]["healthcheck"] = {
                "line": line,
                "none": none,
                "paths": [] if none else url_paths(value),
            }
    if not stages:
        return None
    final = stages[-1]
    health = final["healthcheck"]
    if health is None:
        # FROM <earlier stage> inherits that stage's HEALTHCHECK
        by_alias = {s["alias"].lower(): s for s in stages[:-1] if s["alias"]}
        parent = by_alias.get(final["image"].lower())
        while health is None and parent is not None:
            health = parent["healthcheck"]
            parent = by_alias.get(parent["image"].lower()) if parent["image"] else None
    return {"kind": "dockerfile", "line": final["line"], "healthcheck": health}


# --- YAML helpers --------------------------------------------------------------------------------


def mget(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node, or None."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def mkey(node: Any, key: str) -> Any:
    """The key node of ``key`` in a mapping node (for its line), or None."""
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k
    return None


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
    return [doc]


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


def compose_facts(path: str, documents: list[Any]) -> list[dict[str, Any]]:
    """The services of a compose file that serve: those with ``ports:`` or ``expose:`` (a
    one-shot job or a worker has neither); each with its healthcheck (``disable: true`` counts
    as none) and the Dockerfile it builds, whose HEALTHCHECK it inherits."""
    out: list[dict[str, Any]] = []
    folder = PurePosixPath(path).parent
    for doc in documents[:1]:
        services = mget(doc, "services")
        if not isinstance(services, yaml.MappingNode):
            continue
        for key, service in services.value:
            if not isinstance(service, yaml.MappingNode):
                continue
            build = mget(service, "build")
            if all(mget(service, k) is None for k in ("ports", "expose")):
                continue
            dockerfile = None
            if build is not None:
                context = scalar(build) or scalar(mget(build, "context")) or "."
                name = scalar(mget(build, "dockerfile")) or "Dockerfile"
                dockerfile = posixpath.normpath(posixpath.join(str(folder), context, name))
            health = mget(service, "healthcheck")
            check: dict[str, Any] | None = None
            if isinstance(health, yaml.MappingNode):
                disabled = scalar(mget(health, "disable")) in {"true", "True", "yes"}
                test = mget(health, "test")
                test_text = (
                    " ".join(
                        str(n.value) for n in getattr(test, "value", []) if isinstance(n, yaml.Node)
                    )
                    if isinstance(test, yaml.SequenceNode)
                    else (scalar(test) or "")
                )
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
                    "dockerfile": dockerfile,
                    "healthcheck": check,
                }
            )
    return out
