"""container-non-root: images and pods do not run as root."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.containers.common import (
    ContainerAnalyzer,
    Pending,
    emit_grouped,
    patched_value,
)
from charter.analyzers.containers.common import label as describe
from charter.analyzers.containers.compose import development_tool_images
from charter.analyzers.containers.images import (
    Images,
    base_images,
    chain,
    copies,
    development_image,
    exposed,
    first,
    inherited,
    non_root_image,
)
from charter.repo import RepoIndex

ROOT_USERS = frozenset({"root", "0"})


def _is_root(user: str) -> bool:
    """True for root; False for another user or a build variable (trusted)."""
    name = user.split(":", 1)[0].strip()
    return "$" not in name and name in ROOT_USERS


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


def _named(stage: dict[str, Any]) -> str:
    return f" `{stage['alias']}`" if stage["alias"] else ""


def _non_root_target(stages: list[dict[str, Any]]) -> str | None:
    """A stage besides the final one (not one it is built FROM) that is an image of its own:
    it sets a non-root USER and runs a command (``FROM scratch AS hardened`` ... ``USER
    nonroot`` ... ``ENTRYPOINT``), published as another target. As "`name` (line N, USER u)", or
    None."""
    final_chain = chain(stages)
    for index, stage in enumerate(stages[:-1]):
        if stage in final_chain or not stage["alias"]:
            continue
        found = chain(stages, index)
        user = first(found, "user")
        if user and not _is_root(user["value"]) and first(found, "cmd"):
            return f"`{stage['alias']}` (line {stage['line']}, USER {user['value']})"
    return None


def _tool(images: Images, path: str, run: frozenset[str]) -> str | None:
    """Why the Dockerfile at ``path`` packages a command-line tool, or None: its final stage
    runs a program it installs (``ENTRYPOINT ["jq"]``; it copies in nothing, and the program
    is not one of the repository's projects), declares no port (``EXPOSE``), and no compose
    service publishes its ports nor any Kubernetes container runs it. Such an image is run
    once on the input it is given (``docker run --rm -i tool``), like the tool on the host; it
    holds nothing and serves no one a code-execution bug could reach."""
    stages = images.dockerfiles[path]["stages"]
    found = chain(stages)
    command = first(found, "entrypoint") or first(found, "cmd")
    if command is None or path in run or exposed(images, path) or images.ships_code(path):
        return None
    if any(stage.get("copied") for stage in found):
        return None  # it copies in files of its own (a binary, a script): not a packaged tool
    words = re.findall(r"[^\s\"',\[\]]+", command["text"])
    program = PurePosixPath(words[0]).name if words else ""
    installed = {w for stage in found for w in stage.get("installs", [])}
    if program not in installed or program.lower().replace("_", "-") in images.names:
        return None  # not a program it installs, or the repository's own (from its package)
    return (
        f"a command-line tool image: it runs `{program}`, which it installs (it copies in "
        "nothing), serves no port, and no compose service or Kubernetes workload runs it"
    )


class ContainerNonRootAnalyzer(ContainerAnalyzer):
    """The final stage of each Dockerfile sets a non-root ``USER`` (inherited through ``FROM
    <stage>`` and from images this repository builds; ``*nonroot*`` base images, build ARGs
    resolved, count; an entrypoint that drops privileges with gosu, su-exec or s6 counts);
    every container of a Deployment, StatefulSet or DaemonSet runs with ``runAsNonRoot: true``
    or a non-zero ``runAsUser`` (container or pod ``securityContext``)."""

    name: ClassVar[str] = "container-non-root"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        dockerfiles, containers = self.collect(repo)
        if not dockerfiles and not containers:
            out.not_applicable("no Dockerfile and no Kubernetes workload")
            return
        models = dict(dockerfiles)
        tools = development_tool_images(repo, self.stacks, models)
        built = [
            (svc, path) for _, services in self.stacks for path, svc in services if svc["build"]
        ]
        images = Images(
            repo,
            models,
            [(s["image"], s["dockerfile"]) for s, _ in built if s["image"] and s["dockerfile"]],
            [(s["dockerfile"], s["context"]) for s, _ in built if s["dockerfile"] and s["context"]],
        )
        # images that serve or run as a workload: a compose service publishes their ports, or
        # a Kubernetes container runs them
        run = {s["dockerfile"] for s, _ in built if s["dockerfile"] and s.get("ports")} | {
            owner
            for _, c in containers
            for name in self.kustomize.image_names(c.get("image"))
            if (owner := images.owner(name)) is not None
        }
        self._dockerfiles(images, tools, frozenset(run), out)
        pending: list[Pending] = []
        for path, c in containers:
            if not self.judged(repo, path, c, out):
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
            key = (c["workload"], c["name"], c["container"])
            image_user = None if verdict is not None else self._image_user(images, c["image"])
            if image_user:
                out.evidence(f"{path}:{c['line']}: {label} runs {image_user}")
            elif verdict:
                out.evidence(f"{path}:{c['line']}: {label} runs as non-root")
            elif verdict is False:
                pending.append(
                    Pending(
                        key,
                        path,
                        c["line"],
                        f"{label} runs as root (runAsUser 0 / runAsNonRoot false)",
                    )
                )
            else:
                pending.append(
                    Pending(
                        key,
                        path,
                        c["line"],
                        f"{label} may run as root: set securityContext.runAsNonRoot: true "
                        "(or a non-zero runAsUser) on the pod or the container",
                    )
                )
        emit_grouped(pending, out)

    def _image_user(self, images: Images, image: str | None) -> str | None:
        """For a container whose image a Dockerfile of this repository builds (directly or
        through a kustomize ``images:`` rename) and whose final stage runs as a non-root user,
        that user and Dockerfile (Kubernetes runs the image's USER unless told otherwise)."""
        for name in self.kustomize.image_names(image):
            owner = images.owner(name)
            if not owner or owner not in images.dockerfiles:
                continue
            got = inherited(images, owner, "user")
            if got.kind == "set" and not _is_root(got.value["value"]):
                return f"the image of {owner}, whose USER is {got.value['value']}"
            if got.kind == "missing" and non_root_image(got.base):
                return f"the image of {owner}, built FROM the non-root image {got.base}"
        return None

    def _dockerfiles(
        self, images: Images, tools: dict[str, str], run: frozenset[str], out: Emitter
    ) -> None:
        """Not judged: development and test images, base images other Dockerfiles build
        FROM, images that run the program of a base image built elsewhere (as that image's
        user), images whose base is chosen at build time, and command-line tool images (see
        ``_tool``). Not reported: a root default image
        whose Dockerfile also publishes a non-root target (the choice is the user's). A
        Dockerfile built FROM an image of this repository that runs as root too is a related
        place of that image's finding."""
        models = images.dockerfiles
        bases = base_images(images)
        missing: dict[str, tuple[int, str]] = {}
        inheriting: dict[str, list[tuple[str, int]]] = {}
        for path, model in sorted(models.items()):
            stages = model["stages"]
            final = stages[-1]
            why = development_image(path, model) or tools.get(path)
            if why is None and path in bases:
                why = "a base image the other Dockerfiles of this repository build FROM"
            if why:
                out.evidence(f"{path}: not judged, {why}")
                continue
            if why is None:
                why = _tool(images, path, run)
            if why:
                out.evidence(f"{path}: not judged, {why}")
                continue
            got = inherited(images, path, "user")
            if got.kind == "set":
                user = got.value
                if _is_root(user["value"]):
                    line = user["line"] if got.where == path else final["line"]
                    out.report(
                        line,
                        f"USER {user['value']} runs the container as root; use a non-root user",
                        path=path,
                    )
                else:
                    where = "" if got.where == path else f" (from {got.where})"
                    out.evidence(f"{path}:{user['line']}: USER {user['value']}{where}")
                continue
            drops = first(chain(stages), "drops")
            if drops:
                out.evidence(f"{path}: its entrypoint drops root privileges (gosu, su-exec or s6)")
            elif got.kind == "skip":
                out.evidence(f"{path}: not judged, {got.reason}")
            elif got.kind == "parent":
                inheriting.setdefault(got.where, []).append((path, final["line"]))
            elif non_root_image(got.base):
                out.evidence(f"{path}:{final['line']}: base image {got.base} is non-root")
            else:
                missing[path] = (final["line"], got.base)
        for path, (line, _) in list(missing.items()):
            hardened = _non_root_target(models[path]["stages"])
            if hardened:
                # a choice offered, not a container that can only run as root (as Trivy's
                # DS002 and checkov's CKV_DOCKER_3 read a Dockerfile with a non-root USER)
                out.evidence(
                    f"{path}:{line}: the final stage{_named(models[path]['stages'][-1])} runs "
                    f"as root, and the Dockerfile publishes the non-root target {hardened}"
                )
                del missing[path]
        duplicates = copies(models, missing)
        for copy in (c for group in duplicates.values() for c in group):
            del missing[copy]
        for path, (line, base) in missing.items():
            children = inheriting.pop(path, [])
            message = (
                f"the final stage (FROM {base}) sets no USER, so the container runs as root; "
                "add `USER <non-root user>`"
            )
            twins = [(c, models[c]["stages"][-1]["line"]) for c in duplicates.get(path, [])]
            if twins:
                shown = ", ".join(f"{p}:{n}" for p, n in twins)
                message += f"; so do its copies in this folder (same base and command): {shown}"
                for twin, _ in twins:
                    children.extend(inheriting.pop(twin, []))
            if children:
                message += "; the images built FROM it inherit the gap: " + ", ".join(
                    f"{p}:{n}" for p, n in children
                )
            out.report(line, message, path=path, related=(*twins, *children))
        for parent, children in inheriting.items():
            for child, _ in children:
                out.evidence(f"{child}: built FROM the image of {parent}, judged there")
