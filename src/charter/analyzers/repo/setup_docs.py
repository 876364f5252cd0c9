"""setup-docs: the README says how to set the project up and run it (and, on request, test it)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.repo.project import code_sizes
from charter.repo import RepoIndex
from charter.sources import SourceFile, file_kind

READMES = (
    "README.md",
    "README.rst",
    "README.txt",
    "README",
    "readme.md",
    "Readme.md",
    "README.markdown",
)
#: topic -> (heading words, commands that show the topic without a heading)
#: a heading about a topic: the topic word first, after at most one qualifier ("Local setup",
#: "Backend development", "Running tests"); "Local Email Testing" is not about tests
_LEAD = r"^(?:\W*\s*)?(?:\d+[.)]?\s+)?(?:[\w-]+\s+)?"


def _heading(words: str) -> re.Pattern[str]:
    return re.compile(_LEAD + rf"(?:{words})\b", re.I)


#: topic -> (heading pattern, commands that show the topic without a heading)
TOPICS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "setup": (
        _heading(
            r"install|installation|installing|setup|set up|getting started|quick ?start|"
            r"prerequisites|requirements|development"
        ),
        re.compile(
            r"\b(pip install|uv sync|uv pip install|poetry install|pdm install|"
            r"pipenv install|npm (ci|install|i)|yarn install|pnpm install|bun install|"
            r"go mod download|go build|go install|cargo build|cargo install|"
            r"docker compose (up|build)|docker-compose (up|build)|docker (build|pull|run)|"
            r"make (install|setup|dev|deps|build|up)|bundle install|helm repo add|"
            r"helm install|terraform init)\b"
        ),
    ),
    "run": (
        re.compile(
            _LEAD + r"(?:usage|run|running|start|starting|serve|serving|deploy|deployment|"
            r"how to run)\b(?!\s+(?:the\s+)?tests?\b)",
            re.I,
        ),
        re.compile(
            r"\b(uvicorn|gunicorn|python3? -m \w|flask run|manage\.py runserver|"
            r"npm (run )?(start|dev)|yarn (start|dev)|pnpm (start|dev)|go run|cargo run|"
            r"docker (compose )?(up|run)|docker-compose up|make (run|serve|start|up)|uv run \w|"
            r"helm (install|upgrade)|terraform apply|kubectl apply)"
        ),
    ),
    "test": (
        _heading(
            r"(?:run(?:ning)?\s+)?(?:the\s+)?(?:(?:unit|integration|e2e)\s+)?"
            r"test(?:s|ing)?"
        ),
        re.compile(
            r"\b(pytest|go test|cargo test|(npm|yarn|pnpm|bun) (run )?test|(task|just) test|"
            r"make (test|check|ci)|tox|nox|hatch test|manage\.py test|python3? -m unittest|"
            r"terraform test|ct (lint|install)|helm unittest|vitest|jest)\b"
        ),
    ),
}
#: a link whose text (or address) names a topic leads to its instructions (a guide on the
#: project's site); a link to the project's documentation covers setup and running
LINK_TOPICS: dict[str, re.Pattern[str]] = {
    "setup": re.compile(
        r"install|set[ _-]?up|getting[ _-]started|quick[ _-]?start|develop|contribut|hacking|"
        r"tutorial|how[ _-]to[ _-]use|guide[ _-]to[ _-]using|user[ _-]guide|"
        r"^\W*(?:the\s+)?(?:full\s+)?(?:documentation|docs)\b",
        re.I,
    ),
    "run": re.compile(
        r"usage|(?<![\w-])run|deploy|getting[ _-]started|quick[ _-]?start|install|admin|"
        r"tutorial|how[ _-]to[ _-]use|guide[ _-]to[ _-]using|user[ _-]guide|"
        r"^\W*(?:the\s+)?(?:full\s+)?(?:documentation|docs)\b",
        re.I,
    ),
    "test": re.compile(r"\btest|contribut|develop|hacking", re.I),
}
#: a sentence that offers its link as the place of a topic ("visit the LINK for installation
#: instructions", "for deployment, see LINK"); LINK stands for the link in the sentence
_OFFER = r"(?:visit|see|read|check(?:\s+out)?|refer\s+to|go\s+to|consult|follow|head\s+to)"
_OFFERED_WORDS = {
    "setup": r"install\w*|set[ -]?up|getting started|quick ?start|documentation|docs",
    "run": r"usage|deploy\w*|how to (?:use|run)|getting started|quick ?start|documentation|docs",
    "test": r"test\w*|contribut\w*|develop\w*",
}
OFFERED: dict[str, re.Pattern[str]] = {
    topic: re.compile(
        rf"\b{_OFFER}\s+(?:\S+\s+){{0,3}}?LINK\b[^.;:]{{0,12}}?\bfor\b[^.;:]{{0,40}}?\b(?:{words})\b"
        rf"|\bfor\b[^.;:]{{0,40}}?\b(?:{words})\b[^.;:]{{0,40}}?\b{_OFFER}\b[^.;:]{{0,30}}?LINK\b",
        re.I,
    )
    for topic, words in _OFFERED_WORDS.items()
}
#: the address of a developer guide (``/dev/quickstart.html``, ``/contributing/``)
DEV_PATH = re.compile(r"/dev/|develop|contribut|hacking|testing", re.I)
#: where a repository's contribution or development guide lives by convention (GitHub links
#: CONTRIBUTING files from every issue and pull request page)
GUIDES = tuple(
    f"{folder}{name}.{ext}"
    for folder in ("", ".github/", "docs/", "doc/")
    for name in ("CONTRIBUTING", "contributing", "DEVELOPMENT", "development", "HACKING")
    for ext in ("md", "rst", "txt")
)
#: a link into the repository's own tree on GitHub (``.../blob/main/CONTRIBUTING.md``)
SELF_LINK = re.compile(r"^https?://github\.com/[^/]+/[^/]+/(?:blob|tree)/[^/]+/(.+)$")
RST_LINK = re.compile(r"`([^`<]+?)\s*<([^>`]+)>`_")
RST_TARGET = re.compile(r"^\.\.\s+_([^:]+):\s*(\S+)\s*$", re.M)
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt")
#: at most this many linked documents are read
MAX_LINKED = 12
#: a guide the repository keeps in its documentation folder, named for its topic
#: (``docs/devs/development.md``, ``docs/guide/installation.md``, ``doc/deployment.rst``)
DOCS_GUIDE = re.compile(
    r"^docs?/(?:[^/]+/){0,2}(?:contributing|development|developing|hacking|testing|install|"
    r"installation|installing|setup|getting[-_]started|quick[-_]?start|deploy|deployment|"
    r"running|usage)\.(?:md|markdown|rst|txt)$",
    re.I,
)
#: at most this many of those guides are read
MAX_GUIDES = 8
CODE_KINDS = frozenset(
    {"python", "go", "rust", "typescript", "javascript", "java", "kotlin", "ruby", "php", "shell"}
)
#: the main language -> topic -> example for the message
EXAMPLES: dict[str, dict[str, str]] = {
    "python": {
        "setup": "Installation: `pip install -e .`",
        "run": "Usage",
        "test": "Testing: `pytest`",
    },
    "go": {
        "setup": "Installation: `go build ./...`",
        "run": "Usage: `go run ./cmd/...`",
        "test": "Testing: `go test ./...`",
    },
    "rust": {
        "setup": "Installation: `cargo build`",
        "run": "Usage: `cargo run`",
        "test": "Testing: `cargo test`",
    },
    "typescript": {
        "setup": "Installation: `npm ci`",
        "run": "Usage: `npm start`",
        "test": "Testing: `npm test`",
    },
    "javascript": {
        "setup": "Installation: `npm ci`",
        "run": "Usage: `npm start`",
        "test": "Testing: `npm test`",
    },
    "terraform": {
        "setup": "Requirements",
        "run": "Usage: a `module` block and `terraform init`/`apply`",
        "test": "Testing: `terraform test`",
    },
    "helm": {
        "setup": "Installation: `helm repo add`",
        "run": "Usage: `helm install`",
        "test": "Testing: `ct lint`",
    },
}
Topic = Literal["setup", "run", "test"]


class SetupDocsParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the topics to cover: the profile asks for setup and deployment guides; add ``test`` to
    #: also require test instructions (waived when the code has no test suite)
    topics: tuple[Topic, ...] = ("setup", "run")


#: a link: its text, its address and the sentence around it with the link written ``LINK``
Link = tuple[str, str, str]


def _sentence(before: str, after: str) -> str:
    """The sentence of a paragraph that holds a link, the link written ``LINK``."""
    start = max((m.end() for m in re.finditer(r"[.!?](?:\s+|$)", before)), default=0)
    end = re.search(r"[.!?](?:\s|$)", after)
    return " ".join((before[start:] + " LINK " + after[: end.start() if end else None]).split())


def _headings_and_code(file: SourceFile) -> tuple[list[str], str, list[Link]]:
    """The headings, the code and text to search for commands, and the links."""
    text = file.text or ""
    if PurePosixPath(file.path).suffix.lower() in (".md", ".markdown"):
        from markdown_it import MarkdownIt  # imported on use: ~20 ms

        tokens = MarkdownIt("commonmark").parse(text)
        headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        code = "\n".join(t.content for t in tokens if t.type in ("fence", "code_block", "inline"))
        links: list[Link] = []
        for token in tokens:
            # the paragraph's text, each link's text at its span
            parts: list[str] = []
            spans: list[tuple[str, int, int]] = []
            href: str | None = None
            start = 0
            for child in token.children or []:
                if child.type == "link_open":
                    href = str(child.attrs.get("href") or "")
                    start = len("".join(parts))
                elif child.type == "link_close" and href is not None:
                    spans.append((href, start, len("".join(parts))))
                    href = None
                elif child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            paragraph = "".join(parts)
            for href, begin, end in spans:
                context = _sentence(paragraph[:begin], paragraph[end:])
                links.append((paragraph[begin:end], href, context))
        for match in re.finditer(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>([^<]*)</a>", text, re.I):
            links.append((match.group(2), match.group(1), ""))
        return headings, code, links
    # reStructuredText / plain text: a title is a line underlined with = - ~ ^ * #
    lines = file.lines
    headings = [
        lines[i]
        for i in range(len(lines) - 1)
        if lines[i].strip() and re.fullmatch(r"([=\-~^*#])\1{2,}\s*", lines[i + 1])
    ]
    links = [(m.group(1), m.group(2), "") for m in RST_LINK.finditer(text)]
    links += [(m.group(1), m.group(2), "") for m in RST_TARGET.finditer(text)]
    return headings, text, links


def _base(path: str) -> str:
    return path.rsplit("/", 1)[-1]


class SetupDocsAnalyzer(Analyzer):
    """A root README that covers setup and running (param ``topics``: also testing), each
    shown by a heading (e.g. "Installation", "Usage", "Testing") or by the command itself
    (``pip install -e .``, ``uvicorn app:app``, ``pytest``), in the README or one link away: a
    document of the repository it links to (CONTRIBUTING.md, docs/development.md) that covers
    the topic, or a link whose text names it ("Installation guide", "Contributing") or whose
    sentence offers it for the topic ("visit the site for installation instructions"). The
    contribution guide GitHub shows and the topic guides of ``docs/`` count too. A repository
    whose code has no test suite needs no test instructions."""

    name: ClassVar[str] = "setup-docs"
    Params = SetupDocsParams
    params: SetupDocsParams

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        examples = EXAMPLES.get(self._language(repo), EXAMPLES["python"])
        needed: list[str] = [t for t in TOPICS if t in self.params.topics]
        readme = next((p for p in READMES if repo.has(p)), None)
        if readme is None:
            wanted = ", ".join(needed[:-1]) + (" and " if len(needed) > 1 else "") + needed[-1]
            out.report_repository(f"no README: add README.md with {wanted} instructions")
            return
        charts = any(_base(p) == "Chart.yaml" for p in repo.files)
        if "test" in needed and (code_sizes(repo) or charts) and not self._has_tests(repo):
            needed.remove("test")
            out.evidence("test: no test suite, so no test instructions are needed")
        headings, code, links = _headings_and_code(repo.source(readme))
        missing = self._cover(readme, headings, code, needed, out)
        if missing:
            missing = self._one_link_away(repo, readme, links, missing, out)
        if missing:
            example = ", ".join(examples[t] for t in missing)
            out.report_file(
                readme,
                f"{readme} has no {' / '.join(missing)} instructions, nor a link to them: add a "
                f"section with the commands (e.g. {example})",
            )

    @staticmethod
    def _cover(
        where: str, headings: list[str], code: str, topics: list[str], out: Emitter
    ) -> list[str]:
        """The topics of ``topics`` the document does not cover (evidence for the others)."""
        missing = []
        for topic in topics:
            heading_re, command_re = TOPICS[topic]
            heading = next((h for h in headings if heading_re.search(h.strip())), None)
            command = command_re.search(code)
            if command is not None:
                out.evidence(f"{topic}: `{command.group(0)}` in {where}")
            elif heading is not None:
                out.evidence(f"{topic}: section '{heading.strip()}' in {where}")
            else:
                missing.append(topic)
        return missing

    def _one_link_away(
        self,
        repo: RepoIndex,
        readme: str,
        links: list[Link],
        missing: list[str],
        out: Emitter,
    ) -> list[str]:
        """Follow the README's links: documents of the repository are read for the missing
        topics (and their own links, one level more: a docs index that links the guides); an
        outside link whose text or address names a topic, or whose sentence offers it for the
        topic, counts for it. Then the repository's contribution guide, where GitHub shows it
        (CONTRIBUTING.md, ...), and the guides of its docs/ folder named for a topic."""
        read: set[str] = {readme}
        queue: list[tuple[str, list[Link], int]] = [(readme, links, 0)]
        while queue and missing:
            source, found, depth = queue.pop(0)
            for label, href, context in found:
                if not missing:
                    break
                target = self._local(repo, source, href)
                if target is not None:
                    if target in read or len(read) > MAX_LINKED:
                        continue
                    read.add(target)
                    headings, code, inner = _headings_and_code(repo.source(target))
                    missing = self._cover(target, headings, code, missing, out)
                    if depth == 0:
                        queue.append((target, inner, depth + 1))
                    continue
                if href.startswith(("http://", "https://")):
                    path = re.sub(r"^https?://[^/]+", "", href)
                    for topic in list(missing):
                        by_path = DEV_PATH if topic == "test" else LINK_TOPICS[topic]
                        if LINK_TOPICS[topic].search(label.strip()) or by_path.search(path):
                            shown = label.strip() or href
                            out.evidence(f"{topic}: linked '{shown}' ({href}) in {source}")
                            missing.remove(topic)
                        elif context and OFFERED[topic].search(context):
                            out.evidence(f"{topic}: '{context}' ({href}) in {source}")
                            missing.remove(topic)
        docs_guides = sorted(
            (p for p in repo.files if DOCS_GUIDE.match(p)), key=lambda p: (p.count("/"), p)
        )[:MAX_GUIDES]
        for guide in (*GUIDES, *docs_guides):
            if not missing:
                break
            if guide not in read and repo.has(guide):
                read.add(guide)
                headings, code, _ = _headings_and_code(repo.source(guide))
                missing = self._cover(guide, headings, code, missing, out)
        return missing

    @staticmethod
    def _local(repo: RepoIndex, readme: str, href: str) -> str | None:
        """The document of the repository a link points to, or None."""
        href = href.split("#", 1)[0].split("?", 1)[0].strip()
        if not href:
            return None
        self_link = SELF_LINK.match(href)
        if self_link:
            rel = self_link.group(1)
        elif re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("//"):
            return None
        else:
            base = PurePosixPath(readme).parent
            rel = str(base / href.lstrip("/")) if not href.startswith("/") else href.lstrip("/")
        parts: list[str] = []
        for part in PurePosixPath(rel).parts:
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            elif part != ".":
                parts.append(part)
        rel = "/".join(parts)
        candidates = [rel] + [f"{rel}/{name}" for name in READMES] if rel else list(READMES)
        for candidate in candidates:
            if candidate.lower().endswith(DOC_SUFFIXES) and repo.has(candidate):
                return candidate
        # a link whose case differs from the file's (contributing.md -> CONTRIBUTING.md)
        wanted = rel.lower()
        if wanted.endswith(DOC_SUFFIXES):
            return next((p for p in repo.files if p.lower() == wanted), None)
        return None

    @staticmethod
    def _has_tests(repo: RepoIndex) -> bool:
        """Whether the repository has a test suite: test code of any language."""
        return any(repo.path_class(p) == "test" and file_kind(p) in CODE_KINDS for p in repo.files)

    @staticmethod
    def _language(repo: RepoIndex) -> str:
        """The repository's main language, for the example commands of the message."""
        if any(_base(p) == "Chart.yaml" for p in repo.files):
            sizes = code_sizes(repo)
            if not sizes or max(sizes, key=lambda k: sizes[k]) == "shell":
                return "helm"
        sizes = code_sizes(repo)
        return max(sizes, key=lambda k: sizes[k]) if sizes else "python"
