"""setup-docs: the README says how to set the project up, run it and test it."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

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
            r"docker compose (up|build)|docker-compose (up|build)|docker build|"
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
        r"tutorial|^\W*(?:the\s+)?(?:full\s+)?(?:documentation|docs)\b",
        re.I,
    ),
    "run": re.compile(
        r"usage|\brun|deploy|getting[ _-]started|quick[ _-]?start|install|admin|tutorial|"
        r"^\W*(?:the\s+)?(?:full\s+)?(?:documentation|docs)\b",
        re.I,
    ),
    "test": re.compile(r"\btest|contribut|develop|hacking", re.I),
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
CODE_KINDS = frozenset(
    {"python", "go", "rust", "typescript", "javascript", "java", "kotlin", "ruby", "php", "shell"}
)
#: the main language -> example commands for the message
EXAMPLES = {
    "python": "Installation: `pip install -e .`, Usage, Testing: `pytest`",
    "go": "Installation: `go build ./...`, Usage: `go run ./cmd/...`, Testing: `go test ./...`",
    "rust": "Installation: `cargo build`, Usage: `cargo run`, Testing: `cargo test`",
    "typescript": "Installation: `npm ci`, Usage: `npm start`, Testing: `npm test`",
    "javascript": "Installation: `npm ci`, Usage: `npm start`, Testing: `npm test`",
    "terraform": "Usage: a `module` block and `terraform init`/`apply`, Testing: `terraform test`",
    "helm": "Installation: `helm repo add`, Usage: `helm install`, Testing: `ct lint`",
}


def _headings_and_code(file: SourceFile) -> tuple[list[str], str, list[tuple[str, str]]]:
    """The headings, the code and text to search for commands, and the links (text, href)."""
    text = file.text or ""
    if PurePosixPath(file.path).suffix.lower() in (".md", ".markdown"):
        from markdown_it import MarkdownIt  # imported on use: ~20 ms

        tokens = MarkdownIt("commonmark").parse(text)
        headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        code = "\n".join(t.content for t in tokens if t.type in ("fence", "code_block", "inline"))
        links: list[tuple[str, str]] = []
        for token in tokens:
            href: str | None = None
            label: list[str] = []
            for child in token.children or []:
                if child.type == "link_open":
                    href = str(child.attrs.get("href") or "")
                    label = []
                elif child.type == "link_close" and href is not None:
                    links.append(("".join(label), href))
                    href = None
                elif href is not None and child.type in ("text", "code_inline"):
                    label.append(child.content)
        for match in re.finditer(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>([^<]*)</a>", text, re.I):
            links.append((match.group(2), match.group(1)))
        return headings, code, links
    # reStructuredText / plain text: a title is a line underlined with = - ~ ^ * #
    lines = file.lines
    headings = [
        lines[i]
        for i in range(len(lines) - 1)
        if lines[i].strip() and re.fullmatch(r"([=\-~^*#])\1{2,}\s*", lines[i + 1])
    ]
    links = [(m.group(1), m.group(2)) for m in RST_LINK.finditer(text)]
    links += [(m.group(1), m.group(2)) for m in RST_TARGET.finditer(text)]
    return headings, text, links


def _base(path: str) -> str:
    return path.rsplit("/", 1)[-1]


class SetupDocsAnalyzer(Analyzer):
    """A root README that covers setup, running and testing, each shown by a heading (e.g.
    "Installation", "Usage", "Testing") or by the command itself (``pip install -e .``,
    ``uvicorn app:app``, ``pytest``), in the README or one link away: a document of the
    repository it links to (CONTRIBUTING.md, docs/development.md) that covers the topic, or a
    link whose text names it ("Installation guide", "Contributing"). A repository whose code
    has no test suite needs no test instructions."""

    name: ClassVar[str] = "setup-docs"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        example = EXAMPLES.get(self._language(repo), EXAMPLES["python"])
        readme = next((p for p in READMES if repo.has(p)), None)
        if readme is None:
            out.report_repository("no README: add README.md with setup, run and test instructions")
            return
        needed = list(TOPICS)
        charts = any(_base(p) == "Chart.yaml" for p in repo.files)
        if (code_sizes(repo) or charts) and not self._has_tests(repo):
            needed.remove("test")
            out.evidence("test: no test suite, so no test instructions are needed")
        headings, code, links = _headings_and_code(repo.source(readme))
        missing = self._cover(readme, headings, code, needed, out)
        if missing:
            missing = self._one_link_away(repo, readme, links, missing, out)
        if missing:
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
        links: list[tuple[str, str]],
        missing: list[str],
        out: Emitter,
    ) -> list[str]:
        """Follow the README's links: documents of the repository are read for the missing
        topics (and their own links, one level more: a docs index that links the guides); an
        outside link whose text or address names a topic counts for it. Then the
        repository's contribution guide, where GitHub shows it (CONTRIBUTING.md, ...)."""
        read: set[str] = {readme}
        queue: list[tuple[str, list[tuple[str, str]], int]] = [(readme, links, 0)]
        while queue and missing:
            source, found, depth = queue.pop(0)
            for label, href in found:
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
        for guide in GUIDES:
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
