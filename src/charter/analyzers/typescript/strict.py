"""typescript-strict: every ``tsconfig.json`` ends up with ``compilerOptions.strict: true``.

``extends`` is followed (a path or a list of paths, relative to the file; later entries win).
Bases from the ``@tsconfig/*`` packages all set ``strict: true`` and are taken as such; any other
package base cannot be read without ``node_modules``, so the project must set ``strict`` itself.
tsconfig files are JSON with comments and trailing commas, read with the ``json5`` parser.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

import json5

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex

_STRICT_KEY = re.compile(r"""["']?strict["']?\s*:""")
_MAX_DEPTH = 16
#: the two flags of strict mode that carry most of its protection: with both on, a project
#: that leaves another strict flag off (strictPropertyInitialization for DTO classes) is
#: near-strict
NEAR_STRICT = ("strictNullChecks", "noImplicitAny")


def _norm(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


class TypescriptStrictAnalyzer(Analyzer):
    name: ClassVar[str] = "typescript-strict"
    _cache: dict[str, dict[str, Any] | str]

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        configs = [p for p in repo.named("tsconfig.json") if "node_modules/" not in p]
        if not configs:
            sources = [p for p in repo.of_kind("typescript") if not p.endswith(".d.ts")]
            if sources:
                out.report(
                    1,
                    'TypeScript sources but no tsconfig.json; add one with "strict": true',
                    path=sources[0],
                )
            else:
                out.not_applicable("no TypeScript (no tsconfig.json, no .ts files)")
            return
        self._cache: dict[str, dict[str, Any] | str] = {}
        code = [p for p in repo.of_kind("typescript", "javascript") if not p.endswith(".d.ts")]
        for config in sorted(configs):
            if not self._covers_source(repo, config, code):
                out.evidence(f"{config}: compiles tests only")
                continue
            strict, where, note = self._option(repo, config, "strict", 0, set())
            if strict is True:
                origin = f" (from {where})" if where != config else ""
                out.evidence(f'{config}: "strict": true{origin}')
                continue
            near = [self._option(repo, config, key, 0, set()) for key in NEAR_STRICT]
            if all(value is True for value, _, _ in near):
                out.evidence(
                    f"{config}: {' and '.join(NEAR_STRICT)} on (the core of strict mode; the "
                    "other strict flags are left off on purpose)"
                )
                continue
            if strict is False:
                out.report(
                    self._strict_line(repo, where),
                    f'{where} sets "strict": false'
                    + (f" (inherited by {config})" if where != config else "")
                    + '; set "strict": true',
                    path=where,
                    key=f"{config}->{where}",
                )
                continue
            out.report(
                self._options_line(repo, config),
                f'{config} does not enable "strict"{note}; set "compilerOptions": '
                '{ "strict": true }',
                path=config,
            )

    def _covers_source(self, repo: RepoIndex, config: str, code: list[str]) -> bool:
        """Whether the tsconfig compiles source code: False for a tsconfig in a test folder,
        or one whose folder holds TypeScript/JavaScript test files and nothing else (unless its
        ``include`` / ``files`` reach outside the folder)."""
        if repo.path_class(config) == "test":
            return False
        folder = str(PurePosixPath(config).parent)
        inside = [p for p in code if folder == "." or p.startswith(folder + "/")]
        if not inside or any(repo.path_class(p) != "test" for p in inside):
            return True
        data = self._load(repo, config)
        if isinstance(data, dict):
            entries: list[str] = []
            for key in ("include", "files"):
                value = data.get(key)
                if isinstance(value, list):
                    entries.extend(e for e in value if isinstance(e, str))
            return any(e.startswith("..") for e in entries)
        return True

    def _load(self, repo: RepoIndex, path: str) -> dict[str, Any] | str:
        """The parsed config, or why it cannot be read."""
        if path not in self._cache:
            if not repo.has(path):
                self._cache[path] = "not found"
            else:
                try:
                    data = json5.loads(repo.source(path).text or "")
                except ValueError as exc:
                    data = f"cannot be parsed ({str(exc)[:80]})"
                self._cache[path] = data if isinstance(data, dict | str) else "not an object"
        return self._cache[path]

    def _option(
        self, repo: RepoIndex, path: str, key: str, depth: int, seen: set[str]
    ) -> tuple[bool | None, str, str]:
        """(value of the boolean compiler option ``key`` or None, file that decides it, note on
        why it is unknown)."""
        data = self._load(repo, path)
        if isinstance(data, str):
            return None, path, f" ({path} {data})"
        options = data.get("compilerOptions")
        if isinstance(options, dict) and isinstance(options.get(key), bool):
            return options[key], path, ""
        extends = data.get("extends")
        bases = [extends] if isinstance(extends, str) else extends or []
        if not isinstance(bases, list):
            bases = []
        note = ""
        for base in reversed([b for b in bases if isinstance(b, str)]):
            if base.startswith("@tsconfig/"):
                return True, base, ""  # every @tsconfig base is strict
            if not base.startswith("."):
                note = f" (and its base `{base}` is a package charter cannot read)"
                continue
            target = _norm(PurePosixPath(path).parent / base)
            if not target.endswith(".json"):
                target += ".json"
            if target in seen or depth >= _MAX_DEPTH:
                continue
            value, where, inner = self._option(repo, target, key, depth + 1, seen | {path})
            if value is not None:
                return value, where, ""
            note = note or inner
        return None, path, note

    def _strict_line(self, repo: RepoIndex, path: str) -> int:
        lines = repo.source(path).lines
        return next((i for i, t in enumerate(lines, 1) if _STRICT_KEY.search(t)), 1)

    def _options_line(self, repo: RepoIndex, path: str) -> int:
        lines = repo.source(path).lines
        return next((i for i, t in enumerate(lines, 1) if "compilerOptions" in t), 1)
