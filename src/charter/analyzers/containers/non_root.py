"""container-non-root: images and pods do not run as root."""

from __future__ import annotations

from typing import Any, ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.containers.common import ContainerAnalyzer, patched_value
from charter.analyzers.containers.common import label as describe
from charter.repo import RepoIndex

ROOT_USERS = frozenset({"root", "0"})
#: base images that already run as a non-root user
NON_ROOT_IMAGE_MARKERS = ("nonroot", "non-root", "rootless")


def _is_root(user: str) -> bool | None:
    """True for root, False for another user, None for a build variable."""
    name = user.split(":", 1)[0].strip()
    if "$" in name:
        return None
    return name in ROOT_USERS


def _uid(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _non_root(context: dict[str, Any]) -> bool | None:
    """What a securityContext says: True non-root, False root, None silent."""
    if str(context.get("runAsNonRoot", "")).lower() == "true":
        return True
    uid = _uid(context.get("runAsUser"))
    if uid is not None:
        return uid != 0
    if str(context.get("runAsNonRoot", "")).lower() == "false":
        return False
    return None


class ContainerNonRootAnalyzer(ContainerAnalyzer):
    """The final stage of each Dockerfile sets a non-root ``USER`` (inherited through ``FROM
    <stage>``; ``*nonroot*`` base images count); every container of a Deployment, StatefulSet or
    DaemonSet runs with ``runAsNonRoot: true`` or a non-zero ``runAsUser`` (container or pod
    ``securityContext``)."""

    name: ClassVar[str] = "container-non-root"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        dockerfiles, containers = self.collect(repo)
        if not dockerfiles and not containers:
            out.not_applicable("no Dockerfile and no Kubernetes workload")
            return
        for path, fact in dockerfiles:
            self._dockerfile(path, fact["stages"], out)
        for path, c in containers:
            if self.is_patch(repo, path, c):
                continue
            verdict = _non_root(c["security"])
            if verdict is None:
                verdict = _non_root(c["pod_security"])
            if verdict is None:
                patch = patched_value(
                    repo, containers, path, c, lambda o: _non_root(o["security"]) or None
                )
                verdict = True if patch else None
            label = describe(c)
            if verdict:
                out.evidence(f"{path}:{c['line']}: {label} runs as non-root")
            elif verdict is False:
                out.report(
                    c["line"], f"{label} runs as root (runAsUser 0 / runAsNonRoot false)", path=path
                )
            else:
                out.report(
                    c["line"],
                    f"{label} may run as root: set securityContext.runAsNonRoot: true "
                    "(or a non-zero runAsUser) on the pod or the container",
                    path=path,
                )

    @staticmethod
    def _dockerfile(path: str, stages: list[dict[str, Any]], out: Emitter) -> None:
        final = stages[-1]
        by_alias = {s["alias"].lower(): s for s in stages[:-1] if s["alias"]}
        stage: dict[str, Any] | None = final
        user = None
        seen = 0
        while stage is not None and user is None and seen <= len(stages):
            user = stage["user"]
            if user is None:
                parent = by_alias.get(stage["image"].lower())
                image = stage["image"].lower()
                if parent is None and any(m in image for m in NON_ROOT_IMAGE_MARKERS):
                    out.evidence(f"{path}:{stage['line']}: base image {stage['image']} is non-root")
                    return
                stage = parent
            seen += 1
        if user is None:
            out.report(
                final["line"],
                f"the final stage (FROM {final['image']}) sets no USER, so the container runs as "
                "root; add `USER <non-root user>`",
                path=path,
            )
            return
        verdict = _is_root(user["value"])
        if verdict:
            out.report(
                user["line"],
                f"USER {user['value']} runs the container as root; use a non-root user",
                path=path,
            )
        else:
            out.evidence(f"{path}:{user['line']}: USER {user['value']}")
