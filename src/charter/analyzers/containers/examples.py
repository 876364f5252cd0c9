"""Folders whose own README presents them as examples to run on a local cluster.

A ``kubernetes/`` (or ``deploy/``, ``k8s/`` ...) folder whose README opens with "Kubernetes
deployment examples" and walks through ``kind create cluster`` holds demonstrations, not the
project's deployment: the container rules do not judge its manifests, nor the images built
there for them. The folder's name alone does not say so (path classes only know
``examples/``, ``demo/`` ...); its README does. Only a README inside the folder (or a folder
above it, below the repository root) counts: the root README describes the whole project.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from charter.repo import RepoIndex

READMES = ("README.md", "README.rst", "README.txt", "README", "readme.md", "Readme.md")
#: words that say a folder holds examples (in the README's title or first paragraph)
_EXAMPLE = re.compile(
    r"\b(?:examples?|demos?|demonstrations?|samples?|tutorials?|walk-?throughs?)\b", re.I
)
#: local, throwaway clusters: kind (as a tool, not the English word), minikube, k3d, microk8s
_LOCAL_CLUSTER = re.compile(
    r"\bkind\s+(?:create|load|delete|get|export)\b|\[kind\]|kind\.sigs\.k8s\.io"
    r"|\bkind\s+cluster\b|\bminikube\b|\bk3d\b|\bmicrok8s\b|\bdocker\s+desktop\b",
    re.I,
)
_HEADING = re.compile(r"^(?:#{1,6}\s|\S.*\n[=\-~^]{3,}\s*$)", re.M)


def _intro(text: str) -> str:
    """The README's title and first paragraph (up to the second heading, at most 800
    characters)."""
    text = text.lstrip("\ufeff")
    headings = [m.start() for m in _HEADING.finditer(text)]
    end = headings[1] if len(headings) > 1 else len(text)
    return text[: min(end, 800)]


class LocalClusterExamples:
    """Which files sit in a folder that its README presents as examples for a local cluster
    (one instance per rule run; READMEs are read once)."""

    def __init__(self, repo: RepoIndex) -> None:
        self.repo = repo
        self._folders: dict[str, str | None] = {}

    def why(self, path: str) -> str | None:
        """Why ``path`` is an example (the README that says so), or None."""
        folder = PurePosixPath(path).parent
        while str(folder) not in ("", "."):
            found = self._folder(str(folder))
            if found:
                return found
            folder = folder.parent
        return None

    def _folder(self, folder: str) -> str | None:
        if folder not in self._folders:
            self._folders[folder] = self._read(folder)
        return self._folders[folder]

    def _read(self, folder: str) -> str | None:
        for name in READMES:
            rel = f"{folder}/{name}"
            if not (self.repo.has(rel) or self.repo.exists(rel)):
                continue
            text = self.repo.source(rel).text or ""
            cluster = _LOCAL_CLUSTER.search(text)
            if cluster and _EXAMPLE.search(_intro(text)):
                tool = cluster.group(0).split()[0].strip("[]").split(".")[0].lower()
                return f"{rel} presents its folder as examples for a local {tool} cluster"
            return None
        return None
