"""dockerfile-multi-stage: an image that compiles or builds its code does so in a build stage,
and its final stage copies only the artefacts.

A Dockerfile is reported when its final image is built in one line of stages (the final stage
and the stages it is ``FROM``, with no other stage it copies from) and that line builds: it
starts from a compiler image (``golang``, ``rust``, ``maven``, a JDK, the .NET SDK), runs a
build command (``go build``, ``cargo build``, ``npm run build``, ``mvn package``, ``tsc`` …) or
installs a C toolchain (``build-essential``, ``gcc``, ``build-base``) that the same ``RUN``
does not remove again. Such an image ships the compiler, the sources and the build's caches.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.containers.common import ContainerParams
from charter.analyzers.containers.images import (
    chain,
    development_image,
    dockerfile_model,
    resolve,
    split_image,
)
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: base images that are compilers or SDKs, by the last part of their name
SDK_IMAGES = re.compile(
    r"^(?:golang|rust|maven|gradle|openjdk|eclipse-temurin|amazoncorretto|sbt|"
    r"(?:dotnet/)?sdk|gcc|clang)$"
)
#: a JDK tag of a JRE/JDK image family (``eclipse-temurin:21-jdk``); a ``-jre`` tag is a runtime
JRE_TAG = re.compile(r"\bjre\b")
#: commands that compile or bundle the project
BUILD_COMMAND = re.compile(
    r"\bgo\s+build\b|\bcargo\s+(?:\+\S+\s+)?(?:build|install)\b|"
    r"\b(?:npm|pnpm|bun)\s+run\s+(?:build|compile|bundle)\b|\b(?:yarn|pnpm)\s+(?:build|compile)\b|"
    r"\b(?:npx\s+)?(?:tsc|webpack|vite\s+build|next\s+build|nest\s+build)\b|"
    r"\b(?:mvn|mvnw)\b.*\b(?:package|install)\b|\b(?:gradle|gradlew)\b.*\b(?:build|assemble|"
    r"bootJar|installDist|shadowJar)\b|\bdotnet\s+(?:publish|build)\b|"
    r"\bcmake\s+--build\b|\./configure\b|\bpython[\d.]*\s+setup\.py\s+(?:build|bdist)|\bpip[\d.]*\s+wheel\b"
)
#: packages that are a C/C++ toolchain (installed with apt, apk, yum/dnf)
TOOLCHAIN_INSTALL = re.compile(
    r"\b(?:apt-get|apt|apk|yum|dnf|microdnf)\b[^&;|]*\b(?:install|add)\b[^&;|]*"
    r"(?<![\w-])(?:build-essential|build-base|gcc|g\+\+|clang|gcc-c\+\+|musl-dev|"
    r"python3?-dev|libc6?-dev)(?![\w-])"
)
#: the same RUN removes what it installed (``apt-get purge -y gcc``, ``apk del .build-deps``)
TOOLCHAIN_REMOVED = re.compile(
    r"\b(?:apt-get|apt)\s+(?:-\S+\s+)*(?:purge|remove|autoremove)\b|\bapk\s+del\b|"
    r"\b(?:yum|dnf)\s+(?:-\S+\s+)*(?:remove|erase)\b"
)


#: a command that watches the sources and rebuilds them (a live-reload development image)
WATCHER = re.compile(
    r"\b(?:reflex|air|CompileDaemon|watchexec|nodemon|gow|cargo[\s-]watch|dotnet\s+watch)\b"
)


def _sdk(image: str) -> bool:
    _, parts, tag = split_image(image)
    name = "/".join(parts)
    last = parts[-1] if parts else ""
    if name.endswith("dotnet/sdk"):
        return True
    if last in ("openjdk", "eclipse-temurin", "amazoncorretto") and JRE_TAG.search(tag):
        return False
    return bool(SDK_IMAGES.match(last))


def build_steps(instructions: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Per stage (in order), the RUN lines that build, and whether it copies from a stage."""
    stages: list[list[dict[str, Any]]] = []
    for ins in instructions:
        name = str(ins.get("instruction", "")).upper()
        value = " ".join(str(ins.get("value", "")).split())
        line = int(ins.get("startline", 0)) + 1
        if name == "FROM":
            stages.append([])
            continue
        if not stages:
            continue
        if name == "RUN":
            if BUILD_COMMAND.search(value):
                stages[-1].append({"line": line, "what": f"`RUN {value[:70]}` builds the code"})
            elif TOOLCHAIN_INSTALL.search(value) and not TOOLCHAIN_REMOVED.search(value):
                stages[-1].append(
                    {"line": line, "what": f"`RUN {value[:70]}` installs a compiler toolchain"}
                )
        elif name in ("COPY", "ADD") and re.search(r"--from=", value):
            stages[-1].append({"line": line, "copies_from_stage": True})
    return stages


class DockerfileMultiStageAnalyzer(Analyzer):
    name: ClassVar[str] = "dockerfile-multi-stage"
    Params = ContainerParams
    params: ContainerParams
    kinds: ClassVar[frozenset[str]] = frozenset({"dockerfile"})

    def applies_to(self, file: SourceFile) -> bool:
        return file.kind in self.kinds and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        instructions = file.dockerfile
        if not instructions:
            return
        model = dockerfile_model(instructions)
        if model:
            out.fact({"model": model, "steps": build_steps(instructions)})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = sorted(repo.facts(self).items())
        if not facts:
            out.not_applicable("no Dockerfile")
            return
        for path, found in facts:
            for fact in found:
                self._judge(path, fact["model"], fact["steps"], out)

    def _judge(
        self, path: str, model: dict[str, Any], steps: list[list[dict[str, Any]]], out: Emitter
    ) -> None:
        stages = model["stages"]
        why = development_image(path, model)
        if why:
            out.evidence(f"{path}: not judged, {why}")
            return
        line_of_stages = chain(stages)
        command = next((s["cmd"] for s in line_of_stages if s["cmd"]), None)
        if command and WATCHER.search(command["text"]):
            out.evidence(f"{path}: not judged, its command watches and rebuilds the sources")
            return
        indexes = [stages.index(s) for s in line_of_stages]
        root = resolve(stages[min(indexes)]["image"], model.get("args", {}))
        if len(stages) > 1 and (
            len(indexes) < len(stages)
            or any(step.get("copies_from_stage") for i in indexes for step in steps[i])
        ):
            if _sdk(root):
                out.report(
                    stages[min(indexes)]["line"],
                    f"the build has {len(stages)} stages, but the final image starts from the "
                    f"compiler image `{root}`: the toolchain ships in the image that runs; "
                    "start the final stage from a runtime image (`debian:*-slim`, "
                    "`gcr.io/distroless/*`, a `-jre` image) and `COPY --from` the artefacts",
                    path=path,
                )
                return
            out.evidence(f"{path}: a multi-stage build ({len(stages)} stages)")
            return
        signals = [(s["line"], s["what"]) for i in sorted(indexes) for s in steps[i] if "what" in s]
        if _sdk(root):
            first_line = stages[min(indexes)]["line"]
            signals.append((first_line, f"its base image `{root}` is a compiler SDK"))
        if not signals:
            out.evidence(f"{path}: one stage, and it builds nothing (no compiler, no build step)")
            return
        final = stages[-1]
        line, what = signals[0]
        more = f" (and {len(signals) - 1} more build step(s))" if len(signals) > 1 else ""
        out.report(
            final["line"],
            f"the image is built in a single stage and {what} (line {line}){more}: the "
            "compiler, the sources and the build caches ship in the image that runs; build in "
            "a first stage and `COPY --from` only the artefacts into a slim final stage",
            path=path,
        )
