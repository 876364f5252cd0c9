"""The file phase the container rules share: Dockerfile final stages and Kubernetes containers
(with their ``securityContext`` and ``resources``), each with its line."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.health.manifests import (
    dig,
    is_helm_template,
    line_of,
    mget,
    scalar,
    workloads,
)
from charter.repo import RepoIndex
from charter.sources import SourceFile, compose_yaml

#: what the service and container rules leave out: tests, docs, examples, dev containers
DEFAULT_IGNORE = (
    "tests/**",
    "test/**",
    "**/tests/**",
    "**/test/**",
    "docs/**",
    "examples/**",
    "**/testdata/**",
    ".devcontainer/**",
)
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
Located = tuple[str, dict[str, Any]]


class ContainerParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = DEFAULT_IGNORE


def _plain(node: Any) -> Any:
    """A small YAML node as plain data (scalars as strings)."""
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): _plain(v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v) for v in node.value]
    return scalar(node)


def dockerfile_stages(instructions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each stage: its FROM line, image, alias and last USER (value and line)."""
    stages: list[dict[str, Any]] = []
    for ins in instructions:
        name = str(ins.get("instruction", "")).upper()
        value = str(ins.get("value", "")).strip()
        line = int(ins.get("startline", 0)) + 1
        if name == "FROM":
            words = value.split()
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
            image = next((w for w in words if not w.startswith("--")), "")
            stages.append({"line": line, "image": image, "alias": alias, "user": None})
        elif name == "USER" and stages:
            stages[-1]["user"] = {"value": value, "line": line}
    return stages


def k8s_containers(documents: list[Any]) -> list[dict[str, Any]]:
    """Every container (init containers included: they run code and count for scheduling) of
    Deployments/StatefulSets/DaemonSets with the pod's and its own securityContext and its
    resources."""
    out: list[dict[str, Any]] = []
    for doc in documents:
        for workload in workloads(doc):
            pod = dig(workload, "spec", "template", "spec")
            found: list[tuple[bool, Any]] = []
            for key in ("initContainers", "containers"):
                node = mget(pod, key)
                if isinstance(node, yaml.SequenceNode):
                    found.extend((key == "initContainers", c) for c in node.value)
            for init, container in found:
                if not isinstance(container, yaml.MappingNode):
                    continue
                out.append(
                    {
                        "workload": scalar(mget(workload, "kind")) or "?",
                        "name": scalar(dig(workload, "metadata", "name")) or "?",
                        "container": scalar(mget(container, "name")) or "?",
                        "init": init,
                        "image": scalar(mget(container, "image")),
                        "line": line_of(container),
                        "pod_security": _plain(mget(pod, "securityContext")) or {},
                        "security": _plain(mget(container, "securityContext")) or {},
                        "resources": _plain(mget(container, "resources")) or {},
                    }
                )
    return out


class ContainerAnalyzer(Analyzer):
    """Shared file phase: Dockerfile stages and Kubernetes containers as facts."""

    Params = ContainerParams
    params: ContainerParams
    kinds: ClassVar[frozenset[str]] = frozenset({"dockerfile", "yaml"})

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind in self.kinds and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        if file.kind == "dockerfile":
            instructions = file.dockerfile
            if instructions:
                stages = dockerfile_stages(instructions)
                if stages:
                    out.fact({"kind": "dockerfile", "stages": stages})
            return
        text = file.text or ""
        if "containers" not in text:
            return
        if is_helm_template(file.path, text):
            try:
                nodes = compose_yaml(text)
            except (yaml.YAMLError, RecursionError):
                return  # a Helm template: not a manifest before rendering
        else:
            nodes = file.yaml_nodes or []
        for container in k8s_containers(nodes):
            out.fact({"kind": "k8s", **container})

    def collect(self, repo: RepoIndex) -> tuple[list[Located], list[Located]]:
        """(Dockerfiles, Kubernetes containers), each as (path, fact)."""
        dockerfiles: list[Located] = []
        containers: list[Located] = []
        for path, facts in sorted(repo.facts(self).items()):
            for fact in facts:
                (dockerfiles if fact["kind"] == "dockerfile" else containers).append((path, fact))
        return dockerfiles, containers

    @staticmethod
    def is_patch(repo: RepoIndex, path: str, container: dict[str, Any]) -> bool:
        """A container with no image in a kustomize folder is a patch fragment."""
        return not container.get("image") and kustomized(repo, path)


def label(container: dict[str, Any]) -> str:
    """``Deployment api: container `web``` (or ``init container``) for messages."""
    what = "init container" if container.get("init") else "container"
    return f"{container['workload']} {container['name']}: {what} `{container['container']}`"


def kustomized(repo: RepoIndex, path: str) -> bool:
    folder = PurePosixPath(path).parent
    return any(repo.has(str(folder / name).removeprefix("./")) for name in KUSTOMIZATIONS)


def _key(container: dict[str, Any]) -> tuple[Any, Any, Any]:
    return (container["workload"], container["name"], container["container"])


#: the last container list indexed by workload and container (one list per rule run; looking
#: every container up in it was quadratic: 0.8 s for 1,200 manifests)
_indexed: tuple[list[Located], dict[tuple[Any, Any, Any], list[Located]]] | None = None


def _by_key(containers: list[Located]) -> dict[tuple[Any, Any, Any], list[Located]]:
    global _indexed
    if _indexed is None or _indexed[0] is not containers:
        index: dict[tuple[Any, Any, Any], list[Located]] = {}
        for item in containers:
            index.setdefault(_key(item[1]), []).append(item)
        _indexed = (containers, index)
    return _indexed[1]


def patched_value(
    repo: RepoIndex,
    containers: list[Located],
    path: str,
    container: dict[str, Any],
    getter: Any,
) -> tuple[str, Any] | None:
    """The value ``getter`` finds for the same workload and container in another document,
    when one of the two sits in a kustomize folder (a patch adds it)."""
    for other_path, other in _by_key(containers).get(_key(container), ()):
        if other is container:
            continue
        value = getter(other)
        if value and (kustomized(repo, path) or kustomized(repo, other_path)):
            return other_path, value
    return None
