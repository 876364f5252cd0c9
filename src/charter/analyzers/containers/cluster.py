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
from pathlib import PurePosixPath
from typing import Any, ClassVar

import yaml

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.ci.model import ci_model
from charter.analyzers.containers.common import ContainerParams, Pending, emit_grouped
from charter.analyzers.containers.kustomize import (
    APPLIED,
    KUSTOMIZATIONS,
    Kustomizations,
    kustomization_fact,
    namespace_label,
)
from charter.analyzers.health.manifests import (
    WORKLOAD_KINDS,
    dig,
    is_helm_template,
    is_manifest,
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
    if not is_manifest(doc):
        return []  # a Helm values file with a top-level `kind:` setting, not a manifest
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
        pod = dig(obj, "spec", "template", "spec")
        fact["service_account"] = scalar(mget(pod, "serviceAccountName")) or scalar(
            mget(pod, "serviceAccount")
        )
        fact["singleton"] = _singleton(obj, pod)
    return fact


#: ports of databases and stores that one replica owns (scaling makes separate copies)
DATABASE_PORTS = frozenset(
    {"1433", "1521", "3306", "5432", "5984", "6379", "7000", "8529", "9042", "26257", "27017"}
)


def _singleton(obj: Any, pod: Any) -> str | None:
    """Why a workload must run as one copy, so that an autoscaler cannot scale it: a
    ``Recreate`` rollout (never two pods at once), a claimed volume, a database port."""
    if scalar(dig(obj, "spec", "strategy", "type")) == "Recreate":
        return "its Recreate strategy runs one copy at a time"
    volumes = mget(pod, "volumes")
    if isinstance(volumes, yaml.SequenceNode) and any(
        mget(v, "persistentVolumeClaim") is not None for v in volumes.value
    ):
        return "it mounts a PersistentVolumeClaim"
    containers = mget(pod, "containers")
    for container in getattr(containers, "value", []):
        ports = mget(container, "ports")
        for port in getattr(ports, "value", []) if isinstance(ports, yaml.SequenceNode) else []:
            if scalar(mget(port, "containerPort")) in DATABASE_PORTS:
                return f"it serves a database port ({scalar(mget(port, 'containerPort'))})"
    return None


#: a CI command that applies or renders a kustomization (``kubectl apply -k dir``,
#: ``kustomize build dir``, ``kubectl kustomize dir``)
_KUSTOMIZE_CMD = re.compile(
    r"\bkubectl\b.*(?:\s-k\s*|--kustomize[=\s]|\bkustomize\s)|\bkustomize\s+build\b"
)

#: the command words themselves, dropped before looking for a folder (a folder named
#: ``kustomize`` is not named by ``kubectl kustomize "$TMP"``)
_KUSTOMIZE_WORDS = re.compile(r"\bkubectl\s+kustomize\b|\bkustomize\s+build\b")


def _gitops_paths(doc: Any) -> list[str]:
    """The repository folders a GitOps controller deploys from this document: an Argo CD
    ``Application``'s ``spec.source(s).path``, a Flux ``Kustomization``'s ``spec.path``."""
    if not isinstance(doc, yaml.MappingNode):
        return []
    kind, api = scalar(mget(doc, "kind")), scalar(mget(doc, "apiVersion")) or ""
    spec = mget(doc, "spec")
    nodes: list[Any] = []
    if kind == "Application" and "argoproj.io" in api:
        nodes.append(mget(mget(spec, "source"), "path"))
        sources = mget(spec, "sources")
        if isinstance(sources, yaml.SequenceNode):
            nodes += [mget(entry, "path") for entry in sources.value]
    elif kind == "Kustomization" and "fluxcd.io" in api:
        nodes.append(mget(spec, "path"))
    out = []
    for node in nodes:
        value = _text(node)
        if value:
            out.append(posixpath.normpath(value.removeprefix("./")).strip("/") or ".")
    return out


def _applied_in_ci(repo: RepoIndex, roots: list[str]) -> set[str]:
    """The ``APPLIED`` namespaces of root kustomizations a CI step of this repository applies
    or renders by folder: those are deployed here, the others are bases for whoever applies
    them."""
    texts = [
        _KUSTOMIZE_WORDS.sub(" ", s.text)
        for s in ci_model(repo).ci_steps()
        if _KUSTOMIZE_CMD.search(s.text)
    ]
    out: set[str] = set()
    for root in roots:
        folder = root.rstrip("/")
        pattern = re.compile(
            r"(?:^|[\s=/'\"])(?:\./)?" + re.escape(folder) + r"/?(?:$|[\s'\";&|])"
            if folder not in ("", ".")
            else r"(?:^|\s)\./?(?:$|[\s;&|])"
        )
        if any(pattern.search(text) for text in texts):
            out.add(f"{APPLIED}{root}")
    return out


def chart_of(path: str) -> str | None:
    """The chart folder of a file under a Helm chart's ``templates/``."""
    parts = PurePosixPath(path).parts
    if "templates" in parts[:-1]:
        return str(PurePosixPath(*parts[: parts.index("templates")]))
    return None


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
                out.fact(kustomization_fact(docs[0]))
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
            gitops = _gitops_paths(doc)
            if gitops:
                out.fact({"kind": "GitOps", "paths": gitops})
                continue
            if isinstance(doc, yaml.MappingNode) and scalar(mget(doc, "kind")) == "Kustomization":
                out.fact(kustomization_fact(doc))
                continue
            for obj in _objects(doc):
                out.fact(_fact(obj))

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        kustomizations: dict[str, dict[str, Any]] = {}
        gitops: set[str] = set()
        objects: list[tuple[str, dict[str, Any]]] = []
        for path, facts in sorted(repo.facts(self).items()):
            for fact in facts:
                if fact["kind"] == "Kustomization":
                    kustomizations[path] = fact
                elif fact["kind"] == "GitOps":
                    gitops.update(fact["paths"])
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
        applied = _applied_in_ci(repo, kz.roots) | {
            f"{APPLIED}{root}" for root in kz.roots if root.strip("/") in gitops
        }
        pending: list[Pending] = []
        for path, obj in workloads:
            what = f"{obj['kind']} {obj['name']}"
            why = kz.dev_only(path)
            if why:
                out.evidence(f"{path}: {what} not judged, {why}")
                continue
            spaces = namespaces(path, obj)
            problems: list[str] = []
            if not obj["namespace"] and not kz.of(path) and chart_of(path) is None:
                problems.append("sets no namespace (it lands in `default`)")
            elif "default" in spaces:
                problems.append("runs in the `default` namespace")
            uncovered = sorted(s for s in spaces if s not in policies)
            base = [s for s in uncovered if s.startswith(APPLIED) and s not in applied]
            if base:
                # a reusable base: whoever applies it chooses the namespace, whose policies
                # are theirs; this repository's CI applying it makes it a deployment again
                out.evidence(
                    f"{path}: {what} NetworkPolicy not judged in "
                    + ", ".join(namespace_label(s, RELEASE) for s in base)
                    + ": a kustomize base that sets no namespace and that this repository's "
                    "CI does not apply; the namespace and its policies belong to whoever does"
                )
                uncovered = [s for s in uncovered if s not in base]
            if uncovered:
                problems.append(
                    "no NetworkPolicy in "
                    + ", ".join(namespace_label(s, RELEASE) for s in uncovered)
                )
            if (
                self.params.require_hpa
                and obj["kind"] == "Deployment"
                and not self._scaled(obj, spaces, chart_of(path), scalers)
            ):
                if obj.get("singleton"):
                    out.evidence(f"{path}: {what} needs no autoscaler: {obj['singleton']}")
                else:
                    problems.append("no HorizontalPodAutoscaler targets it")
            account = obj.get("service_account")
            if self.params.require_service_account and account in (None, "default"):
                problems.append("runs as the `default` ServiceAccount (set `serviceAccountName`)")
            if problems:
                key = (obj["kind"], obj["name"])
                pending.append(Pending(key, path, obj["line"], f"{what}: {'; '.join(problems)}"))
            else:
                out.evidence(f"{path}:{obj['line']}: {what} is namespaced and network-policed")
        emit_grouped(pending, out)

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
