"""Provider-format detectors: policy data (``<policy dir>/secrets/*.yaml``) and the text scan.

A detector file holds ``detectors:``, a list of gitleaks-style entries: ``id``, ``description``,
``regex`` (the secret is the named group ``secret``, else the whole match), ``keywords`` (cheap
lower-case substrings; the regex only runs on a file containing one of them), ``entropy`` (the
minimum Shannon entropy of the secret, bits per character), ``min_length``, ``allowlist``
(regexes; a secret matching one is a known public example) and an optional structural ``check``.
Folders are read in order (built-in first, then each ``--policies DIR``); a later detector with
the same id replaces the earlier one, and ``enabled: false`` switches one off.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from charter.analyzers.secrets.values import placeholder_reason, shannon_entropy
from charter.errors import PolicyError
from charter.policy import KEBAB, _describe_validation, _read_yaml


class DetectorSpec(BaseModel):
    """One detector as written in a policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    description: str = Field(min_length=3)
    regex: str
    keywords: tuple[str, ...] = Field(min_length=1)
    entropy: float = Field(default=0.0, ge=0.0, le=8.0)
    min_length: int = Field(default=8, ge=1)
    allowlist: tuple[str, ...] = ()
    #: also drop values made of placeholder words, references and masks (``${X}``, ``****``)
    placeholders: bool = True
    #: a structural check of the candidate: ``jwt`` = the header decodes to JSON with ``alg``
    check: Literal["jwt"] | None = None
    enabled: bool = True
    #: ``issued``: a credential a provider issues in its own format (AKIA..., ghp_...),
    #: reported wherever it appears; ``generic``: a form any secret can take (a password in a
    #: URL, a JWT, a private key block), judged like a secret-named literal: only in the
    #: project's source configuration in use, not in tests, docs, examples or CI services
    kind: Literal["issued", "generic"] = "issued"
    #: an issued credential fails the default gate whatever the rule's measured precision;
    #: false for formats that are often public by design (a Google API key that a browser or a
    #: mobile app receives is restricted by referrer, not kept secret): those follow the class
    certain: bool = True

    @field_validator("id")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not KEBAB.match(value):
            raise ValueError(f"{value!r} is not kebab-case (e.g. 'aws-access-key-id')")
        return value

    @field_validator("regex", "allowlist")
    @classmethod
    def _compiles(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for pattern in (value,) if isinstance(value, str) else value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return value

    @field_validator("keywords")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not k for k in value):
            raise ValueError("keywords must be non-empty strings")
        return tuple(k.lower() for k in value)


class DetectorFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    detectors: tuple[DetectorSpec, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Detector:
    """A compiled detector."""

    spec: DetectorSpec
    pattern: re.Pattern[str]
    allow: tuple[re.Pattern[str], ...]
    group: str | int

    @classmethod
    def compile(cls, spec: DetectorSpec) -> Detector:
        pattern = re.compile(spec.regex)
        group: str | int = "secret" if "secret" in pattern.groupindex else 0
        return cls(spec, pattern, tuple(re.compile(a) for a in spec.allowlist), group)

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Hit:
    """A secret a detector found: where it starts and its value."""

    detector: Detector
    line: int
    column: int
    start: int
    end: int
    value: str


class DetectorSet:
    """The detectors in force, with one keyword regex that finds which of them can fire.

    Testing each keyword with ``in`` costs one pass over the text per keyword; instead all
    keywords are compiled into one trie-shaped regex (``a(?:kia|sia|ws)|gh[oprsu]_|...``) and
    the text is scanned once. A keyword found inside a longer one still counts (``sk`` in
    ``sk_live_``), because each found keyword triggers every detector with a keyword in it.
    """

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = tuple(detectors)
        keywords = sorted({k for d in self.detectors for k in d.spec.keywords})
        self._rx = re.compile(_trie_pattern(keywords)) if keywords else None
        self._triggers: dict[str, tuple[int, ...]] = {
            found: tuple(
                i for i, d in enumerate(self.detectors) if any(k in found for k in d.spec.keywords)
            )
            for found in keywords
        }

    def __len__(self) -> int:
        return len(self.detectors)

    def candidates(self, lower: str) -> list[Detector]:
        """The detectors whose keywords occur in ``lower``, in priority order."""
        if self._rx is None:
            return []
        wanted: set[int] = set()
        for found in set(self._rx.findall(lower)):
            wanted.update(self._triggers.get(found, ()))
        return [self.detectors[i] for i in sorted(wanted)]


def _trie_pattern(words: Sequence[str]) -> str:
    """One regex matching any of ``words``, shaped as a trie so it branches per character."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a word ends here: the rest is optional, longest first
            body = f"(?:{body})?"
        return body

    return build(trie)


def load_detectors(dirs: Sequence[Path]) -> DetectorSet:
    """Every enabled detector from ``<dir>/secrets/*.yaml`` of each folder; later ids win."""
    by_id: dict[str, DetectorSpec] = {}
    for folder in dirs:
        secrets_dir = folder / "secrets"
        if not secrets_dir.is_dir():
            continue
        for path in sorted(secrets_dir.iterdir()):
            if path.suffix not in {".yaml", ".yml"} or not path.is_file():
                continue
            for spec in load_detector_file(path):
                by_id.pop(spec.id, None)  # an override moves to the end: order is priority
                by_id[spec.id] = spec
    return DetectorSet([Detector.compile(s) for s in by_id.values() if s.enabled])


def load_detector_file(path: Path) -> tuple[DetectorSpec, ...]:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise PolicyError(
            f"{path}: a secret detector file must be a mapping with a 'detectors' list"
        )
    try:
        parsed = DetectorFile.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_describe_validation(path, exc, DetectorFile)) from None
    seen: set[str] = set()
    for i, spec in enumerate(parsed.detectors):
        if spec.id in seen:
            raise PolicyError(
                f"{path}: field 'detectors.{i}.id': {spec.id!r} is defined twice in this file; "
                "keep one"
            )
        seen.add(spec.id)
    return parsed.detectors


class LineIndex:
    """Offset -> (line, column) for one text, built on first use."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


def _jwt_ok(value: str) -> bool:
    header = value.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
        data = json.loads(decoded)
    except (binascii.Error, ValueError):
        return False
    return isinstance(data, dict) and "alg" in data


def rejected(detector: Detector, value: str) -> str | None:
    """Why a regex match is not a secret (None: it is one)."""
    spec = detector.spec
    if len(value) < spec.min_length:
        return "shorter than the detector's minimum"
    if any(a.search(value) for a in detector.allow):
        return "on the detector's allowlist"
    if spec.entropy and shannon_entropy(value) < spec.entropy:
        return "entropy below the detector's minimum"
    if spec.placeholders:
        reason = placeholder_reason(value)
        if reason is not None:
            return reason
    if spec.check == "jwt" and not _jwt_ok(value):
        return "not a JWT (header is not JSON with 'alg')"
    return None


_HOST = re.compile(r"\[?([A-Za-z0-9_.:-]*)")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})


def _local_default(text: str, start: int, end: int, password: str) -> bool:
    """A URL password that is a development default: the host is local (see
    :func:`_local_host`) and the password is trivial: the user's name, a plain lower-case
    word (``postgres``, ``umami``, ``secret``) or the database's name."""
    if not _local_host(text, end + 1):
        return False
    scheme = text.rfind("://", max(0, start - 200), start)
    user = text[scheme + 3 : start - 1] if scheme >= 0 else ""
    tail = text[end + 1 : end + 200].split("/", 1)
    # the path after the host: ``/shop?sslmode=...``; empty for ``...@db:5432/`` at a line end
    words = tail[1].split("?")[0].split(maxsplit=1) if len(tail) > 1 else []
    database = words[0].strip("'\"") if words else ""
    lowered = password.lower()
    if lowered in (user.lower(), database.lower()):
        return True
    first = re.split(r"[^a-z0-9]", user.lower())[0]
    if len(first) >= 3 and first in lowered:
        return True  # built from the user's name: off-wger for off, shop_password for shop
    return re.fullmatch(r"[a-z]+\d{0,3}", password) is not None and len(password) <= 12


def _local_host(text: str, at: int) -> bool:
    """Whether the URL host starting at ``at`` is local: this machine, or a bare name (a
    compose or Kubernetes service such as ``db``, ``postgres``): a development or CI
    database's default password, not a leaked credential of a real server."""
    match = _HOST.match(text, at)
    host = match.group(1).rsplit(":", 1)[0] if match else ""
    if ":" in host:  # an IPv6 literal
        host = host.strip("[]")
    if not host:
        return False
    return host.lower() in _LOCAL_HOSTS or ("." not in host and ":" not in host)


def scan_text(text: str, lower: str, detectors: DetectorSet) -> Iterator[Hit]:
    """Every detector hit in ``text``; overlapping hits of later detectors are dropped."""
    index = LineIndex(text)
    # spans reported by earlier detectors, sorted and disjoint, as two parallel lists: an
    # overlap test is a bisection, not a pass over every earlier hit (a file of 100 000 keys)
    starts: list[int] = []
    ends: list[int] = []
    for detector in detectors.candidates(lower):
        found: list[tuple[int, int]] = []  # one detector's matches never overlap each other
        for match in detector.pattern.finditer(text):
            start, end = match.span(detector.group)
            if start < 0:
                continue
            if start > 0 and text[start - 1].isalnum() and text[start - 1].isascii():
                continue  # the token is the tail of a longer word
            at = bisect_right(starts, start)
            if (at > 0 and ends[at - 1] > start) or (at < len(starts) and starts[at] < end):
                continue
            value = match.group(detector.group)
            if rejected(detector, value) is not None:
                continue
            if text[end : end + 1] == "@" and _local_default(text, start, end, value):
                continue  # a default password of a database on this machine or a compose net
            found.append((start, end))
            line, column = index.position(start)
            yield Hit(detector, line, column, start, end, value)
        if found:
            merged = sorted([*zip(starts, ends, strict=True), *found])
            starts = [s for s, _ in merged]
            ends = [e for _, e in merged]
