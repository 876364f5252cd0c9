"""What every Terraform rule shares: per-file facts and the module directories they form.

The file phase of each Terraform rule turns one ``.tf`` file into a JSON-able fact (blocks and
attributes with their lines) from the shared parse; the repo phase groups the facts by folder,
because a Terraform module is a folder: ``required_providers`` in ``versions.tf`` covers the
resources in ``main.tf``.
"""

from __future__ import annotations

import posixpath
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.terraform.hcl import Block, top_blocks
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: providers built into Terraform itself: never installed, never pinned
BUILTIN_PROVIDERS = frozenset({"terraform"})

_INTERPOLATION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)


def unwrap(value: Any) -> Any:
    """``"${aws.west}"`` -> ``"aws.west"``; other values unchanged."""
    if isinstance(value, str):
        match = _INTERPOLATION.match(value.strip())
        if match:
            return match.group(1).strip()
    return value


def file_facts(blocks: list[Block]) -> dict[str, Any]:
    """The facts of one file that the Terraform rules use (JSON-able)."""
    facts: dict[str, Any] = {
        "terraform_blocks": [],
        "required_version": [],
        "required_providers": [],
        "provider_blocks": [],
        "uses": [],
        "modules": [],
        "backends": [],
        "resources": [],
    }
    for block in blocks:
        if block.type == "terraform":
            facts["terraform_blocks"].append(block.line)
            attr = block.attrs.get("required_version")
            if attr is not None:
                facts["required_version"].append({"value": attr.value, "line": attr.line})
            for req in block.children("required_providers"):
                for name, entry in req.attrs.items():
                    facts["required_providers"].append(_required_provider(name, entry))
            for backend in block.children("backend"):
                facts["backends"].append(
                    {
                        "type": backend.labels[0] if backend.labels else "",
                        "line": backend.line,
                        "attrs": {k: _jsonable(a.value) for k, a in backend.attrs.items()},
                    }
                )
            for cloud in block.children("cloud"):
                facts["backends"].append({"type": "cloud", "line": cloud.line, "attrs": {}})
        elif block.type == "provider" and block.labels:
            facts["provider_blocks"].append(
                {
                    "name": block.labels[0],
                    "line": block.line,
                    "blocks": sorted({b.type for b in block.blocks}),
                }
            )
        elif block.type in {"resource", "data", "ephemeral"} and block.labels:
            rtype = block.labels[0]
            explicit = unwrap(block.value("provider"))
            provider = explicit.split(".")[0] if isinstance(explicit, str) else rtype.split("_")[0]
            facts["uses"].append(
                {
                    "provider": provider,
                    "kind": block.type,
                    "type": rtype,
                    "name": block.labels[1] if len(block.labels) > 1 else "",
                    "line": block.line,
                }
            )
            if block.type == "resource":
                facts["resources"].append(_resource(block))
        elif block.type == "module" and block.labels:
            source = block.attrs.get("source")
            version = block.attrs.get("version")
            facts["modules"].append(
                {
                    "name": block.labels[0],
                    "line": block.line,
                    "source": source.value if source is not None else None,
                    "source_line": source.line if source is not None else block.line,
                    "version": version.value if version is not None else None,
                    "version_line": version.line if version is not None else block.line,
                }
            )
    return facts


def _required_provider(name: str, entry: Any) -> dict[str, Any]:
    value = entry.value
    if isinstance(value, dict):
        version = value.get("version")
        version_line = entry.keys.get("version", (None, entry.line))[1]
        source = value.get("source")
    else:  # Terraform 0.12 shorthand: aws = "~> 2.0"
        version, version_line, source = value, entry.line, None
    return {
        "name": name,
        "source": source if isinstance(source, str) else None,
        "version": version if isinstance(version, str) else None,
        "line": entry.line,
        "version_line": version_line,
    }


def _resource(block: Block) -> dict[str, Any]:
    """A resource with its attribute names and nested block types (for hygiene rules)."""
    return {
        "type": block.labels[0],
        "name": block.labels[1] if len(block.labels) > 1 else "",
        "line": block.line,
        "attrs": {k: _jsonable(a.value) for k, a in block.attrs.items()},
        "blocks": sorted({b.type for b in block.blocks}),
        "block_attrs": {
            b.type: {k: _jsonable(v.value) for k, v in b.attrs.items()} for b in block.blocks
        },
    }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


@dataclass
class ModuleDir:
    """A Terraform module: one folder of ``.tf`` files and the facts of each."""

    path: str  # "" for the repository root
    files: list[str] = field(default_factory=list)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: called by a module block elsewhere in the repository with a local path (an example
    #: or a test calling it counts), under ``modules/`` or ``wrappers/``: a reusable module
    is_child: bool = False
    #: an example, test or fixture (path class): it shows or tests other modules and is not
    #: judged itself
    is_example: bool = False

    @property
    def label(self) -> str:
        return self.path or "."

    def items(self, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every fact of kind ``key`` in this module with its file, in file then line order."""
        for rel in self.files:
            for item in self.facts.get(rel, {}).get(key, []):
                yield rel, item

    def anchor(self) -> tuple[str, int]:
        """Where a module-level finding goes: its first ``terraform {}`` block, else the start
        of ``versions.tf``, ``main.tf`` or its first file."""
        for rel in self.files:
            lines = self.facts.get(rel, {}).get("terraform_blocks", [])
            if lines:
                return rel, int(lines[0])
        for name in ("versions.tf", "terraform.tf", "main.tf"):
            rel = posixpath.join(self.path, name) if self.path else name
            if rel in self.files:
                return rel, 1
        return self.files[0], 1

    @property
    def has_content(self) -> bool:
        keys = ("uses", "provider_blocks", "required_providers", "modules")
        return any(True for key in keys for _ in self.items(key))


def module_dirs(repo: RepoIndex, facts: dict[str, list[Any]]) -> list[ModuleDir]:
    """Group ``.tf`` files by folder; mark the folders other modules call by local path (a
    module library's examples call its root: the root is then reusable, not a root module),
    and the example and test folders."""
    dirs: dict[str, ModuleDir] = {}
    for rel in repo.of_kind("terraform"):
        folder = str(PurePosixPath(rel).parent)
        folder = "" if folder == "." else folder
        module = dirs.setdefault(folder, ModuleDir(folder))
        module.files.append(rel)
        if repo.path_class(rel) in ("example", "test"):
            module.is_example = True
        found = facts.get(rel)
        if found:
            module.facts[rel] = found[0]
    for module in dirs.values():
        module.files.sort()
        for _, call in module.items("modules"):
            source = call.get("source")
            if isinstance(source, str) and source.startswith(("./", "../")):
                target = posixpath.normpath(posixpath.join(module.path or ".", source))
                target = "" if target == "." else target
                if target in dirs:
                    dirs[target].is_child = True
    for module in dirs.values():
        # by convention, reusable modules live under a modules/ folder; a module library's
        # wrappers/ (terraform-aws-modules) are modules that Terragrunt calls
        if {"modules", "wrappers"} & set(PurePosixPath(module.path).parts):
            module.is_child = True
    return [dirs[k] for k in sorted(dirs)]


#: facts per shared parse tree, so the Terraform rules convert each file's tree once
_FACTS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def facts_of(tree: Any) -> dict[str, Any]:
    found = _FACTS.get(tree)
    if found is None:
        found = _FACTS[tree] = file_facts(top_blocks(tree))
    return found


class TerraformAnalyzer(Analyzer):
    """File phase shared by the Terraform rules: one fact per ``.tf`` file."""

    kinds: ClassVar[frozenset[str]] = frozenset({"terraform"})

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.hcl
        if tree is None:
            return
        out.fact(facts_of(tree))

    def modules(self, repo: RepoIndex) -> list[ModuleDir]:
        """The modules to judge: every module folder but examples and tests (which the rule's
        scope lets in only so that the modules they call are known as reusable)."""
        return [m for m in module_dirs(repo, dict(repo.facts(self))) if not m.is_example]
