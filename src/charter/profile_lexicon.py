"""What a profile sentence asks: its kind, its polarity, its languages, and the rules it names.

:mod:`charter.profile_import` splits a profile into sentences; this module reads each one:

- :func:`classify`: an *instruction* ("Use type hints", "Never log tokens", "Every change must
  pass CI"), a *description* (what the agent is or knows: "Expert in NumPy and Pandas",
  "Designing microservices", "Delivered the API"), or *context* (a fact: "`poe lint` runs ruff").
  Only instructions map to rules.
- :func:`polarity_at`: whether the words at a place of the sentence are affirmed ("use X") or
  negated ("do not use X", "avoid X", "never X", "X is forbidden", "instead of X").
- :func:`languages_of`: the languages a sentence (or a whole profile) is about, so that a Go
  sentence never maps to a Python-only rule.
- :class:`RuleMatcher`: a rule's ``matches`` (regexes, or concepts: terms in any order within a
  window, with vetoes), each with the polarity the rule demands, read from the rule's own
  ``sources`` (the seed sentences it encodes) unless the YAML says it.

Matching runs on :func:`normalise`-d text: markdown emphasis and backticks removed, so
"`unsafe` blocks" and "unsafe blocks" read alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from charter.errors import CharterError
from charter.policy import ConceptMatch, Rule

Kind = Literal["instruction", "description", "context"]
Polarity = Literal["affirmed", "negated"]


# --------------------------------------------------------------------------- normalising

_EMPHASIS = re.compile(r"(\*\*|\*|(?<!\w)__|(?<!\w)_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def normalise(text: str) -> str:
    """The sentence without markdown emphasis, backticks and link targets, on one line."""
    text = _LINK.sub(r"\1", text)
    text = text.replace("`", "")
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- kind

#: verbs a sentence or a list item starts with when it tells the agent what to do
IMPERATIVES = frozenset(
    [
        "accept",
        "add",
        "adhere",
        "align",
        "allow",
        "apply",
        "ask",
        "assume",
        "audit",
        "automate",
        "avoid",
        "back",
        "backport",
        "benchmark",
        "build",
        "bump",
        "call",
        "catch",
        "check",
        "choose",
        "clean",
        "commit",
        "compose",
        "configure",
        "confirm",
        "consider",
        "consult",
        "create",
        "declare",
        "default",
        "define",
        "delete",
        "deliver",
        "deploy",
        "design",
        "detect",
        "disable",
        "document",
        "don",
        "draft",
        "drop",
        "embed",
        "emit",
        "enable",
        "encode",
        "encrypt",
        "enforce",
        "ensure",
        "escape",
        "establish",
        "exclude",
        "expose",
        "extend",
        "fail",
        "favor",
        "favour",
        "fix",
        "follow",
        "format",
        "gate",
        "generate",
        "give",
        "guard",
        "handle",
        "harden",
        "include",
        "inject",
        "install",
        "integrate",
        "isolate",
        "keep",
        "lead",
        "leverage",
        "limit",
        "lint",
        "lock",
        "log",
        "make",
        "manage",
        "mark",
        "measure",
        "migrate",
        "minimize",
        "minimise",
        "mirror",
        "monitor",
        "move",
        "name",
        "never",
        "obtain",
        "open",
        "organize",
        "pass",
        "pin",
        "place",
        "plan",
        "prefer",
        "prepare",
        "preserve",
        "prevent",
        "prioritize",
        "prioritise",
        "profile",
        "propagate",
        "protect",
        "provide",
        "put",
        "raise",
        "read",
        "record",
        "reduce",
        "refactor",
        "regenerate",
        "reject",
        "remove",
        "rename",
        "replace",
        "report",
        "require",
        "respect",
        "restrict",
        "retry",
        "return",
        "reuse",
        "review",
        "rotate",
        "run",
        "sanitize",
        "sanitise",
        "scan",
        "scope",
        "separate",
        "serve",
        "set",
        "ship",
        "sign",
        "skip",
        "sort",
        "split",
        "start",
        "state",
        "stick",
        "store",
        "strive",
        "structure",
        "submit",
        "support",
        "tag",
        "test",
        "throttle",
        "trace",
        "treat",
        "try",
        "type",
        "update",
        "upgrade",
        "use",
        "utilize",
        "utilise",
        "validate",
        "verify",
        "version",
        "wrap",
        "write",
        "implement",
        "produce",
        "embrace",
        "get",
        "look",
        "let",
        "see",
        "note",
        "mention",
        "be",
        "do",
        "explain",
        "present",
        "offer",
        "highlight",
        "justify",
        "discuss",
        "communicate",
        "coordinate",
        "collaborate",
        "reference",
        "refer",
        "link",
        "cite",
        "stay",
        "conclude",
        "summarize",
        "summarise",
        "analyze",
        "analyse",
        "identify",
        "investigate",
        "execute",
        "maintain",
        "prove",
        "reproduce",
        "repeat",
        "classify",
        "append",
        "import",
        "invoke",
        "wait",
        "think",
        "share",
        "understand",
        "focus",
        "adopt",
        "insist",
        "block",
        "annotate",
        "cover",
        "containerize",
        "containerise",
        "instrument",
        "expose",
        "paginate",
        "cache",
        "batch",
        "bound",
        "cap",
        "sandbox",
        "develop",
        "optimize",
        "optimise",
        "outline",
    ]
)
_MODAL = re.compile(
    r"\b(must|should|shall|never|always|do not|don't|required|mandatory|"
    r"forbidden|prohibited|not allowed|ensure|make sure|only use|prefer|avoid|important|"
    r"paramount|non-negotiable)\b"
    r"|禁止|必须|必須|不要|不得|避免|请|してください|しないで|禁止する",
    re.IGNORECASE,
)
_DESCRIBES = re.compile(
    r"^(you are|you're|you have|you can|i am|i'm|i |my |we are|this agent|the agent is|expert|"
    r"expertise|deep (knowledge|understanding|expertise)|in-depth|proficien|mastery|master of|"
    r"mastering|experience (with|in)|experienced|extensive|skilled|knowledge|knowledgeable|"
    r"understanding of|familiar|speciali[sz]|focus(es)? on|responsible for|capable|adept|"
    r"ability to|role|expertise in|examples?\b|e\.g\.|for example|sample|output:|input:)",
    re.IGNORECASE,
)
#: status lines an agent prints ("Delivered the API with 90% coverage") and narrative
_STATUS = re.compile(
    r"^([\u2705\u2713\u2714\u2611\u274c\U0001f680\U0001f4ca\U0001f4dd]|\[[xX]\]"
    r"|(delivered|completed|implemented|achieved|created|built|added|fixed|reduced|improved|"
    r"increased|deployed|migrated|refactored|optimized|optimised|designed|established|"
    r"integrated|wrote|shipped|resolved|enhanced)\b)",
    re.IGNORECASE,
)
#: headings whose items say what the agent is, knows or prints, not what it must do
DESCRIPTIVE_HEADING = re.compile(
    r"example|sample|communication style|integration with|working with other|"
    r"with other agents|personality|progress (report|track)|status (report|update)|"
    r"repo(sitory)? (structure|layout|map)|project (structure|layout|overview)|key files|"
    r"directory (structure|layout)|glossary",
    re.IGNORECASE,
)
#: headings whose verbless items list what the agent knows or delivers, not what it must do
#: ("Core Competencies: - Advanced patterns: worker pools, rate limiting")
CAPABILITY_HEADING = re.compile(
    r"expertise|capabilit|competenc|skills|knowledge|speciali[sz]|output|deliverables?|"
    r"focus areas?|areas of focus|"
    r"response format|report format|what you (deliver|produce)|what (i|we) (do|offer|bring)|"
    r"what (this|the) agent (does|offers)",
    re.IGNORECASE,
)
#: a reviewer's sentence that names a defect ("Flag any use of ...", "Watch out for ...")
_FLAGS = re.compile(r"(flag|watch (out )?for)\b", re.IGNORECASE)
#: headings and lead-ins whose items are things not to do ("Anti-Patterns to Avoid")
PROHIBITING = re.compile(
    r"\b(avoid|anti-?patterns?|pitfalls|prohibit\w*|forbidden|don'?ts|never|mistakes|red flags|"
    r"issues to flag|what to flag|code smells|vulnerabilities)\b"
    # a review checklist's severity sections ("### CRITICAL -- Security"): each item is a
    # defect to flag
    r"|^\W*(critical|high|medium|low)\s*(--|\u2014|\u2013|-|:)\s"
    r"(?!.*\b(best practices?|practices|guidelines|conventions|style)\b)",
    re.IGNORECASE,
)
_COMMAND = re.compile(
    r"^(\./|uv|uvx|npm|npx|pnpm|yarn|bun|make|just|cargo|go|poe|pytest|ruff|mypy|pyright|tox|"
    r"nox|python3?|bash|sh|docker|terraform|gofmt|golangci-lint|pre-commit|prek)\s+[-\w./$<]"
)
_TOOL_FOR = re.compile(r"^[\w.+-]+(?:\s[\w.+-]+)?(?:\s\([^)]*\))?\s+for\s+\w", re.IGNORECASE)
_LABEL = re.compile(r"^(?P<label>[^.!?:]{1,60}?)\s*(?::|\s[-\u2013\u2014]\s)\s*(?P<body>.*)$")
_ADVERB = re.compile(r"^(?:\w+ly|please|also|then|first|just|always)\s+", re.IGNORECASE)
_PROHIBITION_START = re.compile(r"^(no|never|avoid|don't|do not|not)\b", re.IGNORECASE)
#: a modal inside a purpose clause states why, not what to do ("... so that tests are isolated",
#: "A library of mocks to ensure tests run reliably")
_PURPOSE = re.compile(r"\b(to|that|which|will|so as to)\s+(ensure|make sure)\b", re.IGNORECASE)
#: a list item that opens with a code span and glosses it ("`make lint` - runs ruff",
#: "`poe test`: run pytest in parallel"): a reference to a project command, not a demand
_COMMAND_GLOSS = re.compile(
    r"^`[^`]+`(?:\s*(?:,|/|\bor\b|\band\b)\s*`[^`]+`)*\s*(?::|[-\u2013\u2014]|\()"
)
#: a verbless statement of where something is ("Migrations in internal/db/migrations/.")
_LOCATED = re.compile(r"^[A-Za-z][\w\s-]{0,40}\s(in|under|at)\s+\S*/\S*\.?$")
#: a list item that names a file and glosses it ("db_test.go - Unit test examples")
_FILE_GLOSS = re.compile(
    r"^`?[\w./-]+\.(go|py|rs|ts|tsx|js|md|ya?ml|toml|json|sh)`?\s+[-\u2013\u2014:]\s"
)
#: headings and lead-ins whose items are criteria to meet, even when worded as facts
#: ("Definition of Done: - All new endpoints are documented")
_CRITERIA = re.compile(
    r"definition of done|\bcriteria\b|\bchecklist\b|acceptance|"
    r"\b(must|should|shall) (meet|satisfy|pass|hold)\b|until it meets|"
    r"\bbefore (merging|merge|release)",
    re.IGNORECASE,
)
#: a check mark that opens a checklist line
_CHECK_MARK = re.compile(r"^[\u2705\u2713\u2714\u2611]\ufe0f?\s*(.+)$")
#: an unticked box of a checklist: a criterion still to meet (a ticked one reports progress)
_UNCHECKED = re.compile(r"^\[ \]\s")
#: a note on working with another agent or team ("Partner with `database-architect` on ...",
#: "Leverage `research-librarian` for ..."): who to ask, which no rule checks
COLLABORATION = re.compile(
    r"^(partner|collaborate|coordinate|work|sync|pair|liaise)\s+with\b|^(leverage|delegate to|"
    r"hand (off|over) to|escalate to|loop in|consult)\s+`?[\w-]+-(agent|architect|engineer|"
    r"expert|librarian|specialist|reviewer|pro|writer|auditor|manager)\b",
    re.IGNORECASE,
)
#: a list label that is a lowercase identifier ("context7", "sequential-thinking", "playwright"):
#: the name of a tool or server, not a topic
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$")
#: a short lead-in that says its list is what the agent can do ("Key Capabilities:", "Skills:")
_CAPABILITY_LEAD_IN = re.compile(
    r"^(?:\w+\s){0,3}(expertise|capabilities|skills|competenc\w*|speciali[sz]ations?|"
    r"specialties)\s*:$",
    re.IGNORECASE,
)
#: a lead-in whose items are what to cite or read ("..., reference:", "Consult:")
_REFERENCE_LEAD_IN = re.compile(r"\b(reference|cite|consult|refer to)\s*:\s*$", re.IGNORECASE)
#: a lead-in that is an instruction ending in an open condition ("Run it when you change:",
#: "Ask for review if you touch:"): its items complete the condition, they are not demands
_OPEN_CONDITION = re.compile(
    r"\b(when|whenever|if|once|after|before|unless)\b(?:(?![.;!?]).)*?"
    r"\b(change|changes|changed|touch|touches|edit|edits|modify|modifies|add|adds|"
    r"update|updates|see|need|needs|affect|affects|involve|involves|include|includes)\s*:\s*$",
    re.IGNORECASE,
)


def _first_word(text: str) -> str:
    text = _ADVERB.sub("", text.strip(" -*>\"'"))
    text = _ADVERB.sub("", text)
    match = re.match(r"[A-Za-z']+", text)
    return match.group(0).lower() if match else ""


#: verbs that are also nouns or adjectives ("Type hints", "Clean, readable code", "Lock files"):
#: they start an instruction only when a sentence, not a heading-like label, starts with them
AMBIGUOUS = frozenset(
    [
        "type",
        "lock",
        "version",
        "test",
        "name",
        "state",
        "log",
        "cache",
        "batch",
        "bound",
        "cap",
        "block",
        "profile",
        "trace",
        "format",
        "sort",
        "plan",
        "mark",
        "clean",
        "design",
        "structure",
        "review",
        "scan",
        "sign",
        "tag",
        "record",
        "report",
        "return",
        "support",
        "default",
        "lead",
        "move",
        "open",
        "gate",
        "guard",
        "scope",
        "ship",
        "start",
        "stick",
        "store",
        "sandbox",
        "monitor",
        "limit",
        "lint",
        "focus",
        "cover",
        "instrument",
        "build",
        "deploy",
        "commit",
        "fix",
        "drop",
        "benchmark",
        "back",
        "call",
        "check",
        "document",
        "encode",
        "encrypt",
        "expose",
        "fail",
        "isolate",
        "measure",
        "minimize",
        "minimise",
        "migrate",
        "pass",
        "place",
        "raise",
        "reduce",
        "refactor",
        "remove",
        "replace",
        "retry",
        "reuse",
        "rotate",
        "split",
        "throttle",
        "update",
        "upgrade",
        "verify",
        "secure",
        "order",
        "package",
        "release",
    ]
)


def command_line(text: str) -> bool:
    """A line that is a shell command (``go test -race ./...``, ``make lint``)."""
    return bool(_COMMAND.match(text.strip()))


def starts_prohibited(text: str) -> bool:
    """Whether a sentence opens with a prohibition ("Do not", "Never", "Avoid")."""
    return bool(_PROHIBITION_START.match(_EMPHASIS.sub(r"\2", text).strip(" -*")))


def flags_defect(text: str) -> bool:
    """Whether a reviewer's sentence names a defect to flag ("Flag any use of `panic()`",
    "Watch for goroutine leaks"): what it names is to be avoided, as in a list of don'ts."""
    return bool(_FLAGS.match(text.strip(" -*")))


def imperative(text: str) -> bool:
    """Whether a sentence starts with a verb in the imperative ("Use ruff for linting")."""
    return _imperative(normalise(text))


def _imperative(text: str, *, label: bool = False) -> bool:
    text = text.strip()
    if _PROHIBITION_START.match(text):
        return True
    word = _first_word(text)
    if word not in IMPERATIVES:
        return False
    if word in AMBIGUOUS and _noun_phrase_subject(text):
        return False  # "Test files use `.spec.ts`"
    if word in AMBIGUOUS:
        if label:
            return False
        rest = text[text.lower().find(word) + len(word) :]
        # "Clean, readable code", "Test Coverage: ..." read as nouns or adjectives
        return not rest.startswith((",", ":", " and ", " or ")) and len(text.split()) >= 3
    return True


#: a finite verb: the sentence states a fact rather than listing a standard
_FINITE = re.compile(
    r"\b(is|are|was|were|has|have|had|does|can|will|would|may|might|cannot|can't|runs|uses|"
    r"makes|covers|tracks|lives|works|fails|passes|requires|provides|contains|includes|"
    r"applies|builds|handles|shows|means|installed|configured|generated|stored|located|"
    r"enabled|disabled|live|belong|enforces)\b",
    re.IGNORECASE,
)


def prohibits(heading: str, lead_in: str) -> bool:
    """Whether the items under ``heading`` or a list introduced by ``lead_in`` are things to
    avoid: "## Anti-Patterns to Avoid", "Never:" (a short label, not any sentence with "never")."""
    if PROHIBITING.search(heading):
        return True
    label = lead_in.strip()
    return label.endswith(":") and len(label.split()) <= 8 and bool(PROHIBITING.search(label))


#: what follows a plural noun that starts a sentence ("Tests that use ...", "Builds may ..."):
#: the first word is the subject, not a verb
_SUBJECT_NEXT = re.compile(
    r"^[A-Za-z']+\s+(that|which|who|are|is|were|was|may|might|can|could|will|would|should|"
    r"must|do|does|have|has)\b|^[A-Za-z']+\s+[A-Za-z'-]+\s+(that|which|who)\b",
    re.IGNORECASE,
)
#: a leading subordinate clause ("After changing dependencies, run ..."): the main clause
#: after its comma is what the sentence asks
_SUBORDINATE = re.compile(
    r"^(?:after|before|when|whenever|if|once|while|unless|for|in|on)\b[^,.;:]{1,80},\s*",
    re.IGNORECASE,
)
#: a negated verb of the sentence's own subject ("tests that do not use X do not start ..."),
#: which states a fact rather than forbidding anything
_NEGATED_FACT = re.compile(r"\b(do not|does not|don't|doesn't)\b", re.IGNORECASE)
#: a sentence that reports how many of something are in a state ("Many shared ESLint rules
#: temporarily DISABLED"): a fact about the project, unless a modal asks for something
_QUANTIFIED = re.compile(r"^(many|some|most|several|few|a few|certain)\b", re.IGNORECASE)


def _noun_phrase_subject(text: str) -> bool:
    """Whether the first word heads a noun phrase that is the sentence's subject: "Tests that
    use X may start", "Test files use `.spec.ts`" (an ambiguous verb, a noun, a finite verb)."""
    text = text.strip(" -*>\"'")
    first = _first_word(text)
    if first in IMPERATIVES and first not in AMBIGUOUS:
        return False  # "Validate that new features include tests"
    if _SUBJECT_NEXT.match(text):
        return True
    words = text.split()
    verb = words[2].strip(",.;:").lower() if len(words) >= 3 else ""
    # "Test files use": a plural subject takes the verb without its -s
    return _first_word(text) in AMBIGUOUS and bool(
        verb and (_FINITE.fullmatch(verb) or _FINITE.fullmatch(verb + "s"))
    )


def _third_person(text: str) -> bool:
    """A sentence that starts with a verb in the third person ("Defines", "Focuses")."""
    if _noun_phrase_subject(text):
        return False
    word = _first_word(text)
    for stem in (word[:-1], word[:-2]) if word.endswith("s") and len(word) > 4 else ():
        if stem in IMPERATIVES:
            return True
    return False


def split_label(text: str) -> tuple[str, str]:
    """``**Testing:** Provide tests`` -> ("Testing", "Provide tests"); no label: ("", text)."""
    match = _LABEL.match(text)
    if match and match.group("body") and len(match.group("label").split()) <= 6:
        return match.group("label").strip(), match.group("body").strip()
    return "", text


def command_gloss(raw: str) -> bool:
    """Whether a list item (markdown, backticks kept) opens with a code span that it then
    glosses: "`make lint` - runs ruff", "**`poe test`**: run pytest in parallel"."""
    text = raw.strip()
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    # an item that is only a command ("`uv run ruff format .`" under "Use ruff for formatting:")
    return bool(
        _COMMAND_GLOSS.match(text)
        or re.fullmatch(r"`[^`]+`\.?", text)
        or _FILE_GLOSS.match(text)
        or _command_list(text)
    )


def _command_list(text: str) -> bool:
    """A label whose body is mostly commands ("Test: `make test` (unit) • `make test-all`",
    "Proto CI: `buf lint` and `buf format` check"): what the project runs, not a demand. Left
    after the code spans, parentheses, versions and separators: two words at most."""
    label, sep, body = text.partition(":")
    if not sep or "`" not in body or len(label.split()) > 6:
        return False
    rest = re.sub(r"`[^`]*`|\([^)]*\)|<[^>]*>", " ", body)
    if re.search(r"\b(without|instead|not|never|no|avoid|over|rather|must|should)\b", rest, re.I):
        return False  # "Missing error wrapping: `return err` without `fmt.Errorf(...)`"
    words = [
        w
        for w in re.split(r"[\s,;\u2022+/|]+|&&", rest)
        if w and not re.fullmatch(r"v?\d[\w.-]*|or|and|then|OR|AND|[-\u2013\u2014.:]+", w)
    ]
    return len(words) <= 2


def classify(
    text: str, heading: str = "", lead_in: str = "", *, item: bool = False, gloss: bool = False
) -> Kind:
    """The kind of a (normalised) sentence; ``heading`` is the section it is under,
    ``lead_in`` the paragraph that introduces its list ("Mastering Go's concurrency:") and
    ``item`` whether it is a list item (a verbless item of a list of standards is one:
    "Connection pooling", "Alembic for migrations"); ``gloss`` whether the item opens with a
    code span it explains (:func:`command_gloss`)."""
    if item and _UNCHECKED.match(text) and not DESCRIPTIVE_HEADING.search(heading):
        return "instruction"  # "- [ ] Secrets handled via the environment": a box to tick
    ticked = _CHECK_MARK.match(text)
    if (
        item
        and ticked
        and not _STATUS.match(ticked.group(1))
        and not DESCRIPTIVE_HEADING.search(heading)
    ):
        # "- ✓ All functions have complete type hints": a review checklist's criterion, unlike
        # "✅ Delivered the API", which reports what was done
        return "instruction"
    label, body = split_label(text)
    if item and (gloss or _IDENTIFIER.match(label)) and not _demands(text):
        return "context"  # "`make lint` - runs ruff", "context7: Research docs": a tool
    capability_item = item and label and _CAPABILITY_LEAD_IN.search(lead_in)
    if capability_item and not _demands(text) and not _PROHIBITION_START.match(body):
        # "Key Capabilities: - System Architecture: Design scalable services": what the agent
        # can do, whatever the mood of the gloss
        return "description"
    if item and _OPEN_CONDITION.search(lead_in) and _imperative(lead_in) and not _demands(text):
        return "context"  # "Run it when you change: - `src/`": the items complete the condition
    if item and _REFERENCE_LEAD_IN.search(lead_in) and not _demands(text):
        return "context"  # "When making claims, reference: - PEP 8 for style": what to cite
    if _STATUS.match(body) or _STATUS.match(text):
        return "description"
    if _DESCRIBES.match(text) or _DESCRIBES.match(body):
        return "description"
    if DESCRIPTIVE_HEADING.search(heading) or (label and DESCRIPTIVE_HEADING.search(label)):
        return "description"
    if text.rstrip(" )\"'").endswith("?"):
        return "context"  # a question the agent asks itself ("How will we monitor it?")
    if _QUANTIFIED.match(text) and not _demands(text):
        return "context"  # "Many shared ESLint rules temporarily DISABLED: ..."
    if label and body[:1] in '"\u201c' and not _demands(label):
        return "context"  # "Comment in config: \"temporarily enabled ...\"": a quotation
    if _third_person(body):
        # "Documents unsafe blocks": an item of a checklist says what the agent does; prose
        # or a capability list says what it is ("Develops and maintains unit tests")
        listed = item and not (_lead_in_describes(lead_in) or CAPABILITY_HEADING.search(heading))
        return "instruction" if listed else "description"
    if label.lower().startswith("with ") and not _MODAL.search(body):
        return "description"  # "**With test-automator**: ..." (collaboration notes)
    if _noun_phrase_subject(body) and not _demands(_NEGATED_FACT.sub(" ", text)):
        return "context"  # "Unit tests that do not use X do not start a server": a fact
    if (
        item
        and CAPABILITY_HEADING.search(heading)
        and _first_word(body) in AMBIGUOUS
        and not _demands(text)
    ):
        return "description"  # "## Focus Areas - Type hints and static type checking"
    if _imperative(body) or (label and _imperative(label, label=True)) or _demands(text):
        return "instruction"
    if any(_imperative(part) for part in text.split(";")[1:]):
        return "instruction"  # "Formatting uses ruff; run `make format`"
    main = _SUBORDINATE.sub("", body, count=1)
    if main != body and _imperative(main):
        return "instruction"  # "After changing dependencies, run `pnpm install`"
    if lead_in and _lead_in_describes(lead_in):
        return "description"
    if label and _COMMAND.match(body):
        return "context"  # "Lint: `uv run ruff check .`": how to run it, as a glossed command
    first = _first_word(body)
    prohibited = prohibits(heading, lead_in)
    if item and label and _inventory(body) and not prohibited and not _imperative(lead_in):
        return "description"  # "**Unit Testing**: Terratest, Go test": the stack, named
    if item and label and _topic_lead_in(lead_in) and not prohibited:
        # "Robust error handling in Python:" then "- **Logging**: Structured logging over
        # print": a verbless label and body under a verbless lead-in outline a topic
        return "description"
    if first.endswith("ing") and first not in IMPERATIVES and not prohibited:
        return "description"  # "Designing scalable systems", "Wrapping errors for context"
    if (
        _TOOL_FOR.match(text)
        and len(text.split()) <= 8
        and not CAPABILITY_HEADING.search(heading)
        and not _FINITE.search(body)  # "SQL migrations for config tables live in ..."
    ):
        return "instruction"  # "Alembic for database migrations": use this tool for that
    if item and (_CRITERIA.search(heading) or _CRITERIA.search(lead_in)):
        return "instruction"  # "Definition of Done: - Endpoints are documented": asked for
    if _LOCATED.match(body):
        return "context"  # "Migrations in `internal/db/migrations/`.": where things are
    if _FINITE.search(body) or _noun_phrase_subject(body):
        return "context"  # "Pytest is configured with ...", "CI runs the suite", "Test files use"
    listing = _lead_in_describes(lead_in) or bool(CAPABILITY_HEADING.search(heading))
    if item and (prohibited or not listing):
        return "instruction"
    # a verbless item of a skills or deliverables list names what the agent knows or delivers
    return "description" if item else "context"


_ELEMENT = re.compile(r"\s*(?:,|;|/|\band\b|\bor\b|&)\s*")
_PREPOSITION_START = re.compile(
    r"^(for|with|in|on|at|by|to|from|via|over|under|before|after|when|if)\b", re.IGNORECASE
)


def _name(word: str) -> bool:
    return word[:1].isupper() or bool(re.search(r"[A-Z].*[A-Z]|[\d.+#_-]", word[1:]))


def _inventory(body: str) -> bool:
    """A body that only names products ("Terratest, Go Test", "JaCoCo, gcov", "PostgreSQL"),
    each in a few capitalised words or a tool token: the stack, not a standard. A list of
    practices ("query tuning, connection pooling") or a purpose ("Alembic for migrations")
    is not one."""
    body = re.sub(r"\([^)]*\)", "", body).strip().rstrip(".")
    if not body or _FINITE.search(body) or _PREPOSITION_START.match(body):
        return False
    if re.search(r"\b(for|with|over|instead of|rather than|than|without|to)\b", body, re.I):
        return False
    parts = [part.split() for part in _ELEMENT.split(body) if part.strip()]

    def product(words: list[str]) -> bool:
        # "Ruff", "SQLAlchemy 2.0", "Playwright integration", or one tool word ("pytest", "tox");
        # two lowercase words are a practice ("query tuning")
        named = [_name(w) or w.lower() in {"ci", "cli", "sdk", "api"} for w in words]
        return len(words) <= 3 and (len(words) == 1 or named[0] or all(named))

    return (
        len(parts) >= 2
        and all(product(words) for words in parts)
        and any(_name(w) for words in parts for w in words)
    ) or (len(parts) == 1 and all(_name(w) for w in parts[0]) and len(parts[0]) <= 3)


def _demands(text: str) -> bool:
    """A modal that asks for something ("must", "never", "ensure"), leaving out the ones in a
    purpose clause ("a suite of mocks to ensure tests are isolated")."""
    return bool(_MODAL.search(_PURPOSE.sub(" ", text)))


def _topic_lead_in(lead_in: str) -> bool:
    """A lead-in that names a topic rather than asking ("Robust error handling following
    Python principles:"): a phrase of three to twelve words ending in a colon, with no
    imperative, modal, finite verb or prohibition, that does not announce rules."""
    text = lead_in.strip()
    return (
        text.endswith(":")
        and 3 <= len(text.split()) <= 12
        and not _imperative(text)
        and not _demands(text)
        and not _FINITE.search(text)
        and not PROHIBITING.search(text)
        and not _PREPOSITION_START.match(text)
        and not re.search(
            r"\b(you|we|your|our|these|the following|rules?|standards?|guidelines?|"
            r"conventions?|requirements?|checklist|policy|policies)\b",
            text,
            re.IGNORECASE,
        )
    )


def _lead_in_describes(lead_in: str) -> bool:
    first = _first_word(lead_in)
    return (
        bool(_DESCRIBES.match(lead_in))
        or (first.endswith("ing") and first not in IMPERATIVES)
        or bool(
            re.search(r"\b(expertise|capabilities|skills|competenc\w*|knowledge)\b", lead_in, re.I)
        )
    )


# --------------------------------------------------------------------------- polarity

_CUE = re.compile(
    r"\b(do not|don't|does not|doesn't|never|avoid\w*|no|not|without|instead of|rather than|"
    r"missing|skipping|lack of|lacking|inadequate|insufficient|improper|poor|"
    r"forbid\w*|prohibit\w*|disallow\w*|refrain from|stop|must not|mustn't|shouldn't|"
    r"should not|cannot|can't|nor|neither)\b|禁止|不要|不得|避免|しない|禁止",
    re.IGNORECASE,
)
#: words after which a negation no longer reaches ("Avoid hacks; use type hints")
_CLAUSE_END = re.compile(
    r"[.;:!?](?=\s)|[()\u2014\u2013]|\s-\s|\bbut\b|\bunless\b|\bexcept\b", re.I
)
_POST_CUE = re.compile(
    r"^\W{0,3}(is|are)?\s*(forbidden|prohibited|not allowed|disallowed|banned)\b", re.I
)


#: cues that name a flaw rather than forbid ("Missing timeouts"): anti-pattern list items
_WEAK_CUE = re.compile(
    r"\b(missing|skipping|lack of|lacking|inadequate|insufficient|improper|poor)\b", re.I
)


def polarity_at(
    text: str, start: int, end: int, *, prohibited: bool = False, weak: bool = True
) -> Polarity:
    """Whether ``text[start:end]`` is affirmed or negated where it stands in the sentence
    (``prohibited``: the sentence is an item of a list of things to avoid)."""
    before = text[:start]
    cuts = [m.end() for m in _CLAUSE_END.finditer(text) if m.end() <= start]
    clause = before[cuts[-1] :] if cuts else before
    # a comma followed by a new imperative starts a new clause ("Avoid hacks, use X")
    parts = re.split(r",\s*", clause)
    for index in range(len(parts) - 1, 0, -1):
        if _imperative(parts[index]):
            clause = ", ".join(parts[index:])
            break
    words = clause.split()
    window = " ".join(words[-10:])
    # a negation inside the match belongs to the pattern ("never hardcode secrets"); a flaw
    # it names does not ("inadequate error handling", in a list of things to avoid)
    inside = len(_WEAK_CUE.findall(text[start:end]))
    negations = len(_CUE.findall(window)) + inside + prohibited
    if not weak:
        negations -= len(_WEAK_CUE.findall(window)) + inside
    if _POST_CUE.match(text[end:]):
        negations += 1
    return "negated" if negations % 2 else "affirmed"


# --------------------------------------------------------------------------- languages

_LANGUAGE_WORDS: dict[str, re.Pattern[str]] = {
    "python": re.compile(
        r"\b(python|pytest|pep ?8|pep ?\d{3}|mypy|pyright|ruff|pydantic|django|fastapi|flask|"
        r"asyncio|pip|poetry|pyproject|sqlalchemy|pandas|polars|numpy|\w+\.py)\b",
        re.IGNORECASE,
    ),
    "go": re.compile(
        r"\bGo\b(?! (to|through|back|ahead|over|for|with|beyond|live|and))"
        r"|\b(golang|goroutines?|gofmt|goimports|golangci(-lint)?|go\.mod|go\.sum|"
        r"go (test|vet|build|run|mod))\b"
    ),
    "rust": re.compile(
        r"\b(rust|cargo|clippy|crates?|rustfmt|tokio|unwrap|rustc|\w+\.rs)\b"
        r"|\b(panic|todo|unimplemented|unreachable)!",
        re.IGNORECASE,
    ),
    "typescript": re.compile(
        r"\b(typescript|javascript|node\.?js|npm|pnpm|yarn|eslint|prettier|jest|vitest|tsconfig|"
        r"react|next\.js|deno|bun|\w+\.tsx?)\b",
        re.IGNORECASE,
    ),
    "terraform": re.compile(r"\b(terraform|opentofu|hcl|tfstate|\w+\.tf)\b", re.IGNORECASE),
    "containers": re.compile(
        r"\b(docker\w*|containers?|containeri[sz]\w+|kubernetes|k8s|pods?|helm|podman|"
        r"oci images?|container images?|kubectl|eks|gke|aks)\b",
        re.IGNORECASE,
    ),
}


def languages_of(text: str) -> frozenset[str]:
    """The languages a sentence names ("Run golangci-lint" -> go)."""
    return frozenset(lang for lang, pattern in _LANGUAGE_WORDS.items() if pattern.search(text))


_ANALYZER_LANGUAGE = {"python": "python", "go": "go", "rust": "rust", "terraform": "terraform"}
_ANALYZER_LANGUAGE["typescript"] = "typescript"
#: not a language but a platform: container and Kubernetes rules map a sentence that names
#: none only in a profile about containers ("Right-size resources" in a cloud-cost profile is
#: not about pod limits); it never keeps another rule from a sentence (see ``PLATFORMS``)
_ANALYZER_LANGUAGE["containers"] = "containers"
PLATFORMS = frozenset({"containers"})


def rule_languages(rule: Rule) -> frozenset[str]:
    """The languages a rule judges: its ``languages``, else its analyzer's package."""
    if rule.languages:
        return frozenset(rule.languages)
    if rule.analyzer:
        from charter.analyzers import ANALYZERS

        target = ANALYZERS.get(rule.analyzer, "")
        package = target.split(".", 1)[0] if "." in target.split(":", 1)[0] else ""
        if package in _ANALYZER_LANGUAGE:
            return frozenset({_ANALYZER_LANGUAGE[package]})
    return frozenset()


# --------------------------------------------------------------------------- matching


class MatchesError(CharterError):
    """A rule's ``matches`` entry that does not compile."""


@dataclass(frozen=True)
class Hit:
    """A rule recognised in a sentence, and whether the sentence asks for what it demands."""

    rule: str
    agrees: bool
    start: int
    end: int


@dataclass(frozen=True)
class _Pattern:
    groups: tuple[re.Pattern[str], ...]
    vetoes: tuple[re.Pattern[str], ...]
    window: int
    polarity: Polarity | None

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(start, end) for start, end, _, _ in self.hits(text)]

    def hits(self, text: str) -> list[tuple[int, int, int, int]]:
        """(start, end) of each match and (start, end) of its first term, the anchor whose
        polarity the match takes."""
        if any(v.search(text) for v in self.vetoes):
            return []
        if len(self.groups) == 1:
            return [
                (*m.span(), *m.span()) for m in self.groups[0].finditer(text) if m.end() > m.start()
            ]
        found = [[m.span() for m in g.finditer(text)] for g in self.groups]
        if not all(found):
            return []
        out = []
        for anchor in found[0]:
            chosen = [anchor]
            for spans in found[1:]:
                best = min(spans, key=lambda s: abs(s[0] - anchor[0]))
                chosen.append(best)
            start = min(s[0] for s in chosen)
            end = max(s[1] for s in chosen)
            if len(text[start:end].split()) <= self.window:
                out.append((start, end, *anchor))
        return out


def _plain(pattern: str) -> str:
    """A pattern as it reads normalised text: without the backticks profiles put around code."""
    return pattern.replace("`?", "").replace("`", "")


def _compile(rule: Rule, entry: str | ConceptMatch) -> _Pattern:
    try:
        if isinstance(entry, str):
            return _Pattern((re.compile(_plain(entry), re.IGNORECASE),), (), 60, None)
        return _Pattern(
            tuple(re.compile(_plain(p), re.IGNORECASE) for p in entry.all),
            tuple(re.compile(_plain(p), re.IGNORECASE) for p in entry.none),
            entry.window,
            entry.polarity,
        )
    except re.error as exc:
        raise MatchesError(
            f"rule {rule.id}: field 'matches': {exc.pattern!r} is not a valid regex ({exc.msg})"
        ) from None


def _polarity(
    text: str,
    start: int,
    end: int,
    a_start: int,
    a_end: int,
    prohibited: bool,
    *,
    weak: bool = True,
) -> Polarity:
    """The polarity of a match: that of its anchor term, turned by a "without" between the
    anchor and the other terms ("no `unsafe` without a SAFETY comment" asks for the comment)."""
    if (a_start, a_end) == (start, end):
        return polarity_at(text, start, end, prohibited=prohibited, weak=weak)
    polarity = polarity_at(text, a_start, a_end, prohibited=prohibited, weak=weak)
    if re.search(r"\bwithout\b", text[a_end:end], re.IGNORECASE):
        return "affirmed" if polarity == "negated" else "negated"
    return polarity


_ABSENCE = re.compile(r"(^no-|-no-|\bnot?\b|\bnever\b|\bwithout\b)", re.IGNORECASE)


class RuleMatcher:
    """A rule's ``matches``, each with the polarity the rule demands of a sentence naming it."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.languages = rule_languages(rule)
        self.patterns = [_compile(rule, entry) for entry in rule.matches]
        quotes = [normalise(source.quote) for source in rule.sources]
        absence = bool(_ABSENCE.search(rule.id) or _ABSENCE.search(rule.title))
        self.expected: list[Polarity] = []
        for pattern in self.patterns:
            if pattern.polarity is not None:
                self.expected.append(pattern.polarity)
                continue
            # a source quoted from an anti-pattern list ("Missing timeouts") names the demand
            seen = [
                _polarity(q, s, e, a_s, a_e, False, weak=False)
                for q in quotes
                for s, e, a_s, a_e in pattern.hits(q)
            ]
            if seen:
                negated = seen.count("negated") > seen.count("affirmed")
                self.expected.append("negated" if negated else "affirmed")
            else:
                self.expected.append("negated" if absence else "affirmed")

    def hits(self, text: str, *, prohibited: bool = False) -> list[Hit]:
        out = []
        for pattern, expected in zip(self.patterns, self.expected, strict=True):
            for start, end, a_start, a_end in pattern.hits(text):
                agrees = _polarity(text, start, end, a_start, a_end, prohibited) == expected
                out.append(Hit(self.rule.id, agrees, start, end))
        return out


_MATCHERS: dict[int, tuple[Rule, RuleMatcher]] = {}


def matcher(rule: Rule) -> RuleMatcher:
    """The rule's compiled matcher (kept per rule object: rules are immutable)."""
    held = _MATCHERS.get(id(rule))
    if held is None or held[0] is not rule:
        held = (rule, RuleMatcher(rule))
        _MATCHERS[id(rule)] = held
    return held[1]


def rule_hits(text: str, rules: Iterable[Rule], *, prohibited: bool = False) -> list[Hit]:
    """Every rule of ``rules`` that (normalised) ``text`` names, agreeing or opposing."""
    out: list[Hit] = []
    for rule in rules:
        out.extend(matcher(rule).hits(text, prohibited=prohibited))
    return out
