"""The module path aliases a TypeScript/JavaScript project declares, read without running it.

A project is the nearest folder above a source file that has a ``package.json``, a
``tsconfig.json`` or a ``jsconfig.json``. Its aliases come from:

- ``compilerOptions.paths`` of its ``tsconfig*.json`` / ``jsconfig.json`` (local ``extends``
  followed; targets resolved against ``baseUrl``, else the declaring file's folder);
- simple ``resolve.alias`` entries of a Vite or webpack config
  (``"@": path.resolve(__dirname, "./src")``, ``{ find: "@", replacement: "/src" }``);
- the framework defaults: Nuxt's ``~/`` and ``@/`` (the project folder, or ``srcDir``), Vue
  CLI's ``@/`` (``src/``);
- ``package.json`` ``imports`` (Node's own ``#name/*`` subpath imports);
- and, as a last resort, the aliased imports the project already writes (``@/x``, ``~/x``): an
  alias exists even when the file that declares it cannot be read; its target is then unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import json5

from charter.repo import RepoIndex

_MAX_EXTENDS = 8
_BUNDLERS = (
    "vite.config.ts",
    "vite.config.js",
    "vite.config.mts",
    "vite.config.mjs",
    "webpack.config.js",
    "webpack.config.ts",
    "webpack.config.cjs",
    "vue.config.js",
    "nuxt.config.ts",
    "nuxt.config.js",
    "next.config.js",
    "next.config.mjs",
    "next.config.ts",
    "svelte.config.js",
    "astro.config.mjs",
)
#: ``"@": path.resolve(__dirname, "./src")`` / ``'@': fileURLToPath(new URL('./src', ...))``
_OBJECT_ALIAS = re.compile(
    r"""["']?(?P<key>[@~#$][\w/-]*|\w+)["']?\s*:\s*(?:path\.)?(?:resolve|join|fileURLToPath)"""
    r"""\s*\([^"'`;]{0,80}?["'`](?P<target>[^"'`]*)["'`]"""
)
#: ``{ find: "@", replacement: "/src" }``
_FIND_ALIAS = re.compile(
    r"""find\s*:\s*["'](?P<key>[^"']+)["']\s*,\s*replacement\s*:\s*"""
    r"""(?:(?:path\.)?(?:resolve|join|fileURLToPath)\s*\([^"'`;]{0,80}?)?"""
    r"""["'`](?P<target>[^"'`]*)["'`]"""
)
_NUXT_SRC_DIR = re.compile(r"""srcDir\s*:\s*["'`]([^"'`]+)["'`]""")
#: alias prefixes that are never an npm package name: ``@/x``, ``~/x``, ``#x``
_ALIASED_IMPORT = re.compile(r"^(@/|~/|~~/|@@/|#[\w-]*/?)")


@dataclass
class Alias:
    """One alias: imports starting with ``prefix`` resolve under ``target`` (a repo folder,
    ``""`` for the root; None when unknown). ``source`` says where it is declared."""

    prefix: str
    target: str | None
    source: str
    key: str = ""
    value: str = ""


@dataclass
class Project:
    root: str
    configs: list[str] = field(default_factory=list)
    bundler: str | None = None
    aliases: list[Alias] = field(default_factory=list)


def norm(path: PurePosixPath | str) -> str:
    """A repo-relative path with ``.`` and ``..`` resolved (``""`` for the root)."""
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in {".", "/"}:
            parts.append(part)
    return "/".join(parts)


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def project_root(repo: RepoIndex, path: str) -> str | None:
    """The nearest folder above ``path`` with a package.json, tsconfig.json or jsconfig.json."""
    folder = PurePosixPath(path).parent
    while True:
        here = "" if str(folder) == "." else str(folder)
        if any(
            repo.has(_join(here, n)) for n in ("package.json", "tsconfig.json", "jsconfig.json")
        ):
            return here
        if not here:
            return None
        folder = folder.parent


class AliasReader:
    """Reads each project's aliases once per audit."""

    def __init__(self, repo: RepoIndex) -> None:
        self.repo = repo
        self._projects: dict[str, Project] = {}
        self._json: dict[str, dict[str, Any] | None] = {}

    def project(self, root: str, used: dict[str, int]) -> Project:
        """The project at ``root``; ``used`` counts the aliased imports its files write."""
        if root in self._projects:
            return self._projects[root]
        repo = self.repo
        project = Project(root)
        configs = sorted(
            p
            for p in repo.files
            if PurePosixPath(p).parent == PurePosixPath(root or ".")
            and re.fullmatch(r"(?:tsconfig(?:\.[\w-]+)?|jsconfig)\.json", PurePosixPath(p).name)
        )
        # tsconfig.json / jsconfig.json first: the file a developer edits
        configs.sort(key=lambda p: PurePosixPath(p).name not in {"tsconfig.json", "jsconfig.json"})
        project.configs = configs
        for config in configs:
            project.aliases.extend(self._paths(config))
        bundlers = [_join(root, n) for n in _BUNDLERS if repo.has(_join(root, n))]
        project.bundler = bundlers[0] if bundlers else None
        for bundler in bundlers:
            project.aliases.extend(self._bundler_aliases(root, bundler))
        package = self._load(_join(root, "package.json"))
        if package is not None:
            imports = package.get("imports")
            if isinstance(imports, dict):
                for key, value in imports.items():
                    target = value if isinstance(value, str) else None
                    if isinstance(key, str) and key.startswith("#"):
                        project.aliases.append(self._alias(root, key, target, "package.json"))
            deps = {
                **(package.get("dependencies") or {}),
                **(package.get("devDependencies") or {}),
            }
            if "@vue/cli-service" in deps and not any(a.prefix == "@/" for a in project.aliases):
                project.aliases.append(
                    Alias("@/", norm(_join(root, "src")), "Vue CLI's default", "@", "src")
                )
        if any(PurePosixPath(b).name.startswith("nuxt.config") for b in bundlers):
            text = repo.source(bundlers[0]).text or ""
            src = _NUXT_SRC_DIR.search(text)
            target = norm(_join(root, src.group(1))) if src else root
            for prefix in ("~/", "@/"):
                if not any(a.prefix == prefix for a in project.aliases):
                    project.aliases.append(Alias(prefix, target, "Nuxt's default", prefix, "."))
        for prefix, _count in sorted(used.items(), key=lambda kv: -kv[1]):
            if not any(a.prefix == prefix for a in project.aliases):
                project.aliases.append(Alias(prefix, None, "imports already written", prefix))
        # the most used alias first, declared ones before guessed ones
        project.aliases.sort(key=lambda a: (a.target is None, -used.get(a.prefix, 0)))
        self._projects[root] = project
        return project

    def _alias(self, base: str, key: str, target: str | None, source: str) -> Alias:
        prefix = key[:-1] if key.endswith("*") else key
        resolved = None
        if target is not None:
            clean = target[:-1] if target.endswith("*") else target
            resolved = norm(_join(base, clean.lstrip("/") if clean.startswith("/") else clean))
        return Alias(prefix, resolved, source, key, target or "")

    def _load(self, path: str) -> dict[str, Any] | None:
        if path not in self._json:
            data: Any = None
            if self.repo.has(path):
                try:
                    data = json5.loads(self.repo.source(path).text or "")
                except ValueError:
                    data = None
            self._json[path] = data if isinstance(data, dict) else None
        return self._json[path]

    def _paths(self, config: str) -> list[Alias]:
        """``compilerOptions.paths`` of a tsconfig, following local ``extends``."""
        seen: set[str] = set()
        current: str | None = config
        paths: dict[str, Any] | None = None
        paths_from = config
        base_url: str | None = None
        base_from = config
        for _ in range(_MAX_EXTENDS):
            if current is None or current in seen:
                break
            seen.add(current)
            data = self._load(current)
            if data is None:
                break
            options = data.get("compilerOptions")
            if isinstance(options, dict):
                if paths is None and isinstance(options.get("paths"), dict):
                    paths, paths_from = options["paths"], current
                if base_url is None and isinstance(options.get("baseUrl"), str):
                    base_url, base_from = options["baseUrl"], current
            extends = data.get("extends")
            first = extends[0] if isinstance(extends, list) and extends else extends
            if isinstance(first, str) and first.startswith("."):
                target = norm(PurePosixPath(current).parent / first)
                current = target if target.endswith(".json") else target + ".json"
            else:
                current = None
        if not paths:
            return []
        if base_url is not None:
            base = norm(PurePosixPath(base_from).parent / base_url)
        else:
            base = norm(PurePosixPath(paths_from).parent)
        aliases: list[Alias] = []
        for key, targets in paths.items():
            if not isinstance(key, str) or not key.endswith("/*"):
                continue  # an exact alias ("@app") names one module, not a folder
            first = targets[0] if isinstance(targets, list) and targets else None
            aliases.append(
                self._alias(base, key, first if isinstance(first, str) else None, config)
            )
        return aliases

    def _bundler_aliases(self, root: str, bundler: str) -> list[Alias]:
        text = self.repo.source(bundler).text or ""
        if "alias" not in text:
            return []
        block = text[text.index("alias") :]
        found: list[Alias] = []
        for pattern in (_FIND_ALIAS, _OBJECT_ALIAS):
            for match in pattern.finditer(block[:4000]):
                key = match["key"]
                if not re.match(r"^[@~#$]", key):
                    continue
                prefix = key if key.endswith("/") else key + "/"
                target = match["target"]
                resolved = norm(_join(root, target.lstrip("/")))
                found.append(Alias(prefix, resolved, bundler, key, target))
        return found


def aliased_prefix(spec: str) -> str | None:
    """The alias prefix of an import that can only be an alias (``@/x``, ``~/x``, ``#x/y``)."""
    match = _ALIASED_IMPORT.match(spec)
    if match is None:
        return None
    prefix = match.group(1)
    return prefix if prefix.endswith("/") else None
