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
import os
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
from charter.profile_lexicon import (
    COLLABORATION,
    PLATFORMS,
    MatchesError,
    RuleMatcher,
    command_line,
    flags_defect,
    imperative,
    languages_of,
    matcher,
    normalise,
    starts_prohibited,
)

#: where ``charter audit --repo-profiles`` looks for a repository's own agent profiles
DEFAULT_GLOBS: tuple[str, ...] = (
    ".claude/agents/**/*.md",
    "**/AGENTS.md",
    "**/CLAUDE.md",
    ".claude/CLAUDE.md",
)
#: folders never searched for agent documents (dependencies, build output, VCS data)
SKIP_DIRS = frozenset(
    [
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "target",
        "dist",
        "build",
        "__pycache__",
        "vendor",
        "third_party",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    ]
)
#: the rule that reports statements naming files or commands the repository lacks
DRIFT_RULE = "profile-drift"

_BULLET = re.compile(r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)")
_SENTENCE_END = re.compile(
    r"(?:(?<=[a-z0-9)`'\"*][.!?])|(?<=[a-z0-9)`][.!?]\*\*))\s+(?=[A-Z`*\"'])"
)
_LABEL_ONLY = re.compile(r"^[\w\s&/()*.,'-]{1,60}:\**$")


class ProfileImportError(CharterError):
    """An agent profile document that cannot be read."""


@dataclass(frozen=True)
class Statement:
    """One sentence of a profile (hard-wrapped lines joined), with the line it starts on.

    ``kind`` is what the sentence is (:func:`charter.profile_lexicon.classify`): only an
    ``instruction`` maps to rules."""

    line: int
    text: str
    kind: str = "instruction"
    #: an item of a list of things to avoid ("Anti-Patterns to Avoid: - Missing timeouts")
    prohibited: bool = False


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
    """A statement, the rules that encode it, and the rules it opposes ("do not add type
    hints" opposes ``type-hints``: the rule is disabled for the profile)."""

    statement: Statement
    rules: tuple[str, ...]
    opposes: tuple[str, ...] = ()
    #: for an instruction no rule encodes: a program could check it (no rule yet), or not
    checkable: bool = False
    nearest: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """An imported profile and how each statement of the document was mapped."""

    document: AgentDocument
    profile: Profile
    mappings: tuple[StatementMapping, ...]
    #: rule id -> the statements that encode it, in document order
    sources: dict[str, list[Statement]] = field(default_factory=dict)
    #: rule id -> the statements that ask for the opposite; the rule is left out of the profile
    disabled: dict[str, list[Statement]] = field(default_factory=dict)
    #: the languages the profile is about (empty: it does not say)
    stack: frozenset[str] = frozenset()

    @property
    def encoded(self) -> list[StatementMapping]:
        return [m for m in self.mappings if m.rules]

    @property
    def manual(self) -> list[StatementMapping]:
        """Instructions no rule encodes (descriptions and context are not demands)."""
        return [
            m
            for m in self.mappings
            if not m.rules and not m.opposes and m.statement.kind == "instruction"
        ]


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


def _sentences(text: str) -> list[tuple[int, str]]:
    """The sentences of a paragraph with their offsets in it."""
    out = []
    position = 0
    for part in _SENTENCE_END.split(text):
        offset = text.find(part, position)
        position = offset + len(part)
        if part.strip():
            out.append((offset + len(part) - len(part.lstrip()), part.strip()))
    return out


def _is_statement(text: str) -> bool:
    """Leave out labels that only introduce a list ("Idioms:", "**Collaboration**:")."""
    if _LABEL_ONLY.match(text) and "`" not in text:
        # a lead-in that is itself an instruction ("Use ruff for linting and formatting:")
        return len(text.split()) >= 4 and imperative(text)
    return sum(ch.isalpha() for ch in text) >= 3


def _locate(lines: Sequence[str], start: int, end: int, piece: str) -> int | None:
    for index in range(max(start, 0), min(end, len(lines))):
        if piece in lines[index]:
            return index + 1
    return None


def _hard_broken(sentences: list[tuple[int, str]], row: str) -> list[tuple[int, str]]:
    """Split sentences again at markdown hard line breaks (two spaces or a backslash before
    the newline): "**Role**: Backend  \n**Focus**: APIs" is two statements."""
    breaks = [m.end() for m in re.finditer(r"(?:  +|\\)\n", row)]
    if not breaks:
        return sentences
    out = []
    for offset, piece in sentences:
        cuts = [b - offset for b in breaks if offset < b < offset + len(piece)]
        start = 0
        for cut in [*cuts, len(piece)]:
            part = piece[start:cut]
            if part.strip():
                lead = len(part) - len(part.lstrip())
                out.append((offset + start + lead, part.strip().rstrip("\\").strip()))
            start = cut
    return out


#: a line of a tree diagram (``├── src/``) or a box drawing: a picture, not prose
_DIAGRAM = re.compile(
    r"[\u2500-\u257f]|^\s*[|`]--\s"
    # a layout listing: a folder alone on its row, or a folder then a gloss after a gap
    r"|^\s*[\w.-]+(/[\w.-]+)*/(\s*$|\s{2,}\S)"
)


def parse_document(text: str, path: str = "AGENT.md") -> AgentDocument:
    """Split an agent profile into its front matter and sentences (with 1-based lines).

    Hard-wrapped lines of a paragraph or list item are joined before the text is split into
    sentences; headings, tables, fenced blocks with a language (examples) and diagrams are left
    out; a fenced block without a language is read one row at a time (profiles put step lists in
    them). Each sentence gets its :func:`~charter.profile_lexicon.classify` kind, read with the
    heading it is under and the paragraph that introduces its list."""
    from markdown_it import MarkdownIt  # imported on use: ~20 ms

    from charter.profile_lexicon import classify, command_gloss, normalise, prohibits

    front, skip = _split_front_matter(text, path)
    lines = text.splitlines()
    body = "\n".join(lines[skip:])
    tokens = MarkdownIt("commonmark").enable("table").parse(body)
    statements: list[Statement] = []
    heading = ""
    in_heading = in_table = False
    lead_ins: list[str] = []  # the paragraph introducing each open list
    last_text = ""
    item_depth = 0
    previous = ""
    for index, token in enumerate(tokens):
        kind = token.type
        previous = tokens[index - 1].type if index else ""
        if kind == "heading_open":
            in_heading = True
            continue
        if kind == "heading_close":
            in_heading = False
            continue
        if kind == "table_open":
            in_table = True
        elif kind == "table_close":
            in_table = False
        elif kind in {"bullet_list_open", "ordered_list_open"}:
            # the paragraph right before the list introduces it ("Avoid:", "Mastering X:")
            lead_ins.append(last_text if previous == "paragraph_close" else "")
        elif kind in {"bullet_list_close", "ordered_list_close"} and lead_ins:
            lead_ins.pop()
        elif kind == "list_item_open":
            item_depth += 1
        elif kind == "list_item_close":
            item_depth -= 1
        if token.map is None or in_table:
            continue
        if in_heading:
            if kind == "inline":
                heading = normalise(token.content)
            continue
        start = token.map[0] + skip
        if kind == "inline":
            rows = [token.content]
            joined = True
        elif kind == "fence" and not token.info.strip():
            if _DIAGRAM.search(token.content):
                continue
            rows = [_BULLET.sub("", row, count=1) for row in token.content.split("\n")]
            start += 1  # the opening fence line
            joined = False
        else:
            continue
        lead_in = lead_ins[-1] if lead_ins else ""
        for row_index, row in enumerate(rows):
            if _DIAGRAM.search(row):
                continue
            flat = " ".join(row.split("\n")) if joined else row
            # the source line of each character of the joined paragraph
            breaks = [i for i, ch in enumerate(row) if ch == "\n"]
            for offset, piece in _hard_broken(_sentences(flat), row):
                if not _is_statement(piece):
                    continue
                line = start + (row_index if not joined else sum(b < offset for b in breaks)) + 1
                if line - 1 < len(lines) and piece[:20] not in lines[line - 1]:
                    line = _locate(lines, start, token.map[1] + skip, piece[:20]) or line
                plain = normalise(piece)
                item = item_depth > 0 or not joined
                gloss = item and (command_gloss(piece) or (not joined and command_line(plain)))
                kind_of = classify(plain, heading, lead_in, item=item, gloss=gloss)
                prohibited = item and prohibits(heading, lead_in)
                statements.append(Statement(line, piece, kind_of, prohibited))
            last_text = normalise(flat)
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


def _candidates(policies: PolicySet) -> list[Rule]:
    return sorted(
        (r for r in policies.rules.values() if r.matches and r.id != "parse-error"),
        key=lambda r: r.id,
    )


def rule_patterns(rule: Rule) -> RuleMatcher:
    """The rule's compiled ``matches`` (a bad regex is a one-line error naming the rule)."""
    try:
        return matcher(rule)
    except MatchesError as exc:
        raise ProfileImportError(str(exc)) from None


def _fits(rule_langs: frozenset[str], said: frozenset[str], stack: frozenset[str]) -> bool:
    """A rule for some languages maps a sentence about one of them, or a sentence that names
    no language in a profile whose stack includes one (or does not say its stack)."""
    if not rule_langs:
        return True
    if not rule_langs & PLATFORMS:
        said, stack = said - PLATFORMS, stack - PLATFORMS
    if said:
        return bool(rule_langs & said)
    return not stack or bool(rule_langs & stack)


def read_statement(
    text: str,
    rules: Iterable[Rule],
    stack: frozenset[str] = frozenset(),
    *,
    prohibited: bool = False,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rules an instruction asks for, and the rules it asks the opposite of."""
    plain = normalise(text)
    if COLLABORATION.match(plain.lstrip("-*0123456789. ")):
        return (), ()  # "Partner with `database-architect` on migrations": who to ask
    # "## Anti-patterns - Do not add `#[allow]` without justification": the item forbids on
    # its own; the heading does not negate it a second time
    prohibited = (prohibited and not starts_prohibited(plain)) or flags_defect(plain)
    said = languages_of(plain)
    agree: dict[str, None] = {}
    oppose: dict[str, None] = {}
    for rule in rules:
        found = rule_patterns(rule).hits(plain, prohibited=prohibited)
        if not found or not _fits(rule_patterns(rule).languages, said, stack):
            continue
        if any(h.agrees for h in found):
            agree[rule.id] = None
        else:
            oppose[rule.id] = None
    return tuple(agree), tuple(oppose)


def match_statement(text: str, rules: Iterable[Rule]) -> tuple[str, ...]:
    """The ids of the rules whose ``matches`` recognise ``text`` as asking for them."""
    return read_statement(text, rules)[0]


def profile_stack(document: AgentDocument) -> frozenset[str]:
    """The languages a profile is about: named in its front matter, or in two sentences."""
    head = languages_of(
        normalise(f"{document.front_matter.get('name', '')} {document.description}")
    )
    counts: dict[str, int] = {}
    for statement in document.statements:
        for lang in languages_of(normalise(statement.text)):
            counts[lang] = counts.get(lang, 0) + 1
    return frozenset(head | {lang for lang, n in counts.items() if n >= 2})


_CHECKABLE = re.compile(
    r"`|\b(ci|lint\w*|format\w*|tests?|testing|coverage|commit\w*|lock ?files?|pre-commit|"
    r"docker\w*|container\w*|type[- ]?check\w*|workflows?|pipelines?|config\w*|imports?|log\w*|"
    r"errors?|exceptions?|secrets?|passwords?|tokens?|timeouts?|retr\w+|endpoints?|routes?|"
    r"dependenc\w*|versions?|docstrings?|comments?|annotations?|files?|folders?|"
    r"directory|make|npm|pnpm|cargo|pytest|ruff|mypy|eslint|prettier|clippy|gofmt)\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "all",
        "any",
        "are",
        "use",
        "using",
        "that",
        "this",
        "from",
        "into",
        "your",
        "when",
        "each",
        "every",
        "not",
        "must",
        "should",
        "never",
        "always",
        "code",
    ]
)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9]{2,}", text.lower()) if w not in _STOP}


def nearest_rule(text: str, rules: Iterable[Rule]) -> str | None:
    """The rule whose id and title share most words with ``text`` (None: none shares one)."""
    said = _words(normalise(text))
    best: tuple[float, str] | None = None
    for rule in rules:
        words = _words(rule.id.replace("-", " ") + " " + rule.title)
        shared = len(said & words)
        if shared and (best is None or shared / len(words) > best[0]):
            best = (shared / len(words), rule.id)
    return best[1] if best else None


def import_profile(
    document: AgentDocument,
    policies: PolicySet,
    *,
    profile_id: str | None = None,
    title: str | None = None,
    extra_rules: Sequence[ProfileRuleRef] = (),
) -> ImportResult:
    """Map each instruction of ``document`` to rules; the other instructions become manual
    items (split into checkable without a rule yet, with the nearest rule, and not checkable).

    A rule maps only when the sentence asks for what the rule demands ("never log tokens" for
    ``no-secrets-in-logs``); a sentence that asks the opposite ("do not add type hints")
    disables the rule for the profile. A rule for one language maps only a sentence about that
    language, or one that names none in a profile of that stack. The profile applies the
    matched rules in document order, then ``extra_rules``; ``parse-error`` is not a profile rule
    (the audit reports unparsable files apart from the scores).
    """
    candidates = _candidates(policies)
    stack = profile_stack(document)
    mappings = []
    for statement in document.statements:
        if statement.kind != "instruction":
            mappings.append(StatementMapping(statement, ()))
            continue
        rules, opposes = read_statement(
            statement.text, candidates, stack, prohibited=statement.prohibited
        )
        checkable = bool(rules) or bool(_CHECKABLE.search(statement.text))
        nearest = None if rules or not checkable else nearest_rule(statement.text, candidates)
        mappings.append(StatementMapping(statement, rules, opposes, checkable, nearest))
    disabled: dict[str, list[Statement]] = {}
    for mapping in mappings:
        for rule_id in mapping.opposes:
            disabled.setdefault(rule_id, []).append(mapping.statement)
    sources: dict[str, list[Statement]] = {}
    for mapping in mappings:
        for rule_id in mapping.rules:
            if rule_id not in disabled:
                sources.setdefault(rule_id, []).append(mapping.statement)
    refs = [
        ProfileRuleRef(id=r, quote=stmts[0].text, path=document.path, line=stmts[0].line)
        for r, stmts in sources.items()
    ]
    refs += [ref for ref in extra_rules if ref.id not in {x.id for x in refs}]
    manual = tuple(
        ManualItem(quote=m.statement.text, line=m.statement.line)
        for m in mappings
        if not m.rules and not m.opposes and m.statement.kind == "instruction"
    )
    name = document.name
    fields: dict[str, Any] = {
        "id": profile_id or slug(name),
        "title": title or (name if len(name) >= 3 else f"agent {name}"),
        "description": document.description or f"Imported from {document.path}",
        "rules": tuple(refs),
        "manual": manual,
    }
    # a profile without a rule is valid here (its statements are all manual review), though a
    # policy file must list one: the id and title are checked all the same
    profile = Profile(**fields) if refs else Profile.model_construct(**fields)
    if not refs:
        Profile(**{**fields, "rules": (ProfileRuleRef(id="parse-error"),)})
    return ImportResult(document, profile, tuple(mappings), sources, disabled, stack)


def slug(text: str) -> str:
    value = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return value or "agent"


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


def _summary(result: ImportResult) -> str:
    manual = result.manual
    checkable = sum(1 for m in manual if m.checkable)
    n_rules = len(result.sources)
    text = (
        f"{len(result.encoded)} instruction(s) encoded by {n_rules} rule(s), "
        f"{len(manual)} for manual review ({checkable} checkable with no rule yet, "
        f"{len(manual) - checkable} not checkable by a program)"
    )
    others = len(result.mappings) - sum(
        1 for m in result.mappings if m.statement.kind == "instruction"
    )
    if others:
        text += f", {others} description(s) and context left out"
    if result.disabled:
        text += f"; disabled by the profile: {', '.join(sorted(result.disabled))}"
    return text


def profile_yaml(result: ImportResult) -> str:
    """The imported profile as policy YAML, each rule commented with the sentences it encodes."""
    prof = result.profile
    head = {"id": prof.id, "title": prof.title, "description": prof.description}
    out = [
        f"# Imported by 'charter profile import' from {result.document.path}: {_summary(result)}.",
    ]
    for rule_id, statements in result.disabled.items():
        for stmt in statements:
            out.append(
                f"# {rule_id} is left out: line {stmt.line} asks the opposite: "
                f"{json.dumps(stmt.text, ensure_ascii=False)}"
            )
    out += [
        yaml.safe_dump(head, sort_keys=False, allow_unicode=True, width=100).rstrip(),
        "rules:" if prof.rules else "rules: []",
    ]
    for ref in prof.rules:
        for stmt in result.sources.get(ref.id, []):
            out.append(f"  # line {stmt.line}: {json.dumps(stmt.text, ensure_ascii=False)}")
        entry = f"  - id: {ref.id}"
        if ref.quote is not None:
            entry += f"\n    quote: {json.dumps(ref.quote, ensure_ascii=False)}"
            entry += f"\n    path: {json.dumps(ref.path, ensure_ascii=False)}\n    line: {ref.line}"
        if ref.params:
            entry += "\n    params: " + json.dumps(ref.params, ensure_ascii=False)
        out.append(entry)
    notes = {m.statement.line: m for m in result.manual}
    manual = []
    for item in prof.manual:
        mapping = notes.get(item.line or 0)
        manual.append({"quote": item.quote, "line": item.line})
        if mapping is not None and mapping.checkable:
            manual[-1]["quote"] = item.quote
    body = yaml.safe_dump({"manual": manual}, sort_keys=False, allow_unicode=True, width=100)
    out.append(body.rstrip())
    return "\n".join(out) + "\n"


def coverage_table(result: ImportResult, width: int = 72) -> str:
    """Instruction -> rule(s), "manual" (checkable, with the nearest rule, or not), or what
    the sentence is; one row per sentence, and a summary line."""
    rows = []
    for mapping in result.mappings:
        text = mapping.statement.text
        shown = text if len(text) <= width else text[: width - 1] + "…"
        if mapping.rules:
            target = ", ".join(mapping.rules)
            if any(r in result.disabled for r in mapping.rules):
                target += " (disabled)"
        elif mapping.opposes:
            target = "disables " + ", ".join(mapping.opposes)
        elif mapping.statement.kind != "instruction":
            target = f"({mapping.statement.kind})"
        elif mapping.checkable:
            target = "manual: checkable, no rule yet"
            if mapping.nearest:
                target += f" (nearest: {mapping.nearest})"
        else:
            target = "manual: not checkable"
        rows.append(f"{mapping.statement.line:>5}  {shown:<{width}}  {target}")
    rows.append(f"\n{len(result.mappings)} sentence(s): {_summary(result)}")
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------- drift

_PATH_TOKEN = re.compile(
    r"`(?P<tick>[^`\s]+)`"  # a backticked token
    r"|(?<![\w/.`-])(?P<bare>\.[\w-]+/[\w./-]*[\w/]|[A-Z][A-Z0-9_-]*\.md)(?![\w`])"
    r"|\[[^\]]*\]\((?P<link>[^)\s#]+)(?:#[^)]*)?\)"  # a markdown link's target
)
#: a file's extension, in lower or upper case: `threading.Lock` is a class, `README.MD` a file
_FILE_SUFFIX = re.compile(
    r"\.(?:(?:md|markdown|txt|ya?ml|toml|json|ini|cfg|lock|sh|py|go|rs|ts|js|sql|env)"
    r"|(?:MD|MARKDOWN|TXT|YA?ML|TOML|JSON|INI|CFG|LOCK|SH|PY|GO|RS|TS|JS|SQL|ENV))$"
)
#: code that reads like a file name: the environment of Node and of Vite
_CODE_NAMES = frozenset({"process.env", "import.meta.env", "os.environ"})
_DIRECTIVE = re.compile(
    r"\b(read|reading|update|updating|maintain|reference|refer to|follow|file an issue|"
    r"using the template|record|log it|write it|keep it|run|see|consult|start with|open)\b"
    # the same directives in other languages: see, read, run, update
    r"|参见|参考|参照|阅读|查看|运行|执行|更新|読んで|実行|siehe|lesen|ausführen|aktualisieren|"
    r"\bvoir\b|\blire\b|exécuter|\bconsulte[rz]?\b|\bleer\b|\bejecut[ae]r?\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"\b(check for|look for|e\.g\.|such as|etc\b|if (the )?project|whichever|"
    r"if (?:present|available|defined|it exists|one exists))",
    re.IGNORECASE,
)
_COMMAND = re.compile(
    r"^(?:(?P<make>make)\s+(?P<target>[\w.-]+)|(?P<npm>npm|pnpm|yarn|bun)\s+run\s+(?P<script>[\w:.-]+)"
    r"|(?P<just>just)\s+(?P<recipe>[\w-]+))$"
)
#: "in `codex-rs`", "under `packages/web/`": the folder the sentence's paths are relative to
_SCOPE = re.compile(
    r"\b(?:in|under|inside|within|from)\s+(?:the\s+)?`(?P<folder>[\w.-]+(?:/[\w.-]+)*)/?`"
    r"(?:\s+(?:folder|directory|crate|package|workspace))?",
    re.IGNORECASE,
)
#: the first folders of absolute paths that name the machine, not the repository
_SYSTEM_ROOTS = frozenset(
    [
        "tmp",
        "usr",
        "etc",
        "var",
        "dev",
        "proc",
        "sys",
        "home",
        "opt",
        "bin",
        "sbin",
        "lib",
        "root",
        "mnt",
        "private",
        "Users",
        "Library",
        "Applications",
        "System",
        "Volumes",
    ]
)


@dataclass(frozen=True)
class Reference:
    """A file, folder or command that a statement tells the agent to use.

    ``base`` is the folder the sentence names ("Run `cargo test` in `codex-rs`"): a relative
    path is looked up there first, then where the document is, then at the repository root;
    ``rooted`` paths (a leading ``/``) only at the root."""

    kind: str  # "path" or "command"
    token: str
    column: int
    base: str = ""
    rooted: bool = False


def references(statement: Statement) -> list[Reference]:
    """The repository files, folders and project commands a directive statement names."""
    text = statement.text
    if not _DIRECTIVE.search(text) or _CONDITIONAL.search(text):
        return []
    scope = _SCOPE.search(text)
    base = scope.group("folder").strip("/") if scope else ""
    found: list[Reference] = []
    for match in _PATH_TOKEN.finditer(text):
        token = match.group("tick") or match.group("bare") or match.group("link") or ""
        rooted = token.startswith("/") and not token.startswith("//")
        if rooted:
            first = token.strip("/").split("/", 1)[0]
            if first in _SYSTEM_ROOTS or not first:
                continue
            token = token[1:]
        if _looks_like_path(token):
            own = "" if token.strip("/") == base else base  # "in `docs/adr/`" names itself
            found.append(Reference("path", token, match.start() + 1, own, rooted))
    for match in re.finditer(r"`([^`]+)`", text):
        command = match.group(1).strip()
        if _COMMAND.match(command):
            found.append(Reference("command", command, match.start() + 1, base))
    return sorted(found, key=lambda r: r.column)


def _looks_like_path(token: str) -> bool:
    """A relative file or folder path: `.project/build-plan.md`, `.claude/rules/`, `CLAUDE.md`;
    not a URL (`github.com/org/repo`, `https://...`) or an option."""
    if any(ch in token for ch in "*?{}()[]<>=:,;$@#|\\\"'%"):
        return False
    if token in _CODE_NAMES:
        return False
    if token.startswith(("/", "~", "-", "http", "www.")) or ".." in token.split("/"):
        return False
    if re.fullmatch(
        r"\.(go|py|pyi|rs|ts|tsx|js|jsx|mjs|md|sql|sh|json|ya?ml|toml|txt|proto)", token
    ):
        return False  # an extension ("if you change `.go` files"), not a file
    first = token.split("/", 1)[0]
    if "/" in token and re.search(r"\.(com|org|net|io|dev|ai|sh|app|co|rs)$", first):
        return False  # a host: github.com/org/repo, crates.io/crates/x
    if "/" in token.strip("/"):
        return True
    return bool(_FILE_SUFFIX.search(token.rstrip("/"))) or (
        token.startswith(".") and token.endswith("/")
    )


def _claims_a_path(token: str, first_exists: bool) -> bool:
    """Whether a token that is not in the repository still reads as a path the profile claims.

    A token with an extension or a trailing slash does (`docs/ARCH.md`, `src/orders/`); a bare
    `word/word` does only when its first folder exists (`src/orders` in a repository with
    `src/`): `thread/read` and `item/completed` are RPC method names, not paths."""
    if token.endswith("/") or token.startswith(".") or _FILE_SUFFIX.search(token.rstrip("/")):
        return True
    return first_exists


@dataclass(frozen=True)
class Drift:
    statement: Statement
    reference: Reference
    message: str


def _candidates_for(ref: Reference, folder: str) -> list[str]:
    """Where a path reference may live: the sentence's folder, the document's, the root."""
    token = ref.token.rstrip("/").removeprefix("./")
    if ref.rooted:
        return [token]
    out = []
    for base in (ref.base, folder, f"{folder}/{ref.base}" if folder and ref.base else ""):
        if base:
            out.append(f"{base}/{token}")
    # a nested AGENTS.md of ui/src/components may name `tests/setup.ts` of its project, ui/
    parts = folder.split("/") if folder else []
    out += [f"{'/'.join(parts[:depth])}/{token}" for depth in range(len(parts) - 1, 0, -1)]
    out.append(token)
    return list(dict.fromkeys(out))


def find_drift(
    document: AgentDocument,
    exists: Callable[[str], bool],
    command_exists: Callable[[Reference], bool | None],
    folder: str = "",
) -> list[Drift]:
    """The references of ``document`` the repository does not satisfy; ``folder`` is the
    folder the document is in (a nested ``AGENTS.md`` speaks about its folder)."""
    out: list[Drift] = []
    seen: set[tuple[int, str]] = set()
    for statement in document.statements:
        for ref in references(statement):
            key = (statement.line, ref.token)
            if key in seen:
                continue
            seen.add(key)
            if ref.kind == "path":
                places = _candidates_for(ref, folder)
                if any(exists(place) for place in places):
                    continue
                token = ref.token.rstrip("/")
                first = token.split("/", 1)[0]
                first_exists = any(exists(place.rsplit(token, 1)[0] + first) for place in places)
                if "/" in token and not _claims_a_path(ref.token, first_exists):
                    continue
                what = "folder" if ref.token.endswith("/") else "file"
                where = f" (looked in `{ref.base}/` too)" if ref.base else ""
                message = (
                    f"the profile tells the agent to use `{'/' if ref.rooted else ''}"
                    f"{ref.token}`, but the repository has no such {what}{where}; create it "
                    f"or fix the profile"
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


def command_defined(
    ref: Reference, read: Callable[[str], str | None], folders: Sequence[str] = ("",)
) -> bool | None:
    """Whether a ``make``/``npm run``/``just`` command is defined (None: cannot tell), in the
    first of ``folders`` (nearest first; "" is the root) that has a Makefile, package.json or
    justfile."""
    match = _COMMAND.match(ref.token)
    if match is None:
        return None

    def first(*names: str) -> str | None:
        for folder in folders:
            for name in names:
                text = read(f"{folder}/{name}" if folder else name)
                if text is not None:
                    return text
        return None

    if match.group("make"):
        folder = next(
            (
                f
                for f in folders
                for n in ("Makefile", "makefile", "GNUmakefile")
                if read(f"{f}/{n}" if f else n) is not None
            ),
            "",
        )
        text = first("Makefile", "makefile", "GNUmakefile")
        if text is None:
            return False
        # the targets of included makefiles count (``include Makefile.common``)
        for included in re.findall(r"^-?include\s+(\S+)\s*$", text, re.MULTILINE):
            if "$" not in included:
                text += "\n" + (read(f"{folder}/{included}" if folder else included) or "")
        target = re.escape(match.group("target"))
        return re.search(rf"^{target}\s*:(?!=)", text, re.MULTILINE) is not None
    if match.group("npm"):
        text = first("package.json")
        if text is None:
            return False
        try:
            scripts = json.loads(text).get("scripts", {})
        except (ValueError, AttributeError):
            return None
        return isinstance(scripts, dict) and match.group("script") in scripts
    text = first("justfile", "Justfile", ".justfile")
    if text is None:
        return False
    recipe = re.escape(match.group("recipe"))
    return re.search(rf"^@?{recipe}\b[^:\n]*:", text, re.MULTILINE) is not None


def command_folders(ref: Reference, folder: str) -> list[str]:
    """Where to look for the Makefile/package.json of a command: the sentence's folder, then
    the document's folder and each parent up to the root."""
    out = []
    if ref.base:
        out.append(f"{folder}/{ref.base}" if folder else ref.base)
        out.append(ref.base)
    parts = folder.split("/") if folder else []
    for depth in range(len(parts), 0, -1):
        out.append("/".join(parts[:depth]))
    out.append("")
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- repo discovery


def glob_match(path: str, pattern: str) -> bool:
    """Whether a posix ``path`` matches ``pattern``: ``*`` stays within one folder, ``**``
    crosses any number of folders (none included: ``**/AGENTS.md`` matches ``AGENTS.md``)."""
    return _glob_regex(pattern).match(path) is not None


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:[^/]+/)*")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        elif pattern[index] == "[" and "]" in pattern[index + 2 :]:
            close = pattern.index("]", index + 2)
            out.append("[" + pattern[index + 1 : close].replace("\\", "\\\\") + "]")
            index = close + 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(out) + r"\Z")


def discover_documents(root: Path, globs: Sequence[str] = DEFAULT_GLOBS) -> list[str]:
    """The agent profile documents in ``root`` (posix paths relative to it), sorted; folders
    of dependencies and build output are not searched."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS or d == ".claude")
        rel_folder = Path(folder).relative_to(root).as_posix()
        for name in files:
            if not name.lower().endswith((".md", ".markdown")):
                continue
            rel = name if rel_folder == "." else f"{rel_folder}/{name}"
            if any(glob_match(rel, g) for g in globs) and _plain_file_inside(root, root / rel):
                found.add(rel)
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
    ``.claude/agents/ops/deploy.md`` -> ``agent-ops-deploy``, ``AGENTS.md`` -> ``agents``,
    ``docs/agents/ops.md`` -> ``docs-agents-ops``."""
    pure = PurePosixPath(rel)
    parts = pure.parts
    for index in range(len(parts) - 2):
        if parts[index : index + 2] == (".claude", "agents"):
            return "agent-" + slug("-".join((*parts[index + 2 : -1], pure.stem)))
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
