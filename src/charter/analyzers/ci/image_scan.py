"""ci-image-scan: a repository whose CI publishes container images scans them for known
vulnerabilities (Trivy, Grype, Docker Scout, Snyk Container, GitLab container scanning …)."""

from __future__ import annotations

import re
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.ci.model import Step, ci_model, tools
from charter.analyzers.ci.rules import _short
from charter.repo import RepoIndex
from charter.sources import basename

#: CI steps that publish an image (raw text; ``with:`` inputs are checked for build-push)
PUBLISH = tools(
    ("docker push", r"\b(?:docker|podman|buildah)\s+(?:image\s+)?push\b"),
    ("buildx --push", r"\bdocker\s+(?:buildx\s+)?(?:build|bake)\b.*\s--push\b"),
    ("ko", r"\bko\s+(?:build|publish|resolve|apply)\b|ko-build/setup-ko"),
    ("kaniko", r"\bkaniko\b|/kaniko/executor"),
    ("jib", r"\bjib(?::build)?\b.*\b(?:jib|image)\b|\bjib\s+build\b"),
    ("goreleaser", r"goreleaser"),
    ("buildah push", r"redhat-actions/push-to-registry"),
)
BUILD_PUSH_ACTIONS = re.compile(r"^(?:docker/build-push-action|docker/bake-action|"
                                r"depot/build-push-action|depot/bake-action)@")
#: image scanners (raw text); trivy-action counts unless its scan-type is not an image
SCANNERS = tools(
    ("trivy", r"\btrivy\s+(?:image|i)\b|\btrivy\b.*\s--input\b"),
    ("grype", r"\bgrype\b|anchore/scan-action"),
    ("docker scout", r"\bdocker\s+scout\s+(?:cves|quickview)\b|docker/scout-action"),
    ("snyk container", r"\bsnyk\s+container\b|snyk/actions/docker"),
    ("clair", r"\bclair(?:ctl)?\b"),
    ("GitLab container scanning", r"Container-Scanning"),
    ("container scan action", r"azure/container-scan|crazy-max/ghaction-container-scan|"
                              r"sysdiglabs/scan-action|neuvector/scan-action|"
                              r"lacework/lw-scanner-action|wiz-sec"),
)  # fmt: skip
TRIVY_ACTION = re.compile(r"^aquasecurity/trivy-action@")
#: registry-side scanning declared in Terraform (ECR scan on push)
REGISTRY_SCAN = re.compile(r"\bscan_on_push\s*=\s*true\b")


#: ko building into the local docker daemon or a kind cluster: nothing is published
KO_LOCAL = re.compile(r"\bko\b.*(?:\s--local\b|\s-L\b)|KO_DOCKER_REPO=(?:ko|kind)\.local")


#: a file for tests by its path (``scripts/e2e-test.sh``, ``test/integration/run.sh``)
TEST_PATH = re.compile(r"(?:^|[/._-])(?:e2e|tests?|testing|integration)(?=[/._-]|$)")


def _test_only(step: Step) -> bool:
    """A step written in a test file (``scripts/e2e-test.sh``), or ko building into the local
    daemon or a kind cluster: images for tests, not published."""
    return bool(TEST_PATH.search(step.path) or KO_LOCAL.search(step.text))


def _publishes(step: Step) -> bool:
    if step.kind == "uses" and BUILD_PUSH_ACTIONS.match(step.text):
        push = dict(step.inputs).get("push", "false").strip().lower()
        return push not in ("false", "")
    return False


def _goreleaser_images(repo: RepoIndex) -> bool:
    for path in repo.files:
        if basename(path) in (".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml",
                              "goreleaser.yaml"):  # fmt: skip
            text = repo.source(path).text or ""
            if re.search(r"^(?:dockers|docker_manifests|kos|dockers_v2):", text, re.M):
                return True
    return False


class CiImageScanAnalyzer(Analyzer):
    name: ClassVar[str] = "ci-image-scan"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        model = ci_model(repo)
        steps = model.ci_steps()
        published: list[tuple[str, Step]] = [("build-push", s) for s in steps if _publishes(s)]
        for label, step in model.find(PUBLISH, raw=True):
            if label == "goreleaser" and not _goreleaser_images(repo):
                continue
            published.append((label, step))
        published = [(label, step) for label, step in published if not _test_only(step)]
        if not published:
            out.not_applicable("CI publishes no container image")
            return
        for label, step in model.find(SCANNERS, raw=True):
            out.evidence(f"{label}: `{_short(step)}` at {step.where()}")
            return
        for step in steps:
            if step.kind == "uses" and TRIVY_ACTION.match(step.text):
                kind = dict(step.inputs).get("scan-type", "image").strip().lower()
                if kind in ("image", ""):
                    out.evidence(f"trivy-action scans an image at {step.where()}")
                    return
        for path in repo.of_kind("terraform"):
            if REGISTRY_SCAN.search(repo.source(path).text or ""):
                out.evidence(f"the registry scans images on push ({path})")
                return
        label, first = published[0]
        others = tuple((s.path, s.line) for _, s in published[1:5])
        out.report(
            first.line,
            f"CI publishes a container image (`{_short(first)}`) but no step scans an image "
            "for known vulnerabilities; scan it before or after the push with `trivy image`, "
            "`grype`, `docker scout cves` or aquasecurity/trivy-action",
            path=first.path,
            related=others,
        )
