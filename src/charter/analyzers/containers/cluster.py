"""k8s-cluster-policies: workloads run in their own namespace, behind a NetworkPolicy, and
Deployments scale with a HorizontalPodAutoscaler (RBAC: a dedicated ServiceAccount, on request).

The namespace of a manifest is its ``metadata.namespace``, else the ``namespace:`` of every
kustomization that includes it (directly or through other kustomizations), else — in a Helm
chart's ``templates/`` — the release namespace chosen at install time (a NetworkPolicy or HPA in
the same chart covers it). Any NetworkPolicy in a namespace counts (a default-deny policy with
``podSelector: {}`` is the usual one); an HPA or a KEDA ``ScaledObject`` counts for the
Deployment its ``scaleTargetRef`` names. One finding per workload, at its line, lists what is
missing.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any, ClassVar

import yaml

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.containers.common import KUSTOMIZATIONS, ContainerParams
from charter.analyzers.health.manifests import (
    WORKLOAD_KINDS,
    dig,
    is_helm_template,
    line_of,
    mget,
    scalar,
)
from charter.repo import RepoIndex
from charter.sources import SourceFile, compose_yaml

#: prefix of the namespace a Helm chart's templates get at install time
RELEASE = "\0release:"
SCALERS = frozenset({"HorizontalPodAutoscaler", "ScaledObject"})
WANTED = WORKLOAD_KINDS | SCALERS | {"NetworkPolicy"}
#: a Helm template that is not YAML before rendering still declares its kind on a line
_KIND_LINE = re.compile(r"^kind:\s*(NetworkPolicy|HorizontalPodAutoscaler|ScaledObject)\s*$", re.M)


class ClusterPoliciesParams(ContainerParams):
    #: Deployments need a HorizontalPodAutoscaler (or KEDA ScaledObject) targeting them
    require_hpa: bool = True
    #: workloads name a ServiceAccount other than ``default`` (``serviceAccountName``)
    require_service_account: bool = False


def _text(node: Any) -> str | None:
    value = scalar(node)
    if value is None or "{{" in value:
        return None  # absent, or a Helm expression known only after rendering
    return value.strip() or None


def _strings(node: Any) -> list[str]:
    if isinstance(node, yaml.SequenceNode):
        return [v for v in (scalar(n) for n in node.value) if v]
    return []


def _objects(doc: Any) -> list[Any]:
    kind = scalar(mget(doc, "kind")) or ""
    if kind == "List" or kind.endswith("List"):
        items = mget(doc, "items")
        return (
            [o for i in items.value for o in _objects(i)]
            if isinstance(items, yaml.SequenceNode)
            else []
        )
    if kind not in WANTED or scalar(mget(doc, "$patch")) == "delete":
        return []
    return [doc]


def _fact(obj: Any) -> dict[str, Any]:
    kind = scalar(mget(obj, "kind")) or "?"
    fact: dict[str, Any] = {
        "kind": kind,
        "name": scalar(dig(obj, "metadata", "name")) or "?",
        "namespace": _text(dig(obj, "metadata", "namespace")),
        "line": line_of(obj),
    }
    if kind in SCALERS:
        target = dig(obj, "spec", "scaleTargetRef")
        fact["target_kind"] = scalar(mget(target, "kind")) or "Deployment"
        fact["target"] = _text(mget(target, "name"))
    elif kind in WORKLOAD_KINDS:
        fact["service_account"] = scalar(
            dig(obj, "spec", "template", "spec", "serviceAccountName")
        ) or scalar(dig(obj, "spec", "template", "spec", "serviceAccount"))
    return fact


def _kustomization(doc: Any) -> dict[str, Any]:
    patches = _strings(mget(doc, "patchesStrategicMerge"))
    node = mget(doc, "patches")
    if isinstance(node, yaml.SequenceNode):
        patches += [p for p in (scalar(mget(n, "path")) for n in node.value) if p]
    resources = _strings(mget(doc, "resources")) + _strings(mget(doc, "bases"))
    return {
        "kind": "Kustomization",
        "namespace": _text(mget(doc, "namespace")),
        "resources": resources,
        "patches": patches,
    }


def _namespace_label(space: str) -> str:
    if space.startswith(RELEASE):
        return f"the release namespace of Helm chart `{space.removeprefix(RELEASE)}`"
    return f"namespace `{space}`"


def chart_of(path: str) -> str | None:
    """The chart folder of a file under a Helm chart's ``templates/``."""
    parts = PurePosixPath(path).parts
    if "templates" in parts[:-1]:
        return str(PurePosixPath(*parts[: parts.index("templates")]))
    return None


class Kustomizations:
    """Which namespaces the kustomizations of a repository give to which files."""

    def __init__(self, found: dict[str, dict[str, Any]]) -> None:
        self.by_folder = {str(PurePosixPath(path).parent): k for path, k in found.items()}
        self.patches = {
            posixpath.normpath(posixpath.join(folder, p))
            for folder, k in self.by_folder.items()
            for p in k["patches"]
        }
        self.namespaces: dict[str, set[str]] = defaultdict(set)
        for folder, k in self.by_folder.items():
            if k["namespace"]:
                for path in self._files(folder, set()):
                    self.namespaces[path].add(k["namespace"])

    def _files(self, folder: str, seen: set[str]) -> set[str]:
        if folder in seen or folder not in self.by_folder:
            return set()
        seen.add(folder)
        out: set[str] = set()
        for ref in self.by_folder[folder]["resources"]:
            if "://" in ref or ref.startswith(("github.com/", "git@")):
                continue
            target = posixpath.normpath(posixpath.join(folder, ref))
            if target in self.by_folder:
                out |= self._files(target, seen)
            else:
                out.add(target)
        return out

    def of(self, path: str) -> set[str]:
        return self.namespaces.get(path, set())


class ClusterPoliciesAnalyzer(Analyzer):
    """Deployments/StatefulSets/DaemonSets in a non-default namespace that has a NetworkPolicy,
    each Deployment with an HPA; optionally a dedicated ServiceAccount."""

    name: ClassVar[str] = "k8s-cluster-policies"
    Params = ClusterPoliciesParams
    params: ClusterPoliciesParams
    kinds: ClassVar[frozenset[str]] = frozenset({"yaml"})
    prefilter: ClassVar[tuple[str, ...]] = ("kind", "resources")

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind in self.kinds and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        text = file.text or ""
        if PurePosixPath(file.path).name in KUSTOMIZATIONS:
            docs = file.yaml_nodes or []
            if docs and isinstance(docs[0], yaml.MappingNode):
                out.fact(_kustomization(docs[0]))
            return
        if is_helm_template(file.path, text):
            try:
                docs = compose_yaml(text)
            except (yaml.YAMLError, RecursionError):
                # not YAML before rendering: its NetworkPolicy/HPA still counts for the chart
                for match in _KIND_LINE.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    kind = match.group(1)
                    fact = {"kind": kind, "name": "?", "namespace": None, "line": line}
                    if kind in SCALERS:
                        fact.update(target_kind="Deployment", target=None)
                    out.fact(fact)
                return
        else:
            docs = file.yaml_nodes or []
        for doc in docs:
            if isinstance(doc, yaml.MappingNode) and scalar(mget(doc, "kind")) == "Kustomization":
                out.fact(_kustomization(doc))
                continue
            for obj in _objects(doc):
                out.fact(_fact(obj))

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        kustomizations: dict[str, dict[str, Any]] = {}
        objects: list[tuple[str, dict[str, Any]]] = []
        for path, facts in sorted(repo.facts(self).items()):
            for fact in facts:
                if fact["kind"] == "Kustomization":
                    kustomizations[path] = fact
                else:
                    objects.append((path, fact))
        kz = Kustomizations(kustomizations)
        objects = [(p, o) for p, o in objects if p not in kz.patches]

        def namespaces(path: str, obj: dict[str, Any]) -> set[str]:
            if obj["namespace"]:
                return {obj["namespace"]}
            chart = chart_of(path)
            if chart is not None:
                return {f"{RELEASE}{chart or '.'}"}
            return kz.of(path) or {"default"}

        policies: set[str] = set()
        scalers: list[tuple[set[str], dict[str, Any], str | None]] = []
        for path, obj in objects:
            if obj["kind"] == "NetworkPolicy":
                policies |= namespaces(path, obj)
            elif obj["kind"] in SCALERS:
                scalers.append((namespaces(path, obj), obj, chart_of(path)))

        workloads = [(p, o) for p, o in objects if o["kind"] in WORKLOAD_KINDS]
        if not workloads:
            out.not_applicable("no Kubernetes workload")
            return
        for path, obj in workloads:
            spaces = namespaces(path, obj)
            problems: list[str] = []
            if not obj["namespace"] and not kz.of(path) and chart_of(path) is None:
                problems.append("sets no namespace (it lands in `default`)")
            elif "default" in spaces:
                problems.append("runs in the `default` namespace")
            uncovered = sorted(s for s in spaces if s not in policies)
            if uncovered:
                problems.append(
                    "no NetworkPolicy in " + ", ".join(_namespace_label(s) for s in uncovered)
                )
            if (
                self.params.require_hpa
                and obj["kind"] == "Deployment"
                and not self._scaled(obj, spaces, chart_of(path), scalers)
            ):
                problems.append("no HorizontalPodAutoscaler targets it")
            account = obj.get("service_account")
            if self.params.require_service_account and account in (None, "default"):
                problems.append("runs as the `default` ServiceAccount (set `serviceAccountName`)")
            what = f"{obj['kind']} {obj['name']}"
            if problems:
                out.report(obj["line"], f"{what}: {'; '.join(problems)}", path=path)
            else:
                out.evidence(f"{path}:{obj['line']}: {what} is namespaced and network-policed")

    @staticmethod
    def _scaled(
        obj: dict[str, Any],
        spaces: set[str],
        chart: str | None,
        scalers: list[tuple[set[str], dict[str, Any], str | None]],
    ) -> bool:
        for scaler_spaces, scaler, scaler_chart in scalers:
            if scaler["target_kind"] != "Deployment" or not spaces & scaler_spaces:
                continue
            if scaler["target"] == obj["name"]:
                return True
            # a templated name on either side: any scaler of the same chart counts
            if (
                chart is not None
                and scaler_chart == chart
                and (scaler["target"] is None or obj["name"] == "?" or "{{" in obj["name"])
            ):
                return True
        return False
