"""The repository list of ``charter fleet audit``: a text file (``SOURCE [REF [PROFILES]]`` a
line, read with :mod:`shlex`) or YAML/JSON (a list of ``{repo, ref, profiles}``), each entry a
git URL or a local path (relative to the list's folder)."""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from charter import gitops
from charter.errors import CharterError
from charter.sources import BoundedSafeLoader

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True)
class RepoEntry:
    """One repository to audit: as listed (``source``), what is cloned (``url``: the URL, or
    ``file://`` and the absolute path of a local repository), at which ref, for which
    profiles."""

    source: str
    url: str
    ref: str | None = None
    profiles: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """The source without credentials, for records and messages."""
        return gitops.redact_url(self.source)

    @property
    def id(self) -> str:
        """File-safe, readable and unique: the source's name and a hash of what is audited."""
        raw = json.dumps([gitops.redact_url(self.url), self.ref, list(self.profiles)])
        digest = hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        name = _SCHEME.sub("", self.shown).removesuffix(".git").removesuffix("/")
        name = name.split("@", 1)[-1] if "://" not in self.shown else name
        slug = _UNSAFE.sub("-", name.replace(":", "/")).strip("-.")[-60:].lstrip("-.")
        if self.ref:
            slug += "@" + _UNSAFE.sub("-", self.ref).strip("-.")[:30]
        return f"{slug or 'repo'}-{digest}"


def entry(source: str, ref: str | None, profiles: Iterable[str], base: Path) -> RepoEntry:
    """An entry for ``source`` (a URL, or a path read from ``base``)."""
    if gitops.is_remote(source):
        url = source
    else:
        path = Path(source).expanduser()
        url = "file://" + str((base / path).resolve() if not path.is_absolute() else path)
    return RepoEntry(source, url, ref, tuple(profiles))


def read_repos(path: Path, known_profiles: Iterable[str] = ()) -> list[RepoEntry]:
    """The entries of the list at ``path``; a line or field charter cannot read raises
    :class:`CharterError` naming it (exit code 2). Profiles must be among ``known_profiles``
    when that is given."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CharterError(f"{path}: cannot read the repository list: {exc}") from None
    base = path.resolve().parent
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        entries = _structured(path, text, base)
    else:
        entries = _lines(path, text, base)
    known = set(known_profiles)
    seen: dict[str, str] = {}
    for where, item in entries:
        for name in item.profiles:
            if known and name not in known:
                raise CharterError(
                    f"{where}: unknown profile {name!r}; use one of {', '.join(sorted(known))}"
                )
        if item.id in seen:
            raise CharterError(f"{where}: the same repository as {seen[item.id]}; remove one")
        seen[item.id] = where
    if not entries:
        raise CharterError(f"{path}: no repository listed; write one git URL or path a line")
    return [item for _, item in entries]


def _check_ref(where: str, ref: str) -> None:
    try:
        gitops.check_ref("ref", ref)
    except CharterError as exc:
        raise CharterError(f"{where}: {exc}") from None


def _profiles(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise CharterError(f"{where}: profiles must be a list of profile ids, e.g. [backend]")
    return tuple(v.strip() for v in items if v.strip())


def _lines(path: Path, text: str, base: Path) -> list[tuple[str, RepoEntry]]:
    out: list[tuple[str, RepoEntry]] = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{number}"
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise CharterError(f"{where}: cannot read the line ({exc}); quote it whole") from None
        if not words:
            continue
        if len(words) > 3:
            raise CharterError(
                f"{where}: {len(words)} words; write SOURCE [REF [PROFILE,PROFILE]] "
                "(REF '-' for the default branch)"
            )
        ref = words[1] if len(words) > 1 and words[1] != "-" else None
        if ref is not None:
            _check_ref(where, ref)
        profiles = _profiles(where, words[2]) if len(words) > 2 else ()
        out.append((where, entry(words[0], ref, profiles, base)))
    return out


def _structured(path: Path, text: str, base: Path) -> list[tuple[str, RepoEntry]]:
    try:
        data = yaml.load(text, Loader=BoundedSafeLoader)  # JSON is YAML too
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise CharterError(f"{path}: invalid YAML{at}; fix the syntax") from None
    if isinstance(data, dict) and set(data) == {"repos"}:
        data = data["repos"]
    if not isinstance(data, list):
        raise CharterError(f"{path}: write a list of repositories (or one under 'repos:')")
    out: list[tuple[str, RepoEntry]] = []
    for i, item in enumerate(data):
        where = f"{path}: entry {i + 1}"
        if isinstance(item, str):
            item = {"repo": item}
        if not isinstance(item, dict) or not isinstance(item.get("repo"), str):
            raise CharterError(f"{where}: field 'repo': a git URL or path is required")
        extra = set(item) - {"repo", "ref", "profiles"}
        if extra:
            raise CharterError(
                f"{where}: unknown field {sorted(extra)[0]!r}; use repo, ref and profiles"
            )
        ref = item.get("ref")
        if ref is not None:
            if not isinstance(ref, str | int):
                raise CharterError(f"{where}: field 'ref': a branch, tag or commit")
            ref = str(ref)
            _check_ref(f"{where}: field 'ref'", ref)
        profiles = _profiles(f"{where}: field 'profiles'", item.get("profiles"))
        out.append((where, entry(item["repo"], ref, profiles, base)))
    return out
