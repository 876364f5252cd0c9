"""Kustomizations, shared by the Kubernetes rules: which files they include (through other
kustomizations), which are patches rather than workloads, the namespace each file ends up in,
and which files only development overlays (``k8s/dev``, ``overlays/local``, kind clusters)
deploy."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any

import yaml

from charter.analyzers.containers.images import dev_or_test_path
from charter.analyzers.health.manifests import mget, scalar

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")
#: prefix of the namespace chosen when a kustomization that sets none is applied
APPLIED = "\0applied:"


def _strings(node: Any) -> list[str]:
    if isinstance(node, yaml.SequenceNode):
        return [v for v in (scalar(n) for n in node.value) if v]
    return []


def _text(node: Any) -> str | None:
    value = scalar(node)
    if value is None or "{{" in value:
        return None
    return value.strip() or None


def is_kustomization(path: str, doc: Any) -> bool:
    return PurePosixPath(path).name in KUSTOMIZATIONS or (
        isinstance(doc, yaml.MappingNode) and scalar(mget(doc, "kind")) == "Kustomization"
    )


def kustomization_fact(doc: Any) -> dict[str, Any]:
    """A kustomization's namespace, resources (``bases`` too) and patch files."""
    patches = _strings(mget(doc, "patchesStrategicMerge"))
    for key in ("patches", "patchesJson6902"):
        node = mget(doc, key)
        if isinstance(node, yaml.SequenceNode):
            for entry in node.value:
                path = scalar(mget(entry, "path")) or scalar(entry)
                if path and "\n" not in path:
                    patches.append(path)
    resources = _strings(mget(doc, "resources")) + _strings(mget(doc, "bases"))
    resources += _strings(mget(doc, "components"))
    images: list[list[str]] = []
    node = mget(doc, "images")
    if isinstance(node, yaml.SequenceNode):
        for entry in node.value:
            name, new = scalar(mget(entry, "name")), scalar(mget(entry, "newName"))
            if name and new and "{{" not in new:
                images.append([name, new])
    return {
        "kind": "Kustomization",
        "namespace": _text(mget(doc, "namespace")),
        "resources": resources,
        "patches": patches,
        "images": images,
    }


class Kustomizations:
    """The kustomizations of a repository (facts by path)."""

    def __init__(self, found: dict[str, dict[str, Any]]) -> None:
        self.by_folder = {str(PurePosixPath(path).parent): k for path, k in found.items()}
        self.patches = {
            posixpath.normpath(posixpath.join(folder, p))
            for folder, k in self.by_folder.items()
            for p in k["patches"]
        }
        included = {
            target
            for folder in self.by_folder
            for target in self._targets(folder)
            if target in self.by_folder
        }
        #: kustomizations nothing else includes: what ``kubectl apply -k`` is run on
        self.roots = sorted(f for f in self.by_folder if f not in included)
        #: file -> the namespaces it gets (the outermost kustomization's namespace wins; a root
        #: without one leaves it to whoever applies it: ``APPLIED`` + the root's folder)
        self.namespaces: dict[str, set[str]] = defaultdict(set)
        #: file -> the root kustomizations that deploy it
        self.deployed_by: dict[str, set[str]] = defaultdict(set)
        for root in self.roots:
            self._walk(root, root, None, set())
        #: image name -> the names kustomizations' ``images:`` replace it with (``newName``)
        self.renames: dict[str, set[str]] = defaultdict(set)
        for k in self.by_folder.values():
            for name, new in k.get("images", []):
                self.renames[name].add(new)

    def _targets(self, folder: str) -> list[str]:
        out = []
        for ref in self.by_folder[folder]["resources"]:
            if "://" in ref or ref.startswith(("github.com/", "git@", "git::")):
                continue
            out.append(posixpath.normpath(posixpath.join(folder, ref)))
        return out

    def _walk(self, root: str, folder: str, namespace: str | None, seen: set[str]) -> None:
        if folder in seen:
            return
        seen.add(folder)
        namespace = namespace or self.by_folder[folder]["namespace"]
        for target in self._targets(folder):
            if target in self.by_folder:
                self._walk(root, target, namespace, seen)
            else:
                self.namespaces[target].add(namespace or f"{APPLIED}{root}")
                self.deployed_by[target].add(root)

    def image_names(self, image: str | None) -> list[str]:
        """``image`` and the names kustomizations' ``images:`` entries give it (a placeholder
        such as ``auth-image`` becomes ``localhost/acme/auth``)."""
        if not image:
            return []
        bare = image.split("@", 1)[0]
        last = bare.rsplit("/", 1)[-1]
        if ":" in last:
            bare = bare[: len(bare) - len(last)] + last.split(":", 1)[0]
        return [image, *sorted(self.renames.get(bare, ()))]

    def of(self, path: str) -> set[str]:
        """The namespaces a kustomization gives the file (empty when none includes it)."""
        return self.namespaces.get(path, set())

    def kustomized(self, path: str) -> bool:
        return path in self.deployed_by or str(PurePosixPath(path).parent) in self.by_folder

    def dev_only(self, path: str) -> str | None:
        """Why a manifest is for development only: its own path says so (``k8s/dev/``,
        ``overlays/local/``, a kind cluster), or every kustomization that deploys it does (a
        base only a dev overlay uses). None for a manifest production may deploy."""
        why = dev_or_test_path(path)
        if why:
            return f"a {why} manifest"
        roots = self.deployed_by.get(path)
        if roots and all(dev_or_test_path(f"{root}/") for root in roots):
            shown = ", ".join(sorted(roots))
            return f"deployed only by the development kustomization(s) {shown}"
        return None


def namespace_label(space: str, release: str) -> str:
    if space.startswith(release):
        return f"the release namespace of Helm chart `{space.removeprefix(release)}`"
    if space.startswith(APPLIED):
        folder = space.removeprefix(APPLIED)
        return f"the namespace kustomization `{folder}` is applied to"
    return f"namespace `{space}`"
