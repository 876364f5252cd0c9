"""setup-docs: the README says how to set the project up, run it and test it."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.repo import RepoIndex
from charter.sources import SourceFile

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
            r"pipenv install|npm (ci|install)|yarn install|pnpm install|go mod download|"
            r"go build|cargo build|docker compose (up|build)|docker-compose up|"
            r"make (install|setup|dev)|bundle install)\b"
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
            r"npm (run )?(start|dev)|go run|cargo run|docker (compose )?(up|run)|"
            r"docker-compose up|make (run|serve|start|up)|uv run \w)"
        ),
    ),
    "test": (
        _heading(r"test|tests|testing|running tests|running the tests|run tests|run the tests"),
        re.compile(
            r"\b(pytest|go test|cargo test|npm (run )?test|make (test|check)|tox|nox|"
            r"hatch test)\b"
        ),
    ),
}


def _headings_and_code(file: SourceFile) -> tuple[list[str], str]:
    text = file.text or ""
    if PurePosixPath(file.path).suffix.lower() in (".md", ".markdown"):
        from markdown_it import MarkdownIt  # imported on use: ~20 ms

        tokens = MarkdownIt("commonmark").parse(text)
        headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
        code = "\n".join(t.content for t in tokens if t.type in ("fence", "code_block", "inline"))
        return headings, code
    # reStructuredText / plain text: a title is a line underlined with = - ~ ^ * #
    lines = file.lines
    headings = [
        lines[i]
        for i in range(len(lines) - 1)
        if lines[i].strip() and re.fullmatch(r"([=\-~^*#])\1{2,}\s*", lines[i + 1])
    ]
    return headings, text


class SetupDocsAnalyzer(Analyzer):
    """A root README that covers setup, running and testing, each shown by a heading (e.g.
    "Installation", "Usage", "Testing") or by the command itself (``pip install -e .``,
    ``uvicorn app:app``, ``pytest``)."""

    name: ClassVar[str] = "setup-docs"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        readme = next((p for p in READMES if repo.has(p)), None)
        if readme is None:
            out.report_repository("no README: add README.md with setup, run and test instructions")
            return
        headings, code = _headings_and_code(repo.source(readme))
        missing = []
        for topic, (heading_re, command_re) in TOPICS.items():
            heading = next((h for h in headings if heading_re.search(h.strip())), None)
            command = command_re.search(code)
            if command is not None:
                out.evidence(f"{topic}: `{command.group(0)}` in {readme}")
            elif heading is not None:
                out.evidence(f"{topic}: section '{heading.strip()}' in {readme}")
            else:
                missing.append(topic)
        if missing:
            out.report_file(
                readme,
                f"{readme} has no {' / '.join(missing)} instructions: add a section with the "
                "commands (e.g. Installation: `pip install -e .`, Usage, Testing: `pytest`)",
            )
