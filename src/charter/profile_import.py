"""Read an agent profile document (markdown with YAML front matter) and map it to rules.

An agent profile is what a team tells its coding agent to follow: ``.claude/agents/*.md``,
``AGENTS.md``, ``CLAUDE.md``. :func:`parse_document` splits one into statements (list items and
sentences of the body, each with its line), :func:`import_profile` maps every statement to the
rules whose ``matches`` recognise it and lists the rest as manual review, and
:func:`find_drift` names the files and commands a statement refers to that the repository lacks
(the ``profile-drift`` rule reports those).

The markdown is parsed with markdown-it-py (CommonMark): headings are left out, a fenced block
without a language is read as prose (profiles put step lists in them), a fenced block with a
language is an example and left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from charter.errors import CharterError
from charter.models import ManualItem
from charter.policy import KEBAB, PolicySet, Profile, ProfileRuleRef, Rule

#: where ``charter audit --repo-profiles`` looks for a repository's own agent profiles
DEFAULT_GLOBS: tuple[str, ...] = (
    ".claude/agents/*.md",
    "AGENTS.md",
    "CLAUDE.md",
    ".claude/CLAUDE.md",
)
#: the rule that reports statements naming files or commands the repository lacks
DRIFT_RULE = "profile-drift"

_BULLET = re.compile(r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)`'\"*][.!?])\s+(?=[A-Z`*\"'])")
_LABEL_ONLY = re.compile(r"^[\w\s&/()*.,'-]{1,60}:\**$")


class ProfileImportError(CharterError):
    """An agent profile document that cannot be read."""


@dataclass(frozen=True)
class Statement:
    """One list item or sentence of a profile, exactly as written on its line."""

    line: int
    text: str


@dataclass(frozen=True)
class AgentDocument:
    """A parsed agent profile document."""

    path: str
    front_matter: dict[str, Any]
    statements: tuple[Statement, ...]
    lines: tuple[str, ...]

    @property
    def name(self) -> str:
        value = self.front_matter.get("name")
        return str(value) if value else PurePosixPath(self.path).stem

    @property
    def description(self) -> str:
        value = self.front_matter.get("description")
        return str(value).strip() if value else ""


@dataclass(frozen=True)
class StatementMapping:
    """A statement and the rules that encode it (none: manual review)."""

    statement: Statement
    rules: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    """An imported profile and how each statement of the document was mapped."""

    document: AgentDocument
    profile: Profile
    mappings: tuple[StatementMapping, ...]
    #: rule id -> the statements that encode it, in document order
    sources: dict[str, list[Statement]] = field(default_factory=dict)

    @property
    def encoded(self) -> list[StatementMapping]:
        return [m for m in self.mappings if m.rules]

    @property
    def manual(self) -> list[StatementMapping]:
        return [m for m in self.mappings if not m.rules]


# --------------------------------------------------------------------------- parsing


def _split_front_matter(text: str, path: str) -> tuple[dict[str, Any], int]:
    """The front matter mapping and the number of lines it takes (0 when there is none)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            block = "\n".join(lines[1:index])
            try:
                data = yaml.safe_load(block) if block.strip() else {}
            except yaml.YAMLError as exc:
                # Agent front matter is often not strict YAML (an unquoted "Keywords: a, b" in
                # the description); read it as the agent tools do: one "key: value" per line.
                data = _lenient_front_matter(lines[1:index])
                if not data:
                    mark = getattr(exc, "problem_mark", None)
                    where = f" at line {mark.line + 2}" if mark is not None else ""
                    problem = getattr(exc, "problem", None) or "invalid YAML"
                    raise ProfileImportError(
                        f"{path}: front matter{where}: {problem}; "
                        "fix the YAML between the '---' lines"
                    ) from None
            if not isinstance(data, dict):
                raise ProfileImportError(
                    f"{path}: front matter must be a mapping (name: ..., description: ...)"
                )
            return data, index + 1
    return {}, 0  # an opening '---' without a closing one is a thematic break, not front matter


def _lenient_front_matter(lines: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for line in lines:
        match = re.match(r"^([A-Za-z_][\w-]*):[ \t]*(.*)$", line)
        if match:
            data[match.group(1)] = match.group(2).strip().strip("\"'")
    return data


def _sentences(line_text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(line_text) if part.strip()]


def _is_statement(text: str) -> bool:
    """Leave out labels that only introduce a list ("Idioms:", "**Collaboration**:")."""
    if _LABEL_ONLY.match(text) and "`" not in text:
        return False
    return sum(ch.isalpha() for ch in text) >= 3


def _locate(lines: Sequence[str], start: int, end: int, piece: str) -> int | None:
    for index in range(max(start, 0), min(end, len(lines))):
        if piece in lines[index]:
            return index + 1
    return None


def parse_document(text: str, path: str = "AGENT.md") -> AgentDocument:
    """Split an agent profile into its front matter and statements (with 1-based lines)."""
    front, skip = _split_front_matter(text, path)
    lines = text.splitlines()
    body = "\n".join(lines[skip:])
    from markdown_it import MarkdownIt  # imported on use: ~20 ms

    tokens = MarkdownIt("commonmark").parse(body)
    statements: list[Statement] = []
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
            continue
        if token.type == "heading_close":
            in_heading = False
            continue
        if token.map is None or in_heading:
            continue
        start, end = token.map[0] + skip, token.map[1] + skip
        if token.type == "inline":
            raw_lines = token.content.split("\n")
        elif token.type == "fence" and not token.info.strip():
            raw_lines = [_BULLET.sub("", row, count=1) for row in token.content.split("\n")]
            start += 1  # the opening fence line
        else:
            continue
        for raw in raw_lines:
            for piece in _sentences(raw):
                if not _is_statement(piece):
                    continue
                line = _locate(lines, start, end, piece)
                if line is None:
                    continue
                statements.append(Statement(line, piece))
                start = line - 1  # keep document order within the block
    return AgentDocument(path, front, tuple(statements), tuple(lines))


def read_document(path: Path, display: str | None = None) -> AgentDocument:
    shown = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileImportError(
            f"{shown}: no such file; pass an agent profile (markdown)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileImportError(f"{shown}: cannot read: {exc}") from None
    return parse_document(text, shown)


# --------------------------------------------------------------------------- mapping


@cache
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def rule_patterns(rule: Rule) -> tuple[re.Pattern[str], ...]:
    try:
        return _compiled(tuple(rule.matches))
    except re.error as exc:
        raise ProfileImportError(
            f"rule {rule.id}: field 'matches': {exc.pattern!r} is not a valid regex ({exc.msg})"
        ) from None


def match_statement(text: str, rules: Iterable[Rule]) -> tuple[str, ...]:
    """The ids of the rules whose ``matches`` recognise ``text``."""
    return tuple(r.id for r in rules if any(p.search(text) for p in rule_patterns(r)))


def slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "agent"


def import_profile(
    document: AgentDocument,
    policies: PolicySet,
    *,
    profile_id: str | None = None,
    title: str | None = None,
    extra_rules: Sequence[ProfileRuleRef] = (),
) -> ImportResult:
    """Map each statement of ``document`` to rules; unmatched statements become manual items.

    The profile applies ``parse-error`` first, then the matched rules in document order, then
    ``extra_rules``.
    """
    candidates = sorted(
        (r for r in policies.rules.values() if r.matches and r.id != "parse-error"),
        key=lambda r: r.id,
    )
    mappings = tuple(
        StatementMapping(s, match_statement(s.text, candidates)) for s in document.statements
    )
    sources: dict[str, list[Statement]] = {}
    for mapping in mappings:
        for rule_id in mapping.rules:
            sources.setdefault(rule_id, []).append(mapping.statement)
    refs = [ProfileRuleRef(id="parse-error")] + [ProfileRuleRef(id=r) for r in sources]
    refs += [ref for ref in extra_rules if ref.id not in {x.id for x in refs}]
    manual = tuple(
        ManualItem(quote=m.statement.text, line=m.statement.line) for m in mappings if not m.rules
    )
    name = document.name
    profile = Profile(
        id=profile_id or slug(name),
        title=title or (name if len(name) >= 3 else f"agent {name}"),
        description=document.description or f"Imported from {document.path}",
        rules=tuple(refs),
        manual=manual,
    )
    return ImportResult(document, profile, mappings, sources)


# --------------------------------------------------------------------------- output

_POLICY_SUFFIXES = (".yaml", ".yml")


def _is_folder(output: Path) -> bool:
    return output.is_dir() or str(output).endswith(("/", "\\"))


def output_id(output: Path | None, profile_id: str | None) -> str | None:
    """The id to import a profile under so that the file written to ``output`` loads with
    ``--policies``: a policy folder reads ``profiles/<id>.yaml`` only when the id is the file's
    stem. None (the id from the front matter) when nothing is written or ``output`` is a folder
    (the file is then named after the id, :func:`output_path`)."""
    if output is None or _is_folder(output):
        return profile_id
    if output.suffix not in _POLICY_SUFFIXES:
        raise CharterError(
            f"{output}: --output must end in .yaml (or .yml), or be a folder: charter loads "
            f"profiles only from policies/profiles/<id>.yaml; write to "
            f"{output.with_suffix('.yaml')}"
        )
    stem = output.stem
    if profile_id is not None and profile_id != stem:
        raise CharterError(
            f"--id: {profile_id!r} does not match the file name {output.name}, and charter "
            f"loads a profile only from a file named after its id; drop --id (the id is then "
            f"{stem!r}) or write to {output.with_name(profile_id + output.suffix)}"
        )
    if not KEBAB.match(stem):
        raise CharterError(
            f"{output}: the file name is the profile's id, and {stem!r} is not kebab-case; "
            f"write to {output.with_name(slug(stem) + output.suffix)}"
        )
    return stem


def output_path(output: Path, profile_id: str) -> Path:
    """Where to write the profile: ``output`` itself, or ``<output>/<id>.yaml`` when it is a
    folder."""
    return output / f"{profile_id}.yaml" if _is_folder(output) else output



def profile_yaml(result: ImportResult) -> str:
    """The imported profile as policy YAML, each rule commented with the sentences it encodes."""
    prof = result.profile
    head = {"id": prof.id, "title": prof.title, "description": prof.description}
    out = [
        f"# Imported by 'charter profile import' from {result.document.path}: "
        f"{len(result.encoded)} statement(s) encoded by {len(prof.rules) - 1} rule(s) "
        f"(+ parse-error), {len(result.manual)} for manual review.",
        yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=100).rstrip(),
        "rules:",
    ]
    for ref in prof.rules:
        for stmt in result.sources.get(ref.id, []):
            out.append(f"  # line {stmt.line}: {json.dumps(stmt.text, ensure_ascii=False)}")
        entry = f"  - id: {ref.id}"
        if ref.params:
            entry += "\n    params: " + json.dumps(ref.params, ensure_ascii=False)
        out.append(entry)
    manual = [{"quote": m.quote, "line": m.line} for m in prof.manual]
    out.append(
        yaml.safe_dump({"manual": manual}, sort_keys=False, allow_unicode=True, width=100).rstrip()
    )
    return "\n".join(out) + "\n"


def coverage_table(result: ImportResult, width: int = 72) -> str:
    """Statement -> rule(s) or "manual", one row per statement, and a summary line."""
    rows = []
    for mapping in result.mappings:
        text = mapping.statement.text
        shown = text if len(text) <= width else text[: width - 1] + "…"
        target = ", ".join(mapping.rules) if mapping.rules else "manual"
        rows.append(f"{mapping.statement.line:>5}  {shown:<{width}}  {target}")
    n_rules = len(result.profile.rules) - 1
    rows.append(
        f"\n{len(result.mappings)} statement(s): {len(result.encoded)} encoded by {n_rules} "
        f"rule(s), {len(result.manual)} for manual review"
    )
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- drift

_PATH_TOKEN = re.compile(
    r"`(?P<tick>[^`\s]+)`"  # a backticked token
    r"|(?<![\w/.`-])(?P<bare>\.[\w-]+/[\w./-]*[\w/]|[A-Z][A-Z0-9_-]*\.md)(?![\w`])"
)
_FILE_SUFFIX = re.compile(
    r"\.(md|markdown|txt|ya?ml|toml|json|ini|cfg|lock|sh|py|go|rs|ts|js|sql|env)$", re.IGNORECASE
)
_DIRECTIVE = re.compile(
    r"\b(read|reading|update|updating|maintain|reference|refer to|follow|file an issue|"
    r"using the template|record|log it|write it|keep it|run)\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"\b(check for|look for|e\.g\.|such as|etc\b|if (the )?project)", re.IGNORECASE
)
_COMMAND = re.compile(
    r"^(?:(?P<make>make)\s+(?P<target>[\w.-]+)|(?P<npm>npm|pnpm|yarn|bun)\s+run\s+(?P<script>[\w:.-]+)"
    r"|(?P<just>just)\s+(?P<recipe>[\w-]+))$"
)


@dataclass(frozen=True)
class Reference:
    """A file, folder or command that a statement tells the agent to use."""

    kind: str  # "path" or "command"
    token: str
    column: int


def references(statement: Statement) -> list[Reference]:
    """The repository files, folders and project commands a directive statement names."""
    text = statement.text
    if not _DIRECTIVE.search(text) or _CONDITIONAL.search(text):
        return []
    found: list[Reference] = []
    for match in _PATH_TOKEN.finditer(text):
        token = match.group("tick") or match.group("bare") or ""
        if _looks_like_path(token):
            found.append(Reference("path", token, match.start() + 1))
    for match in re.finditer(r"`([^`]+)`", text):
        command = match.group(1).strip()
        if _COMMAND.match(command):
            found.append(Reference("command", command, match.start() + 1))
    return sorted(found, key=lambda r: r.column)


def _looks_like_path(token: str) -> bool:
    """A relative file or folder path: `.project/build-plan.md`, `.claude/rules/`, `CLAUDE.md`."""
    if any(ch in token for ch in "*?{}()[]<>=:,;$@#|\\\"'%"):
        return False
    if token.startswith(("/", "~", "-", "http")) or ".." in token.split("/"):
        return False
    if "/" in token.strip("/"):
        return True
    return bool(_FILE_SUFFIX.search(token.rstrip("/"))) or (
        token.startswith(".") and token.endswith("/")
    )


@dataclass(frozen=True)
class Drift:
    statement: Statement
    reference: Reference
    message: str


def find_drift(
    document: AgentDocument,
    exists: Callable[[str], bool],
    command_exists: Callable[[Reference], bool | None],
) -> list[Drift]:
    """The references of ``document`` the repository does not satisfy."""
    out: list[Drift] = []
    seen: set[tuple[int, str]] = set()
    for statement in document.statements:
        for ref in references(statement):
            key = (statement.line, ref.token)
            if key in seen:
                continue
            seen.add(key)
            if ref.kind == "path":
                if exists(ref.token.rstrip("/")):
                    continue
                what = "folder" if ref.token.endswith("/") else "file"
                message = (
                    f"the profile tells the agent to use `{ref.token}`, but the repository has "
                    f"no such {what}; create it or fix the profile"
                )
            else:
                present = command_exists(ref)
                if present is None or present:
                    continue
                message = (
                    f"the profile tells the agent to run `{ref.token}`, which the repository "
                    f"does not define; add it or fix the profile"
                )
            out.append(Drift(statement, ref, message))
    return out


def command_defined(ref: Reference, read: Callable[[str], str | None]) -> bool | None:
    """Whether a ``make``/``npm run``/``just`` command is defined (None: cannot tell)."""
    match = _COMMAND.match(ref.token)
    if match is None:
        return None
    if match.group("make"):
        text = read("Makefile") or read("makefile") or read("GNUmakefile")
        if text is None:
            return False
        target = re.escape(match.group("target"))
        return re.search(rf"^{target}\s*:(?!=)", text, re.MULTILINE) is not None
    if match.group("npm"):
        text = read("package.json")
        if text is None:
            return False
        try:
            scripts = json.loads(text).get("scripts", {})
        except (ValueError, AttributeError):
            return None
        return isinstance(scripts, dict) and match.group("script") in scripts
    text = read("justfile") or read("Justfile") or read(".justfile")
    if text is None:
        return False
    recipe = re.escape(match.group("recipe"))
    return re.search(rf"^@?{recipe}\b[^:\n]*:", text, re.MULTILINE) is not None


# --------------------------------------------------------------------------- repo discovery


def discover_documents(root: Path, globs: Sequence[str] = DEFAULT_GLOBS) -> list[str]:
    """The agent profile documents in ``root`` (posix paths relative to it), sorted."""
    found: set[str] = set()
    for pattern in globs:
        for path in root.glob(pattern):
            if path.suffix.lower() in {".md", ".markdown"} and _plain_file_inside(root, path):
                found.add(path.relative_to(root).as_posix())
    return sorted(found)


def _plain_file_inside(root: Path, path: Path) -> bool:
    """A regular file under ``root`` reached through no symlink: an audited repository must not
    make charter read (and quote in its report) a file outside it, e.g. ``CLAUDE.md`` linked
    to ``~/.ssh/id_rsa``."""
    try:
        rel = path.relative_to(root)
    except ValueError:
        return False
    if ".." in rel.parts:
        return False
    current = root
    for part in rel.parts:
        current = current / part
        if current.is_symlink():
            return False
    return current.is_file()


def repo_profile_id(rel: str) -> str:
    """A profile id named after the document: ``.claude/agents/backend.md`` -> ``agent-backend``,
    ``AGENTS.md`` -> ``agents``, ``docs/agents/ops.md`` -> ``docs-agents-ops``."""
    pure = PurePosixPath(rel)
    if len(pure.parts) >= 3 and pure.parts[-3:-1] == (".claude", "agents"):
        return f"agent-{slug(pure.stem)}"
    return slug(str(pure.with_suffix("")))


def repo_profiles(
    root: Path, policies: PolicySet, globs: Sequence[str] = DEFAULT_GLOBS
) -> list[Profile]:
    """One profile per agent document in the repository, each also applying ``profile-drift``
    to its own document."""
    taken = set(policies.profiles)
    out: list[Profile] = []
    for rel in discover_documents(root, globs):
        document = read_document(root / rel, rel)
        pid = repo_profile_id(rel)
        while pid in taken:
            pid = f"{pid}-repo"
        taken.add(pid)
        extra = []
        if DRIFT_RULE in policies.rules:
            extra.append(ProfileRuleRef(id=DRIFT_RULE, params={"documents": [rel]}))
        result = import_profile(
            document, policies, profile_id=pid, title=f"{document.name} ({rel})", extra_rules=extra
        )
        out.append(result.profile)
    return out
