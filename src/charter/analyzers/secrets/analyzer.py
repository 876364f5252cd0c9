"""``no-hardcoded-secrets``: provider key formats in every text file, secret-named literals in
code and configuration, every value redacted.

Cost model (the rule runs on every file): a file is lowered once; each detector's regex runs only
if one of its keywords occurs; a format is parsed only if a secret-like word is followed by an
assignment in the text (for Python: by a string literal), so most files are never parsed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.secrets.common import Assignment
from charter.analyzers.secrets.detectors import DetectorSet, Hit, load_detectors, scan_text
from charter.analyzers.secrets.lines import comment_lines, read_lines
from charter.analyzers.secrets.ml import EXTRA_HINT
from charter.analyzers.secrets.ml import available as ml_available
from charter.analyzers.secrets.names import METADATA_ANY, Strength, secret_strength, words
from charter.analyzers.secrets.place import PLACE_NOTE, not_credentials, place_of
from charter.analyzers.secrets.stacks import own_stack
from charter.analyzers.secrets.structured import READERS
from charter.analyzers.secrets.values import credential_part, lookalike_reason, shannon_entropy
from charter.models import Severity
from charter.redact import redact, secret_key
from charter.sources import SourceFile

if TYPE_CHECKING:
    from charter.policy import PolicySet

#: extensions of files that are never text; skipped without reading them
BINARY_SUFFIXES = frozenset(
    (
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".webp",
        ".tiff",
        ".psd",
        ".pdf",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".zst",
        ".7z",
        ".rar",
        ".tar",
        ".whl",
        ".egg",
        ".jar",
        ".war",
        ".ear",
        ".class",
        ".pyc",
        ".pyo",
        ".pyd",
        ".so",
        ".dylib",
        ".dll",
        ".exe",
        ".bin",
        ".o",
        ".a",
        ".lib",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".mp3",
        ".mp4",
        ".wav",
        ".ogg",
        ".flac",
        ".mov",
        ".avi",
        ".mkv",
        ".webm",
        ".sqlite",
        ".sqlite3",
        ".db",
        ".parquet",
        ".pkl",
        ".pickle",
        ".npy",
        ".npz",
        ".h5",
        ".onnx",
        ".pt",
        ".ckpt",
        ".safetensors",
        ".icns",
    )
)
#: same-line (or previous-line) markers that declare a value a test fixture, as in
#: detect-secrets and gitleaks
ALLOW_MARKERS = ("pragma: allowlist secret", "gitleaks:allow")
NEXT_LINE_MARKER = "pragma: allowlist nextline secret"

_WORD = r"(?:pass|pwd|secret|token|key|cred|auth)"
#: other formats: a secret-like word, then an assignment or key separator. Linear time: a
#: match starts only where a run of name characters starts, the atomic group stops at the
#: first secret-like word of the run and nothing backtracks into it (``'key' * 600000`` used
#: to rescan the rest of the run from every ``key``: quadratic, minutes per megabyte)
_CONFIG_HINT = re.compile(
    r"(?<![\w.\-])(?>[\w.\-]*?" + _WORD + r""")[\w.\-]*+['"\]]*+(?:[ \t]*+[:=(,]|[ \t]++\S)"""
)


#: the prefix Django's ``startproject`` gives the SECRET_KEY it generates (Django 3.2+): a key
#: Django itself calls insecure, for development; its ``check --deploy`` warns when production
#: runs with it (security.W009)
DJANGO_DEV_KEY = "django-insecure-"


class SecretsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: what is reported in a test, fixture, example, documentation or development/CI
    #: configuration (a place other than ``source``, :func:`place.place_of`). ``issued``
    #: (default): only issued provider formats (detector ``kind: issued``: ``AKIA…``,
    #: ``ghp_…``, ``sk_live_…``); secret-named literals and the generic forms (private key
    #: blocks, JWTs, passwords in URLs, JWK members) there are the test's or the tutorial's own
    #: values (measured: none of the ecosystem's labelled findings outside source was a leak).
    #: ``all``: everything, as a secret-scanner sweep (gitleaks, detect-secrets), at
    #: ``outside_source_severity``. The project's source is judged the same either way
    outside_source: Literal["issued", "all"] = "issued"
    #: the severity of a finding in a test, fixture, example, documentation or development
    #: configuration that is not a certain issued provider key (those keep the rule's severity
    #: and gate everywhere): an issued format that is not certain (a GCP API key, a key id in a
    #: presigned URL) and, with ``outside_source: all``, everything else; ``rule``: the
    #: rule's own severity
    outside_source_severity: Literal["low", "medium", "high", "rule"] = "low"
    #: the optional second stage: literals under credential-like names that the value judge
    #: leaves out (a UUID, an identifier, a word) are handed to CredSweeper's model, and the
    #: lines it judges credentials are reported, advisory (severity low, never certain). Needs
    #: ``pip install 'charter[ml]'``
    ml_validator: bool = False

    @field_validator("ml_validator")
    @classmethod
    def _extra_installed(cls, value: bool) -> bool:
        if value and not ml_available():
            raise ValueError(f"needs CredSweeper, which is not installed: {EXTRA_HINT}")
        return value


class SecretScanError(RuntimeError):
    """An unexpected failure of the scan, with a message that never quotes the file."""


def _bare_key(name: str) -> bool:
    """``key``, ``aesKey``, ``hmac_key``: a name whose last word is "key" (in a test, a
    fixture or an example, where a random-looking value under it is advisory)."""
    parts = words(name)
    return bool(parts) and parts[-1] == "key" and not METADATA_ANY.intersection(parts)


#: configuration formats whose comment lines are scanned too (configuration commented out)
_COMMENTED_CONFIG = frozenset({"yaml", "properties", "ini", "dotenv", "toml"})
#: kinds read by a tree (LibCST, tree-sitter): strings inside them are not pairs to the tree
_TREE_KINDS = frozenset({"python", "go", "rust", "typescript", "javascript"})


class SecretsAnalyzer(Analyzer):
    """Hardcoded credentials in any tracked text file (see docs/secrets.md)."""

    name = "secrets"
    #: every kind; :meth:`applies_to` leaves out binary files
    kinds: ClassVar[frozenset[str]] = frozenset({"*"})
    #: provider key formats are found in the plain text, parsed or not
    needs_parse: ClassVar[bool] = False

    Params = SecretsParams
    params: SecretsParams

    def __init__(self, params: BaseModel) -> None:
        # built without parameters (the unscanned-file rule's scan, a benchmark): the defaults
        super().__init__(params if isinstance(params, SecretsParams) else SecretsParams())
        self.detectors: DetectorSet | None = None

    def _outside_source(self, place: str) -> Severity | None:
        """The severity of a finding at ``place`` that is not an issued provider key: the
        ``outside_source_severity`` parameter outside the project's source, else the rule's."""
        level = self.params.outside_source_severity
        return None if place == "source" or level == "rule" else Severity(level)

    def _sweeps(self, place: str) -> bool:
        """Whether secret-named literals and generic forms are judged at ``place``: always in
        the project's source, elsewhere only with ``outside_source: all``."""
        return place == "source" or self.params.outside_source == "all"

    def bind(self, policies: PolicySet) -> None:
        self.detectors = load_detectors(policies.dirs)

    def _detectors(self) -> DetectorSet:
        if self.detectors is None:
            from charter.policy import builtin_policy_dir

            self.detectors = load_detectors([builtin_policy_dir()])
        return self.detectors

    def applies_to(self, file: SourceFile) -> bool:
        if PurePosixPath(file.path).suffix.lower() in BINARY_SUFFIXES:
            return False
        return not file.is_binary

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        try:
            self._check(file, out)
        except Exception as exc:  # noqa: BLE001 - re-raised without its text
            # the engine reports an analyzer's exception text; a parser's message may quote
            # the line it failed on, and that line may hold the secret
            raise SecretScanError(
                f"{type(exc).__name__} while scanning (message withheld: it may quote the file)"
            ) from None

    def _check(self, file: SourceFile, out: Emitter) -> None:
        text = file.text
        if not text:
            return
        out.count("text_files")
        lower = text.lower()
        judged = names_not_judged(file) is None
        prose: list[frozenset[int]] = []  # the docstring lines, computed on the first need

        def in_prose(line: int) -> bool:
            if not prose:
                prose.append(_docstring_lines(file))
            return line in prose[0]

        place = place_of(file)
        sweep = self._sweeps(place)
        judged = judged and sweep
        hits = [
            h
            for h in scan_text(text, lower, self._detectors())
            if not _marked(file, h.line)
            and (
                h.detector.spec.kind == "issued"
                or (
                    judged
                    and (
                        place != "source"  # detected everywhere; judged by place below
                        or (
                            not _COMMENT_LINE.match(file.line_text(h.line))
                            and not in_prose(h.line)
                        )
                    )
                )
            )
        ]
        hits = _once_per_line(hits)
        if hits and file.kind == "yaml" and any(h.detector.spec.id in _URL_DETECTORS for h in hits):
            own = own_stack(file)
            if own:  # a URL to a container the file starts itself, or with its credential
                hits = [
                    h
                    for h in hits
                    if h.detector.spec.id not in _URL_DETECTORS
                    or not own.owns_url(_url_around(text, h), h.line)
                ]
        out.count("provider_format", len(hits))
        lowered = self._outside_source(place)
        for hit in hits:
            # a key id inside a presigned URL is public by design (the signature is
            # short-lived): reported, never gating
            certain = _hit_certain(hit) and not _presigned(text, hit)
            out.report(
                hit.line,
                _hit_message(hit, place),
                column=hit.column,
                key=secret_key(hit.value),
                certain=certain,
                severity=None if certain else lowered,
            )
        by_line: dict[int, list[Hit]] = {}
        for hit in hits:
            by_line.setdefault(hit.line, []).append(hit)
        assignments = self._assignments(file, lower) if sweep else []
        for assignment in assignments:
            if _marked(file, assignment.line) or _covered(assignment, by_line):
                continue
            value = credential_part(assignment.value)
            out.count("secret_named_literal")
            name = assignment.name if len(assignment.name) <= 60 else assignment.name[:57] + "..."
            where = f" {PLACE_NOTE[place]}" if place in PLACE_NOTE else ""
            if value.startswith(DJANGO_DEV_KEY):
                out.report(
                    assignment.line,
                    f"{name!r} is set to Django's generated development key {redact(value)}"
                    f"{where}; make sure production loads its own key from a secret store or "
                    "the environment (Django's `check --deploy` warns: security.W009)",
                    column=assignment.column,
                    key=secret_key(value),
                    severity=Severity.LOW,
                )
                continue
            out.report(
                assignment.line,
                f"{name!r} is set to a hardcoded secret {redact(value)}{where}; "
                "load it from a secret store or the environment, and rotate it",
                column=assignment.column,
                key=secret_key(value),
                severity=lowered,
            )
        if self.params.ml_validator and sweep:
            reported = {h.line for h in hits} | {a.line for a in assignments}
            self._ml_stage(file, lower, place, reported, out)

    def _ml_stage(
        self, file: SourceFile, lower: str, place: str, reported: set[int], out: Emitter
    ) -> None:
        """The second stage (``ml_validator``): charter proposes, CredSweeper's model judges
        (:mod:`charter.analyzers.secrets.ml`); what it keeps is reported, advisory. Proposed:
        the literals under credential names that the value check turns down (a UUID, an
        identifier, a word); and, in a file charter reads line by line (Java, PHP, Markdown,
        text, YAML that does not parse...), every other line with a credential word (names
        outside charter's vocabulary: salt, nonce, seed). A format read by its structure
        proposes its reader's pairs only, so the reader's own exclusions hold (the
        credentials a compose file gives its own containers, a CI job's services)."""
        if names_not_judged(file) is not None:
            return
        pairs: dict[int, Assignment] = {}
        for a in self._ml_candidates(file, lower):
            pairs.setdefault(a.line, a)
        hinted = _ml_hint_lines(lower) if _read_by_line(file) else []
        lines = {n for n in (*pairs, *hinted) if n not in reported and not _marked(file, n)}
        if not lines:
            return
        from charter.analyzers.secrets import ml

        out.count("ml_candidates", len(lines))
        accepted = ml.judge().accepted(file.path, [(n, file.line_text(n)) for n in sorted(lines)])
        where = f" {PLACE_NOTE[place]}" if place in PLACE_NOTE else ""
        for n in sorted(accepted):
            pair, verdict = pairs.get(n), accepted[n]
            if pair is not None:
                name, value, column = pair.name, credential_part(pair.value), pair.column
            else:
                name, value = verdict.name, verdict.value.strip()
                column = max(file.line_text(n).find(value), 0) + 1 if value else 1
            if not value:
                continue
            name = name if len(name) <= 60 else name[:57] + "..."
            subject = f"{name!r} may be set to" if name else "this line may hold"
            out.count("ml_accepted")
            out.report(
                n,
                f"{subject} a hardcoded secret {redact(value)}{where}: CredSweeper's model "
                "judges it a credential where charter's value check does not (ml_validator); "
                "if it is one, load it from a secret store or the environment, and rotate it",
                column=column,
                key=secret_key(value),
                severity=Severity.LOW,
            )

    def _ml_candidates(self, file: SourceFile, lower: str) -> list[Assignment]:
        """Literals under credential-like names that :func:`is_secret` turns down: the
        candidates of the ML stage (a bare ``key`` counts in source too)."""
        lenient = place_of(file) != "source"
        env_file = file.kind == "dotenv"

        def wanted(name: str) -> bool:
            return (
                secret_strength(name) is not None
                or (env_file and _ENV_CREDENTIAL.match(name) is not None)
                or _bare_key(name)
            )

        def judge(name: str, value: str) -> bool:
            return (
                wanted(name)
                and len(value.strip()) >= _ML_MIN_CHARS
                and not is_secret(name, value, lenient=lenient, env_file=env_file)
            )

        return self._collected(file, lower, judge, wanted, lenient=lenient, every=True)

    def check_unread(self, file: SourceFile, out: Emitter, deadline: float | None) -> str | None:
        """The secret scan of a file the normal pass did not read (over the size cap, past the
        time cap, a crashed worker): provider formats, streamed chunk by chunk in linear time
        (:mod:`charter.analyzers.secrets.stream`). Returns None when the whole file was
        scanned, else why not (the engine reports it as ``unscanned-file``)."""
        from charter.analyzers.secrets.stream import StreamTimeout, windows

        if PurePosixPath(file.path).suffix.lower() in BINARY_SUFFIXES:
            return None  # never text: nothing to scan, as in the normal pass
        place = place_of(file)
        judged = names_not_judged(file) is None and self._sweeps(place)
        detectors = self._detectors()
        lowered = self._outside_source(place)
        reported: set[tuple[int, str]] = set()
        try:
            for window in windows(file.abspath, deadline=deadline):
                text = window.text
                for hit in scan_text(text, text.lower(), detectors):
                    if not window.report_from <= hit.start < window.report_to:
                        continue  # the neighbouring window reports it, seen whole
                    line_text, previous = window.line_at(hit.start)
                    issued = hit.detector.spec.kind == "issued"
                    if (
                        any(marker in line_text for marker in ALLOW_MARKERS)
                        or NEXT_LINE_MARKER in previous
                        or not (
                            issued
                            or (
                                judged
                                and (place != "source" or not _COMMENT_LINE.match(line_text))
                            )
                        )
                    ):
                        continue
                    line, column = window.position(hit.line, hit.column)
                    if (line, hit.value) in reported:
                        continue  # one hit per value and line, as in the normal pass
                    reported.add((line, hit.value))
                    out.count("provider_format")
                    certain = _hit_certain(hit) and not _presigned(text, hit)
                    out.report(
                        line,
                        _hit_message(hit, place),
                        column=column,
                        key=secret_key(hit.value),
                        certain=certain,
                        severity=None if certain else lowered,
                    )
        except StreamTimeout as exc:
            return (
                f"the streaming secret scan stopped at the time cap (max-file-seconds) after "
                f"{exc.scanned} bytes"
            )
        except OSError as exc:
            return f"the file cannot be read ({exc.strerror or type(exc).__name__})"
        except Exception as exc:  # noqa: BLE001 - reported as unscanned, never with its text
            return f"the streaming secret scan failed ({type(exc).__name__})"
        out.count("streamed_files")
        return None

    def summarize(self, counters: Counter[str]) -> str:
        files = counters.get("text_files", 0)
        found = counters.get("provider_format", 0) + counters.get("secret_named_literal", 0)
        model = counters.get("ml_accepted", 0)
        if not found and not model:
            return f"no hardcoded credential in {files} text file(s)"
        summary = (
            f"{found} hardcoded credential(s): {counters.get('provider_format', 0)} provider "
            f"key format(s), {counters.get('secret_named_literal', 0)} secret-named literal(s)"
        )
        if "ml_candidates" in counters:
            summary += f"; the ML stage kept {model} of {counters['ml_candidates']} look-alike(s)"
        return summary

    def metrics(self, counters: Counter[str]) -> dict[str, float | int]:
        found: dict[str, float | int] = {
            "text_files": counters.get("text_files", 0),
            "provider_format": counters.get("provider_format", 0),
            "secret_named_literal": counters.get("secret_named_literal", 0),
        }
        if "ml_candidates" in counters:  # the ML stage ran
            found["ml_candidates"] = counters["ml_candidates"]
            found["ml_accepted"] = counters.get("ml_accepted", 0)
        return found

    def _parsed(
        self,
        file: SourceFile,
        lower: str,
        judge: Callable[[str, str], bool],
        wanted: Callable[[str], bool],
        *,
        lenient: bool,
        every: bool = False,
    ) -> list[Assignment]:
        """The judged pairs of the format's own reader (the tree, or the line scan).
        ``every``: ``judge`` alone decides (the ML stage's candidates), no plausibility
        prefilter, no decoding."""
        if file.kind == "python":
            from charter.analyzers.secrets.python_hints import python_candidates

            candidates = python_candidates(lower)
            plausible = {
                c.line for c in candidates if every or _plausible(c.name, c.value, lenient=lenient)
            }
            if not plausible:
                return []  # nothing plausible: the file is never walked
            tree = file.python_ast  # the shared tree: no second parse
            if tree is None:
                return []
            if file.python_downgraded:
                # syntax newer than this Python: the tree is of an older, rewritten form, so
                # its positions are not the file's; the lossless LibCST tree is read instead
                from charter.analyzers.secrets.python import python_assignments as cst_pairs
                from charter.analyzers.secrets.python_hints import literal_lines

                module = file.python_cst
                if module is None or not plausible & literal_lines(tree):
                    return []
                return cst_pairs(module, judge, candidates)
            from charter.analyzers.secrets.python_tree import python_assignments

            return python_assignments(tree, file.text or "", judge, candidates, plausible)
        reader = READERS.get(file.kind)
        if reader is None or (reader is not read_lines and not _CONFIG_HINT.search(lower)):
            return []  # (the line scan has its own hint, line by line)
        found = [
            a
            for a in reader(file, wanted)
            if (judge(a.name, a.value) if every else _judged(a, judge))
        ]
        if file.kind in _COMMENTED_CONFIG:
            found += [a for a in comment_lines(file, wanted) if judge(a.name, a.value)]
        return found

    def _assignments(self, file: SourceFile, lower: str) -> list[Assignment]:
        """Literals under secret-like names that the value judge calls credentials."""
        if names_not_judged(file) is not None:
            return []
        lenient = place_of(file) != "source"
        env_file = file.kind == "dotenv"

        def judge(name: str, value: str) -> bool:
            return is_secret(name, value, lenient=lenient, env_file=env_file)

        def wanted(name: str) -> bool:
            return (
                secret_strength(name) is not None
                or (env_file and _ENV_CREDENTIAL.match(name) is not None)
                or (lenient and _bare_key(name))
            )

        return self._collected(file, lower, judge, wanted, lenient=lenient)

    def _collected(
        self,
        file: SourceFile,
        lower: str,
        judge: Callable[[str, str], bool],
        wanted: Callable[[str], bool],
        *,
        lenient: bool,
        every: bool = False,
    ) -> list[Assignment]:
        """The pairs ``judge`` accepts, read by the file's structure (:meth:`_parsed`) and,
        outside source, by line too; once per line and value, in order."""
        found = self._parsed(file, lower, judge, wanted, lenient=lenient, every=every)
        if lenient and file.kind in _TREE_KINDS and _CONFIG_HINT.search(lower):
            # outside source, credentials also sit inside strings the tree does not read
            # (a JSON body in a Go test, a recorded header): the line scan adds those
            found += [a for a in read_lines(file, wanted) if judge(a.name, a.value)]
        unique: dict[tuple[int, str], Assignment] = {}
        for a in found:
            unique.setdefault((a.line, a.value), a)
        return sorted(unique.values(), key=lambda a: (a.line, a.column))


def names_not_judged(file: SourceFile) -> str | None:
    """Why secret-named literals and generic secret forms (a password in a URL, a JWT) are
    not judged in this file (issued provider keys always are), or None: a lockfile, a
    translation catalogue, a CI or test stack (:func:`place.not_credentials`). Everywhere else
    they are judged, and the finding's place (:func:`place.place_of`) says whether it gates."""
    return not_credentials(file)


#: a line that is a comment (a generic secret form in a comment is an example, not in use)
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|\*(?!\*)|--\s|;|<!--)")
#: parameters where an AWS key id is public by design: a presigned URL's (its signature is
#: short-lived), an Amazon affiliate link's SubscriptionId
_PRESIGNED = ("x-amz-credential=", "awsaccesskeyid=", "subscriptionid=")


#: detectors of a password inside a connection URL
_URL_DETECTORS = frozenset(
    {
        "database-url-password",
        "broker-url-password",
        "url-basic-auth-password",
        "url-userinfo-password",
    }
)
_URL_END = re.compile(r"[\s'\"]")


def _url_around(text: str, hit: Hit) -> str:
    """The URL a password hit is part of: from its scheme to the next blank or quote."""
    low = max(0, hit.start - 2048)  # bounded, as the end below
    newline = text.rfind("\n", low, hit.start)
    line_start = newline + 1 if newline >= 0 else low
    scheme = text.rfind("://", line_start, hit.start)
    if scheme < 0:
        return ""
    start = scheme
    while start > max(line_start, scheme - 64) and (
        text[start - 1].isalnum() or text[start - 1] in "+.-"
    ):
        start -= 1
    limit = min(len(text), hit.end + 2048)  # bounded: many hits on one long line stay linear
    end = _URL_END.search(text, hit.end, limit)
    return text[start : end.start() if end else limit]


def _once_per_line(hits: list[Hit]) -> list[Hit]:
    """One hit per value and line: a value written twice on one line (a page that repeats a
    link, minified code) is one credential, reported once."""
    seen: set[tuple[int, str]] = set()
    out: list[Hit] = []
    for hit in hits:
        if (hit.line, hit.value) not in seen:
            seen.add((hit.line, hit.value))
            out.append(hit)
    return out


def _hit_message(hit: Hit, place: str) -> str:
    where = f" {PLACE_NOTE[place]}" if place in PLACE_NOTE else ""
    return (
        f"{hit.detector.spec.description} {redact(hit.value)} is hardcoded{where}; load it from "
        "a secret store or the environment, and rotate it"
    )


def _hit_certain(hit: Hit) -> bool:
    """A credential in its provider's issued format fails the gate wherever it is. A generic
    form (a private key block, a password in a URL, a JWT) follows the rule's class: a
    private key committed on purpose (a service kit's development signing key, a test's TLS
    key) is common, and the ecosystem labels it noise, not a leak."""
    return hit.detector.spec.kind == "issued" and hit.detector.spec.certain


def _presigned(text: str, hit: Hit) -> bool:
    return hit.detector.spec.id == "aws-access-key-id" and text[
        max(0, hit.start - 20) : hit.start
    ].lower().endswith(_PRESIGNED)


def _plausible(name: str, value: str, *, lenient: bool = False) -> bool:
    """The judge, lenient, on lower-cased text: a superset of what :func:`is_secret` accepts
    (camel-case boundaries and letter case are lost, so weak names are judged as strong)."""
    if secret_strength(name) is None and not name.endswith(("pass", "pwd")):
        return False
    return lookalike_reason(credential_part(value), strong=True, lenient=lenient) is None


#: the shortest value the ML stage hands to the model
_ML_MIN_CHARS = 4
#: a line the ML stage proposes even when no reader paired it: a credential word (CredSweeper's
#: keyword rules and filters then look for the name and value on it)
_ML_LINE_HINT = re.compile(r"pass|pwd|secret|token|key|cred|auth|salt|nonce|seed|otp|bearer")
#: the most lines of one file the line hint proposes (minified or generated text)
_ML_MAX_HINT_LINES = 2000


def _read_by_line(file: SourceFile) -> bool:
    """Whether charter reads this file's pairs line by line (no structure to read them by)."""
    if file.kind == "yaml":
        return file.yaml_nodes is None
    return READERS.get(file.kind) is read_lines


def _ml_hint_lines(lower: str) -> list[int]:
    """The numbers of the lines of a lower-cased text with a credential word."""
    found: list[int] = []
    for number, line in enumerate(lower.splitlines(), start=1):
        if _ML_LINE_HINT.search(line):
            found.append(number)
            if len(found) >= _ML_MAX_HINT_LINES:
                break
    return found


#: hex, base64 or base64url key material of 16 characters or more, with a digit
_KEY_MATERIAL = re.compile(r"^(?=[^0-9]*[0-9])[A-Za-z0-9+/_-]{16,}={0,2}$")
#: ``.env`` names that end in a credential word: ``STRIPE_KEY``, ``MAPBOX_TOKEN``
_ENV_CREDENTIAL = re.compile(r"^[A-Z][A-Z0-9_]*_(?:KEY|TOKEN|SECRET)$")


def is_secret(name: str, value: str, *, lenient: bool = False, env_file: bool = False) -> bool:
    """The judge: a credential-like name holding a value that is not a look-alike.

    ``lenient`` (a test, fixture, example or doc, where findings are advisory): a plain word or
    a short value under a strong name (``password: "letmein"``) is that test's password.
    ``env_file``: in a ``.env`` file a name ending in ``_KEY``, ``_TOKEN`` or ``_SECRET`` names a
    credential even when its words alone would not (``MAPBOX_KEY``)."""
    strength = secret_strength(name)
    if strength is not None and value.strip()[:6].lower() == "basic ":
        strength = Strength.STRONG  # a Basic credential is judged by its password
    if strength is None and env_file and _ENV_CREDENTIAL.match(name):
        strength = Strength.WEAK
    if strength is None and lenient and _bare_key(name):
        # ``$key = '…'`` in a crypto test: a key, if it looks like key material
        return (
            _KEY_MATERIAL.match(value) is not None
            and shannon_entropy(value) >= 3.5
            and lookalike_reason(value, strong=False) is None
        )
    if strength is None:
        return False
    bare_name, bare_value = _normalized(name), _normalized(value)
    if bare_name == bare_value or (len(bare_name) >= 10 and bare_value.endswith(bare_name)):
        # the value repeats its name: an enum member, a label, an action
        # (``"GetRandomPassword": "secretsmanager:GetRandomPassword"``)
        return False
    return (
        lookalike_reason(
            credential_part(value), strong=strength is Strength.STRONG, lenient=lenient
        )
        is None
    )


def _judged(assignment: Assignment, judge: Callable[[str, str], bool]) -> bool:
    """The judge on a pair, or on the text its value encodes (a Kubernetes Secret's ``data``)
    as a value in source would be: a word encoded in a manifest (``password: cG9zdGdyZXM=``)
    is that manifest's placeholder, not the plain-word password a test logs in with."""
    if assignment.decoded is not None:
        return is_secret(assignment.name, assignment.decoded)
    return judge(assignment.name, assignment.value)


def _docstring_lines(file: SourceFile) -> frozenset[int]:
    """The lines of a Python file's docstrings and bare string statements: prose, where a
    generic form (a URL with a password) is an example."""
    if file.kind != "python":
        return frozenset()
    tree = file.python_ast
    if tree is None:
        return frozenset()
    import ast

    from charter.analyzers.python.names import iter_statements

    lines: set[int] = set()
    for node in iter_statements(tree):  # bare strings are statements: expressions not entered
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return frozenset(lines)


def _normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _marked(file: SourceFile, line: int) -> bool:
    here = file.line_text(line)
    if any(marker in here for marker in ALLOW_MARKERS):
        return True
    return NEXT_LINE_MARKER in file.line_text(line - 1)


def _covered(assignment: Assignment, by_line: dict[int, list[Hit]]) -> bool:
    """A provider detector already reported this value on this line."""
    value = assignment.value.strip()
    return any(h.value in value or value in h.value for h in by_line.get(assignment.line, ()))
