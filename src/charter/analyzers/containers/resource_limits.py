"""k8s-resource-limits: containers declare CPU and memory requests and limits."""

from __future__ import annotations

from typing import Any, ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.containers.common import (
    ContainerAnalyzer,
    ContainerParams,
    Pending,
    emit_grouped,
    patched_value,
)
from charter.analyzers.containers.common import label as describe
from charter.repo import RepoIndex


class ResourceLimitsParams(ContainerParams):
    #: also demand a CPU limit (off by default: CPU limits throttle; requests size the node)
    require_cpu_limit: bool = False


def _missing(resources: dict[str, Any], wanted: list[tuple[str, str]]) -> list[str]:
    out = []
    for section, key in wanted:
        values = resources.get(section)
        if not isinstance(values, dict) or not values.get(key):
            out.append(f"{section}.{key}")
    return out


class ResourceLimitsAnalyzer(ContainerAnalyzer):
    """Every container of a Deployment, StatefulSet or DaemonSet sets ``resources.requests``
    (cpu, memory) and ``resources.limits`` (memory; cpu too with ``require_cpu_limit: true``);
    values a kustomize patch adds count."""

    name: ClassVar[str] = "k8s-resource-limits"
    Params = ResourceLimitsParams
    params: ResourceLimitsParams
    kinds: ClassVar[frozenset[str]] = frozenset({"yaml"})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        _, containers = self.collect(repo)
        if not containers:
            out.not_applicable("no Kubernetes workload")
            return
        wanted = [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")]
        if self.params.require_cpu_limit:
            wanted.append(("limits", "cpu"))
        pending: list[Pending] = []
        for path, c in containers:
            if not self.judged(repo, path, c, out):
                continue
            missing = _missing(c["resources"], wanted)
            if missing:
                patch = patched_value(repo, containers, path, c, lambda o: o["resources"])
                if patch is not None:
                    merged = {**patch[1], **c["resources"]}
                    missing = _missing(merged, wanted)
            label = describe(c)
            if missing:
                key = (c["workload"], c["name"], c["container"])
                message = f"{label} sets no resources {', '.join(missing)}"
                pending.append(Pending(key, path, c["line"], message))
            else:
                out.evidence(f"{path}:{c['line']}: {label} sets requests and limits")
        emit_grouped(pending, out)
