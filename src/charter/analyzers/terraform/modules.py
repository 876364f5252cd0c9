"""terraform-pinned-modules: module sources are pinned (registry version, git tag or commit)."""

from __future__ import annotations

import re
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.common import TerraformAnalyzer
from charter.analyzers.terraform.constraints import (
    ConstraintError,
    describe_bounds,
    parse_constraint,
)
from charter.repo import RepoIndex

_REGISTRY = re.compile(
    r"^(?:(?P<host>[a-z0-9.-]+\.[a-z]{2,}(?::\d+)?)/)?"
    r"(?P<ns>[A-Za-z0-9][A-Za-z0-9_-]*)/(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)/"
    r"(?P<provider>[a-z0-9]+)(?://.*)?$"
)
_GIT_HOSTS = ("github.com/", "bitbucket.org/", "gitlab.com/")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
_TAG = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_]*-)?v?\d+(?:\.\d+)*(?:[-+.][0-9A-Za-z.-]+)?$")


def classify_source(source: str) -> str:
    """``local``, ``registry``, ``git`` (incl. GitHub/Bitbucket shorthands), ``hg`` or ``other``."""
    if source.startswith(("./", "../")):
        return "local"
    if source.startswith(("git::", "git@")) or source.startswith(_GIT_HOSTS):
        return "git"
    if source.startswith("hg::"):
        return "hg"
    if "://" in source or "::" in source:
        plain = source.split("::", 1)[-1]
        if plain.split("?")[0].endswith(".git"):
            return "git"
        return "other"
    if _REGISTRY.match(source):
        return "registry"
    return "other"


def git_ref(source: str) -> str | None:
    """The ``ref=`` of a git source (None when it has none)."""
    address = source.split("::", 1)[-1]
    if address.startswith("git@"):
        address = "ssh://" + address.replace(":", "/", 1)
    query = urlsplit(address).query
    if not query and "?" in address:
        query = address.split("?", 1)[1]
    refs = parse_qs(query).get("ref") or parse_qs(query).get("rev")
    return refs[0] if refs else None


def ref_kind(ref: str) -> str:
    """``commit``, ``tag`` or ``branch`` (anything that is neither a hash nor version-like)."""
    if _COMMIT.match(ref):
        return "commit"
    if _TAG.match(ref):
        return "tag"
    return "branch"


class PinnedModulesAnalyzer(TerraformAnalyzer):
    """Registry modules carry a bounded ``version``; git sources pin ``ref=`` to a tag or a
    commit; local paths pass."""

    name: ClassVar[str] = "terraform-pinned-modules"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        calls = [
            (rel, call) for module in self.modules(repo) for rel, call in module.items("modules")
        ]
        if not calls:
            out.not_applicable("no Terraform module blocks")
            return
        for rel, call in calls:
            self._check(rel, call, out)

    def _check(self, rel: str, call: dict[str, Any], out: Emitter) -> None:
        name = call["name"]
        source = call.get("source")
        if not isinstance(source, str) or not source:
            out.report(call["line"], f"module `{name}` has no literal `source`", path=rel)
            return
        kind = classify_source(source)
        if kind == "local":
            out.evidence(f"{rel}:{call['line']}: module `{name}` is a local path ({source})")
            return
        if kind == "registry":
            version = call.get("version")
            if not version:
                out.report(
                    call["line"],
                    f"module `{name}` from the registry ({source}) has no `version`; "
                    'pin it, e.g. `version = "~> X.Y"`',
                    path=rel,
                )
                return
            try:
                constraint = parse_constraint(str(version))
            except ConstraintError as exc:
                out.report(
                    call["version_line"],
                    f"module `{name}` version `{version}` is not a valid constraint: {exc}",
                    path=rel,
                )
                return
            if not constraint.bounded:
                out.report(
                    call["version_line"],
                    f"module `{name}` version `{version}` has no upper bound "
                    f"({describe_bounds(constraint)}); use `~> X.Y` or an exact version",
                    path=rel,
                )
                return
            out.evidence(f"{rel}:{call['version_line']}: module `{name}` pinned to `{version}`")
            return
        if kind in {"git", "hg"}:
            ref = git_ref(source)
            if ref is None:
                out.report(
                    call["source_line"],
                    f"module `{name}` source {source} has no `?ref=`, so it follows the default "
                    "branch; pin a tag or a commit",
                    path=rel,
                )
                return
            what = ref_kind(ref)
            if what == "branch":
                out.report(
                    call["source_line"],
                    f"module `{name}` pins `ref={ref}`, which looks like a branch; "
                    "pin a tag or a commit hash",
                    path=rel,
                )
                return
            out.evidence(f"{rel}:{call['source_line']}: module `{name}` pinned to {what} `{ref}`")
            return
        out.evidence(
            f"{rel}:{call['source_line']}: module `{name}` source {source} is not a registry "
            "or git source; not checked"
        )
