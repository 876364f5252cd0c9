"""The file phase the container rules share: Dockerfile final stages and Kubernetes containers
(with their ``securityContext`` and ``resources``), each with its line."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.containers.compose import compose_stacks
from charter.analyzers.containers.images import dockerfile_model
from charter.analyzers.containers.kustomize import (
    KUSTOMIZATIONS,
    Kustomizations,
    is_kustomization,
    kustomization_fact,
)
from charter.analyzers.health.manifests import (
    compose_facts,
    dig,
    is_compose_file,
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
    """Each stage: its FROM line, image, alias, last USER (value and line), HEALTHCHECK,
    CMD/ENTRYPOINT, WORKDIR and whether it uses a tool that drops root privileges."""
    model = dockerfile_model(instructions)
    return model["stages"] if model else []


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
                model = dockerfile_model(instructions)
                if model:
                    out.fact({"kind": "dockerfile", **model})
            return
        text = file.text or ""
        if is_compose_file(file.path):
            for fact in compose_facts(file.path, file.yaml_nodes or []):
                out.fact(fact)
            return
        kustomization = PurePosixPath(file.path).name in KUSTOMIZATIONS or "Kustomization" in text
        if "containers" not in text and not kustomization:
            return
        if is_helm_template(file.path, text):
            try:
                nodes = compose_yaml(text)
            except (yaml.YAMLError, RecursionError):
                return  # a Helm template: not a manifest before rendering
        else:
            nodes = file.yaml_nodes or []
        for doc in nodes:
            if is_kustomization(file.path, doc) and isinstance(doc, yaml.MappingNode):
                out.fact(kustomization_fact(doc))
        for container in k8s_containers(nodes):
            out.fact({"kind": "k8s", **container})

    def collect(self, repo: RepoIndex) -> tuple[list[Located], list[Located]]:
        """(Dockerfiles, Kubernetes containers), each as (path, fact); the repository's
        kustomizations are kept in ``self.kustomize``, its compose stacks in ``self.stacks``."""
        dockerfiles: list[Located] = []
        containers: list[Located] = []
        kustomizations: dict[str, dict[str, Any]] = {}
        compose: list[Located] = []
        for path, facts in sorted(repo.facts(self).items()):
            for fact in facts:
                if fact["kind"] == "Kustomization":
                    kustomizations[path] = fact
                elif fact["kind"] == "compose":
                    compose.append((path, fact))
                elif fact["kind"] == "dockerfile":
                    dockerfiles.append((path, fact))
                else:
                    containers.append((path, fact))
        self.kustomize = Kustomizations(kustomizations)
        self.stacks = compose_stacks(compose)
        return dockerfiles, containers

    def judged(self, repo: RepoIndex, path: str, container: dict[str, Any], out: Emitter) -> bool:
        """Whether a container is judged: not a kustomize patch (a patch file, or a container
        with no image in a kustomize folder), not a development-only manifest, not an example
        for a local cluster (its folder's README says so)."""
        kz = self.kustomize
        if path in kz.patches or (not container.get("image") and kz.kustomized(path)):
            return False
        why = kz.dev_only(path)
        if why:
            out.evidence(f"{path}: {label(container)} not judged, {why}")
            return False
        return True


def label(container: dict[str, Any]) -> str:
    """``Deployment api: container `web``` (or ``init container``) for messages."""
    what = "init container" if container.get("init") else "container"
    return f"{container['workload']} {container['name']}: {what} `{container['container']}`"


def kustomized(repo: RepoIndex, path: str) -> bool:
    folder = PurePosixPath(path).parent
    return any(repo.has(str(folder / name).removeprefix("./")) for name in KUSTOMIZATIONS)


class Pending:
    """A Kubernetes finding before it is reported: the same workload declared in several
    files (kustomize bases and overlays, ``release/`` copies) is one cause, reported once.
    ``fix_args``: what the rule's fixer needs to repair it in this file (None: no fix); a
    finding with other places or numbered copies is not marked fixable (the fix edits one)."""

    def __init__(
        self,
        key: Any,
        path: str,
        line: int,
        message: str,
        fix_args: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        self.key = key
        self.path = path
        self.line = line
        self.message = message
        self.fix_args = fix_args


_NUMBERED = re.compile(r"^(.*?[A-Za-z])[-_]?\d+$")


def _stem(name: Any) -> Any:
    """``worker`` for ``worker-2``/``worker_2``/``worker2``; other values unchanged."""
    match = _NUMBERED.match(name) if isinstance(name, str) else None
    return match.group(1) if match else name


def _copies_key(group: list[Pending]) -> tuple[Any, ...] | None:
    """What numbered copies of one workload in one file (``citus-1``, ``citus-2``: the same
    definition pasted with another number) share: the file, the names without their numbers
    and the message with those names replaced. None for a workload not numbered or declared
    in several files."""
    first = group[0]
    if any(item.path != first.path for item in group) or not isinstance(first.key, tuple):
        return None
    stems = tuple(_stem(k) for k in first.key)
    if stems == first.key:
        return None
    message = first.message
    for name, stem in sorted(zip(first.key, stems, strict=True), key=lambda p: -len(str(p[0]))):
        if isinstance(name, str) and name != stem:
            message = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", stem, message)
    return (first.path, stems, message)


def emit_grouped(pending: list[Pending], out: Emitter) -> None:
    """Report each (workload, message) once, at its first place (the shallowest path), with
    the other places as related locations, also named in the message. Numbered copies of one
    workload in one file (``worker-1``, ``worker-2`` with the same finding) are one finding
    too, at the first copy."""
    groups: dict[tuple[Any, str], list[Pending]] = {}
    for item in pending:
        groups.setdefault((item.key, item.message), []).append(item)
    copies: dict[tuple[Any, ...], list[list[Pending]]] = {}
    ordered: list[list[list[Pending]]] = []
    for items in groups.values():
        items.sort(key=lambda p: (p.path.count("/"), p.path, p.line))
        key = _copies_key(items)
        if key is None:
            ordered.append([items])
        elif key in copies:
            copies[key].append(items)
        else:
            copies[key] = [items]
            ordered.append(copies[key])
    for family in ordered:
        family.sort(key=lambda g: g[0].line)
        items = family[0]
        first, others = items[0], [p for p in items[1:] if p.path != items[0].path]
        places = [(p.path, p.line) for p in others]
        message = first.message
        if places:
            shown = ", ".join(f"{p}:{n}" for p, n in places[:3])
            more = f" and {len(places) - 3} more" if len(places) > 3 else ""
            message += f" (the same workload is also declared at {shown}{more})"
        twins = [g[0] for g in family[1:]]
        if twins:
            names = ", ".join(f"{t.key[1]} (line {t.line})" for t in twins)
            message += f"; so do its numbered copies {names}"
        related = (*places, *((t.path, t.line) for t in twins))
        fix_args = first.fix_args if not related else None
        out.report(
            first.line,
            message,
            path=first.path,
            related=related,
            fix="unsafe" if fix_args else None,
            fix_args=fix_args,
        )
        for item in items[1:]:
            if item.path == first.path:
                out.report(
                    item.line,
                    item.message,
                    path=item.path,
                    fix="unsafe" if item.fix_args else None,
                    fix_args=item.fix_args,
                )


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
