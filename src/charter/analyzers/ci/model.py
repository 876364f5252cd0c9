"""What the repository's CI runs: every command line and action, with where it is written.

Sources, each parsed with PyYAML's composer (line numbers kept; nothing is constructed):

- GitHub Actions workflows (``.github/workflows/*.yml``) and local composite actions: ``run:``
  lines, ``uses:`` action references and their ``with:`` inputs;
- GitLab CI (``.gitlab-ci.yml``, ``.gitlab/ci/**``): ``script``/``before_script``/
  ``after_script`` lines, ``image:`` and ``include:`` templates (``Security/SAST.gitlab-ci.yml``);
- CircleCI, Azure Pipelines, Bitbucket, Travis, Drone, Woodpecker, Buildkite, Cloud Build: the
  same command keys; ``Jenkinsfile`` ``sh`` steps; scripts in a ``.ci/`` folder;
- pre-commit (``.pre-commit-config.yaml``): hook ids, which count as CI when a CI step runs
  ``pre-commit run`` (or the pre-commit action) or the config has a ``ci:`` section
  (pre-commit.ci);
- Dependabot and Renovate configs (dependency scanning without a step).

A command is *followed* one level at a time (up to three): ``make test`` reads the ``test``
target's recipe (and prerequisites) in the Makefile, ``./scripts/check.sh`` or ``.ci/run`` reads
that script, ``tox``/``nox`` read their envs/sessions, ``npm test``/``npm run lint`` read
``package.json`` scripts, ``hatch run``/``pdm run``/``poe``/``just`` read their tasks. So a
``pytest`` inside a ``make test`` target that CI invokes counts, and the evidence says so.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from charter.repo import RepoIndex
from charter.sources import SourceFile

WORKFLOW_GLOBS = (".github/workflows/*.yml", ".github/workflows/*.yaml")
YAML_CI_GLOBS = (
    ".gitlab-ci.yml",
    ".gitlab/ci/**/*.yml",
    ".gitlab/ci/**/*.yaml",
    ".circleci/config.yml",
    ".circleci/config.yaml",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    ".azure-pipelines/**/*.yml",
    "bitbucket-pipelines.yml",
    ".travis.yml",
    ".drone.yml",
    ".woodpecker.yml",
    ".woodpecker/*.yml",
    ".buildkite/*.yml",
    ".buildkite/*.yaml",
    "cloudbuild.yaml",
    "cloudbuild.yml",
)
TEXT_CI_GLOBS = ("Jenkinsfile", ".ci/*")
PRECOMMIT_FILES = (".pre-commit-config.yaml", ".pre-commit-config.yml")
DEPENDABOT_FILES = (".github/dependabot.yml", ".github/dependabot.yaml")
RENOVATE_FILES = (
    "renovate.json",
    "renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
)
#: mapping keys whose scalar values (or lists of scalars) are commands or action references
COMMAND_KEYS = frozenset(
    {
        "run",
        "script",
        "before_script",
        "after_script",
        "command",
        "commands",
        "bash",
        "sh",
        "pwsh",
        "powershell",
        "uses",
        "pipe",
        "image",
        "template",
        "task",
        "args",
        "entrypoint",
        "orb",
    }
)
#: a command segment that only installs a tool (``pip install ruff``) does not run it
INSTALL = re.compile(
    r"^\s*(?:sudo\s+)?(?:python3?\s+-m\s+)?(?:pip3?|uv\s+pip|uv\s+tool|uv\s+add|pipx|poetry\s+add|"
    r"npm|yarn|pnpm|bun|apt(?:-get)?|apk|brew|go|cargo|gem|choco)\s+(?:install|add|i)\b"
)
SEGMENTS = re.compile(r"&&|\|\||;")
PRECOMMIT_RUN = re.compile(r"\b(pre-commit|prek)\s+run\b|pre-commit/action|pre-commit-ci")
MAX_DEPTH = 3


@dataclass(frozen=True)
class Step:
    """One command line (or action reference / hook) and where it is written.

    ``origin`` is the CI file line that leads to it when it was reached by following a
    ``make`` target, a script or a task runner; otherwise it equals ``path:line``.
    """

    text: str
    path: str
    line: int
    origin: str
    kind: str = "run"  # run | uses | hook | include
    #: the folder the command runs in (``working-directory:``, ``cd dir &&``), repo-relative
    cwd: str = ""

    def where(self) -> str:
        here = f"{self.path}:{self.line}"
        return here if self.origin == here else f"{here} (run by {self.origin})"


@dataclass
class CiModel:
    """Everything CI runs, plus the pre-commit hooks and the dependency-update bots."""

    ci_files: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    hooks: list[Step] = field(default_factory=list)
    hooks_in_ci: bool = False
    bots: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, name)

    def main_ci_file(self) -> str:
        """The CI file a missing step belongs in: the one that runs the most commands."""
        runs = Counter(s.path for s in self.steps if s.kind == "run" and s.path in self.ci_files)
        return max(self.ci_files, key=lambda p: (runs[p], -self.ci_files.index(p)))

    def ci_steps(self) -> list[Step]:
        """What CI runs: its steps, and the pre-commit hooks when CI runs pre-commit."""
        return self.steps + (self.hooks if self.hooks_in_ci else [])

    def find(
        self,
        tools: Iterable[tuple[str, re.Pattern[str]]],
        steps: list[Step] | None = None,
        *,
        raw: bool = False,
    ) -> list[tuple[str, Step]]:
        """(label, step) for each step a tool's regex matches. Commands are matched on their
        :func:`command_view` (programs and their plain arguments) unless ``raw``."""
        hits: list[tuple[str, Step]] = []
        for step in self.ci_steps() if steps is None else steps:
            text = step.text
            if step.kind in ("run", "hook") and not raw:
                text = command_view(text)
            for label, regex in tools:
                if regex.search(text):
                    hits.append((label, step))
                    break
        return hits


#: the last model built, with the file list of the audit it belongs to (compared by identity:
#: every repo-phase view of one audit shares that list) and the files building it read
_LAST: list[tuple[list[str], CiModel, frozenset[str]]] = []


def ci_model(repo: RepoIndex) -> CiModel:
    """The CI model of ``repo``, built once per audit and shared by every CI rule.

    When the repo phase records what each analyzer reads (for its cache), the files the model
    was built from are read again through ``repo`` on reuse, so every rule that uses the model
    is invalidated when one of them changes.
    """
    if _LAST and _LAST[0][0] is repo.files:
        _, model, reads = _LAST[0]
        for path in sorted(reads):
            repo.source(path)
        return model
    before = set(getattr(repo, "read_paths", ()))
    model = _build(repo)
    reads = frozenset(set(getattr(repo, "read_paths", ())) - before)
    _LAST[:] = [(repo.files, model, reads)]
    return model


def tools(*pairs: tuple[str, str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compile (label, regex) pairs once."""
    return tuple((label, re.compile(pattern)) for label, pattern in pairs)


#: words after which the next word is again a program (``uv run ruff``, ``bash x.sh``)
PROGRAM_LAUNCHERS = frozenset(
    {
        "run",
        "exec",
        "bash",
        "sh",
        "zsh",
        "python",
        "python3",
        "npx",
        "bunx",
        "uvx",
        "pipx",
        "sudo",
        "time",
        "xargs",
        "env",
        "nohup",
        "source",
        ".",
    }
)


def command_view(text: str) -> str:
    """The parts of a command line that say what runs: install segments (``pip install ruff``)
    dropped, flags (``--ignore=tests/mypy``) dropped, and path arguments (``tests/mypy``)
    dropped unless they are in a program position (``./scripts/lint.sh``, ``uv run
    ./manage.py``). So ``pytest --ignore=tests/mypy`` does not run mypy."""
    try:
        words = shlex.split(text, comments=True)
    except ValueError:
        words = text.split()
    out: list[str] = []
    segment: list[str] = []
    raw: list[str] = []
    program = True

    def close() -> None:
        if segment and not INSTALL.search(" ".join(raw)):
            out.extend(segment)
            out.append(";")
        segment.clear()
        raw.clear()

    for word in words:
        if word in ("&&", "||", ";", "|"):
            close()
            program = True
            continue
        raw.append(word)
        if word.startswith("-"):
            continue
        if "/" in word and not program:
            continue
        if segment and segment[0] in ("make", "gmake"):
            continue  # make targets are names, not programs; their recipes are followed
        segment.append(word)
        program = word in PROGRAM_LAUNCHERS or re.fullmatch(r"\w+=\S*", word) is not None
    close()
    return " ".join(out)


# --- building ---------------------------------------------------------------------------------


def _build(repo: RepoIndex) -> CiModel:
    model = CiModel()
    direct: list[Step] = []
    for path in repo.files:
        if _at_root(path, WORKFLOW_GLOBS + YAML_CI_GLOBS):
            model.ci_files.append(path)
            direct.extend(_yaml_steps(repo.source(path)))
        elif _at_root(path, TEXT_CI_GLOBS):
            model.ci_files.append(path)
            direct.extend(_text_steps(repo.source(path)))
    direct.extend(_local_actions(repo, model, direct))
    model.steps = _follow(repo, direct)

    for name in PRECOMMIT_FILES:
        if repo.has(name):
            file = repo.source(name)
            model.hooks = _follow(repo, list(_precommit_hooks(file)))
            docs = file.yaml_documents or []
            if docs and isinstance(docs[0], dict) and "ci" in docs[0]:
                model.hooks_in_ci = True
    if any(PRECOMMIT_RUN.search(s.text) for s in model.steps):
        model.hooks_in_ci = True

    for name in DEPENDABOT_FILES:
        if repo.has(name):
            docs = repo.source(name).yaml_documents or []
            if docs and isinstance(docs[0], dict) and docs[0].get("updates"):
                model.bots.append((name, 1, "Dependabot"))
    for name in RENOVATE_FILES:
        if repo.has(name):
            model.bots.append((name, 1, "Renovate"))
    return model


def _at_root(path: str, globs: tuple[str, ...]) -> bool:
    """Glob match anchored at the repository root: CI services read their config from the root,
    so a nested project's ``.github/workflows`` (a fixture, a vendored repo) is not this
    repository's CI. ``**`` crosses folders, ``*`` does not."""
    parts = path.split("/")
    for glob in globs:
        if "**" in glob:
            if fnmatch.fnmatchcase(path, glob.replace("**/", "*")):
                return True
            continue
        pattern = glob.split("/")
        if len(pattern) == len(parts) and all(
            fnmatch.fnmatchcase(p, g) for p, g in zip(parts, pattern, strict=True)
        ):
            return True
    return False


def _local_actions(repo: RepoIndex, model: CiModel, steps: list[Step]) -> Iterator[Step]:
    """Steps of local actions a workflow uses (``uses: ./`` or ``uses: ./.github/actions/x``),
    recursively; the action files join ``model.ci_files``."""
    pending = [s for s in steps if s.kind == "uses" and s.text.startswith("./")]
    while pending:
        step = pending.pop()
        folder = _join("", step.text.split("@", 1)[0])
        for name in ("action.yml", "action.yaml"):
            path = f"{folder}/{name}" if folder else name
            if repo.has(path) and path not in model.ci_files:
                model.ci_files.append(path)
                for inner in _yaml_steps(repo.source(path)):
                    yield inner
                    if inner.kind == "uses" and inner.text.startswith("./"):
                        pending.append(inner)


def _scalars(node: yaml.Node, key: str | None) -> Iterator[tuple[str | None, yaml.ScalarNode]]:
    """(nearest mapping key, scalar) for every scalar under ``node``."""
    for name, scalar, _ in _scalars_in(node, key, ""):
        yield name, scalar


def _working_directory(mapping: dict[str, yaml.Node]) -> str | None:
    """A GitHub Actions ``working-directory`` of a step, or a job's/workflow's
    ``defaults.run.working-directory``."""
    direct = mapping.get("working-directory")
    if isinstance(direct, yaml.ScalarNode):
        return str(direct.value)
    defaults = mapping.get("defaults")
    run = _mapping(defaults).get("run") if defaults is not None else None
    nested = _mapping(run).get("working-directory") if run is not None else None
    return str(nested.value) if isinstance(nested, yaml.ScalarNode) else None


def _scalars_in(
    node: yaml.Node, key: str | None, cwd: str
) -> Iterator[tuple[str | None, yaml.ScalarNode, str]]:
    if isinstance(node, yaml.ScalarNode):
        yield key, node, cwd
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars_in(item, key, cwd)
    elif isinstance(node, yaml.MappingNode):
        folder = _working_directory(_mapping(node))
        if folder is not None:
            cwd = _join(cwd, folder)
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else None
            yield from _scalars_in(v, str(name) if name is not None else key, cwd)


def _join(cwd: str, rel: str) -> str:
    """A repo-relative folder: ``rel`` resolved against ``cwd`` (``.``, ``./x``, ``../y``)."""
    rel = rel.strip().strip("'\"").removeprefix("${{ github.workspace }}").lstrip("/")
    if "${{" in rel:
        return cwd  # an expression we cannot evaluate
    joined = posixpath.normpath(posixpath.join(cwd or ".", rel)) if rel else cwd or "."
    return "" if joined in (".", "") or joined.startswith("..") else joined


def _scalar_lines(node: yaml.ScalarNode) -> Iterator[tuple[int, str]]:
    """Each line of a scalar with its 1-based file line (block scalars start a line below)."""
    value = str(node.value)
    first = node.start_mark.line + 1
    if node.style in ("|", ">"):
        first += 1
    if node.style == ">":
        # folded: the composer already joined lines; keep one entry per source line
        yield first, value
        return
    for offset, text in enumerate(value.splitlines() or [""]):
        yield first + offset, text


def _yaml_steps(file: SourceFile) -> Iterator[Step]:
    for doc in file.yaml_nodes or []:
        for key, scalar, cwd in _scalars_in(doc, None, ""):
            if key is None:
                continue
            if key in COMMAND_KEYS:
                kind = "uses" if key in ("uses", "orb", "pipe", "image") else "run"
                if key == "template":
                    kind = "include"
                for line, text in _scalar_lines(scalar):
                    stripped = text.strip()
                    if stripped and not stripped.startswith("#"):
                        origin = f"{file.path}:{line}"
                        yield Step(stripped, file.path, line, origin, kind, cwd)


_JENKINS_SH = re.compile(r"""\b(?:sh|bat|pwsh)\s*\(?\s*(?:script:\s*)?(['"]{1,3})(.+?)\1""")


def _text_steps(file: SourceFile) -> Iterator[Step]:
    jenkins = PurePosixPath(file.path).name == "Jenkinsfile"
    for number, raw in enumerate(file.lines, start=1):
        text = raw.strip()
        if not text or text.startswith(("#", "//")):
            continue
        if jenkins:
            match = _JENKINS_SH.search(text)
            if not match:
                continue
            text = match.group(2)
        yield Step(text, file.path, number, f"{file.path}:{number}")


def _mapping(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _precommit_hooks(file: SourceFile) -> Iterator[Step]:
    """One step per hook: ``<id> <entry> <args…> (pre-commit hook, <repo>)`` at the id line."""
    for doc in file.yaml_nodes or []:
        repos = _mapping(doc).get("repos")
        if not isinstance(repos, yaml.SequenceNode):
            continue
        for repo_node in repos.value:
            repo_map = _mapping(repo_node)
            url = repo_map.get("repo")
            url_text = str(url.value) if isinstance(url, yaml.ScalarNode) else ""
            hooks = repo_map.get("hooks")
            if not isinstance(hooks, yaml.SequenceNode):
                continue
            for hook in hooks.value:
                fields = _mapping(hook)
                ident = fields.get("id")
                if not isinstance(ident, yaml.ScalarNode):
                    continue
                words = [str(ident.value)]
                for key in ("entry", "args"):
                    if key in fields:
                        words.extend(str(s.value) for _, s in _scalars(fields[key], key))
                line = ident.start_mark.line + 1
                text = f"{' '.join(words)} (pre-commit hook, {url_text})"
                yield Step(text, file.path, line, f"{file.path}:{line}", "hook")


# --- following make targets, scripts and task runners --------------------------------------

_MAKE = re.compile(r"(?:^|[;&|]\s*|\s)(?:g?make)\s+((?:-\S+\s+(?:\S+\s+)?)*)([\w.\-/ ]+)")
_RUNNERS = {
    "npm": re.compile(r"\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?([\w:.\-]+)"),
    "hatch": re.compile(r"\bhatch\s+run\s+(?:[\w\-]+:)?([\w\-]+)"),
    "pdm": re.compile(r"\bpdm\s+run\s+([\w\-]+)"),
    "poe": re.compile(r"\bpoe\s+([\w\-]+)"),
    "just": re.compile(r"\bjust\s+([\w\-]+)"),
}


def _follow(repo: RepoIndex, steps: list[Step]) -> list[Step]:
    out: list[Step] = []
    kept: set[tuple[str, int, str]] = set()
    seen: set[tuple[str, int]] = set()
    frontier = [(s, 0) for s in steps]
    while frontier:
        step, depth = frontier.pop(0)
        if (step.path, step.line, step.text) in kept:
            continue
        kept.add((step.path, step.line, step.text))
        out.append(step)
        if depth >= MAX_DEPTH or step.kind not in ("run", "hook"):
            continue
        for path, line, text, cwd in _expand(repo, step):
            if (path, line) in seen:
                continue
            seen.add((path, line))
            frontier.append((Step(text, path, line, step.origin, "run", cwd), depth + 1))
    return out


_CD = re.compile(r"(?:^|&&|;)\s*cd\s+([^\s;&|]+)")


def _find(repo: RepoIndex, rel: str, *folders: str) -> str | None:
    """The first of ``folder/rel`` that is a discovered file (``rel`` as is last)."""
    for folder in (*folders, ""):
        candidate = _join(folder, rel) if "/" in rel or folder else rel
        if candidate and repo.has(candidate):
            return candidate
    return None


def _expand(repo: RepoIndex, step: Step) -> Iterator[tuple[str, int, str, str]]:
    """Lines that ``step`` runs indirectly, as (path, line, text, folder they run in)."""
    command = step.text
    cwd = step.cwd
    for folder in _CD.findall(command):
        cwd = _join(cwd, folder)
    here = posixpath.dirname(step.path)  # a script or Makefile calling a sibling
    make = _MAKE.search(command)
    if make:
        flags, targets = make.group(1), make.group(2).split()
        chdir = re.search(r"-C\s+(\S+)", flags)
        folder = _join(cwd, chdir.group(1)) if chdir else cwd
        makefile = next(
            (
                found
                for n in ("GNUmakefile", "makefile", "Makefile")
                if (found := _find(repo, n, folder)) and posixpath.dirname(found) == folder
            ),
            None,
        )
        if makefile:
            for path, line, text in _make_recipes(
                repo.source(makefile), targets or ["__default__"]
            ):
                yield path, line, text, folder
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        words = command.split()
    for word in _script_words(words):
        found = _find(repo, word, cwd, here)
        if found and repo.source(found).kind in ("shell", "other"):
            for number, raw in enumerate(repo.source(found).lines, start=1):
                text = raw.strip()
                if text and not text.startswith("#"):
                    yield found, number, text, cwd
    if re.search(r"\btox\b", command):
        if tox := _find(repo, "tox.ini", cwd):
            for path, line, text in _ini_commands(repo.source(tox), "testenv", "commands"):
                yield path, line, text, cwd
        elif pyproject := _find(repo, "pyproject.toml", cwd):
            for path, line, text in _tox_toml(repo.source(pyproject)):
                yield path, line, text, cwd
    if re.search(r"\bnox\b", command) and (nox := _find(repo, "noxfile.py", cwd)):
        for number, raw in enumerate(repo.source(nox).lines, start=1):
            if "session.run" in raw:
                yield nox, number, raw.strip(), cwd
    for runner, regex in _RUNNERS.items():
        match = regex.search(command)
        if match:
            for path, line, text in _runner_task(repo, runner, match.group(1), cwd):
                yield path, line, text, cwd


#: words after which the next word is a program to run (``bash ci/x.sh``, ``uv run ./x``)
_LAUNCHERS = frozenset({"bash", "sh", "zsh", "source", ".", "exec", "run", "xargs", "sudo"})
_SCRIPT_SUFFIXES = ("", ".sh", ".bash")


def _script_words(words: list[str]) -> Iterator[str]:
    """Words in a program position: first of each command (after ``VAR=value``), or after a
    launcher; only paths (``ci/check.sh``, ``./run``) or shell scripts, so that an argument such
    as ``-r requirements/dev.txt`` is never read as a script."""
    expect = True
    for word in words:
        if word in ("&&", "||", ";", "|"):
            expect = True
            continue
        if expect and re.fullmatch(r"\w+=\S*", word):
            continue
        scriptish = ("/" in word or word.endswith((".sh", ".bash"))) and PurePosixPath(
            word
        ).suffix in _SCRIPT_SUFFIXES
        if expect and scriptish:
            yield word
        expect = word in _LAUNCHERS


def _tox_toml(file: SourceFile) -> Iterator[tuple[str, int, str]]:
    """Commands of tox's native TOML config (``[tool.tox]`` env_run_base and env.*)."""
    tox = (file.toml or {}).get("tool", {}).get("tox", {})
    if not isinstance(tox, dict):
        return
    envs = [tox.get("env_run_base", {}), *(tox.get("env") or {}).values()]
    for env in envs:
        if not isinstance(env, dict):
            continue
        for command in env.get("commands") or []:
            words = [w for w in command if isinstance(w, str)] if isinstance(command, list) else []
            if words:
                yield file.path, _line_of(file, f'"{words[0]}"', after="[tool.tox"), " ".join(words)
    legacy = tox.get("legacy_tox_ini")
    if isinstance(legacy, str):
        for raw in legacy.splitlines():
            if raw.strip() and raw[:1].isspace():
                yield file.path, _line_of(file, raw.strip(), after="[tool.tox"), raw.strip()


def _make_recipes(file: SourceFile, targets: list[str]) -> Iterator[tuple[str, int, str]]:
    """Recipe lines of ``targets`` (and their prerequisites) in a Makefile."""
    rules: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    order: list[str] = []
    current: list[str] = []
    rule_line = re.compile(r"^([A-Za-z0-9_.\-/ %$(){}]+?)\s*::?(?![=])\s*(.*)$")
    for number, raw in enumerate(file.lines, start=1):
        if raw.startswith("\t"):
            for name in current:
                rules[name][1].append((number, raw.strip().lstrip("@-+ ")))
            continue
        match = rule_line.match(raw)
        if match and not raw.startswith((" ", "#")) and "=" not in match.group(1):
            names = match.group(1).split()
            prereqs = match.group(2).split(";")[0].split()
            current = [n for n in names if not n.startswith(".")]
            for name in current:
                rules.setdefault(name, ([], []))[0].extend(prereqs)
                order.append(name)
            inline = match.group(2).split(";", 1)
            if len(inline) == 2 and inline[1].strip():
                for name in current:
                    rules[name][1].append((number, inline[1].strip()))
        elif raw.strip() and not raw.startswith("#"):
            current = []
    wanted = [order[0]] if targets == ["__default__"] and order else targets
    done: set[str] = set()
    while wanted:
        name = wanted.pop(0)
        if name in done or name not in rules:
            continue
        done.add(name)
        prereqs, recipe = rules[name]
        wanted.extend(prereqs)
        for number, text in recipe:
            if text:
                yield file.path, number, text


def _ini_commands(file: SourceFile, prefix: str, key: str) -> Iterator[tuple[str, int, str]]:
    section = ""
    in_key = False
    for number, raw in enumerate(file.lines, start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
            in_key = False
            continue
        if not section.startswith(prefix):
            continue
        if re.match(rf"^{key}\s*=", raw):
            in_key = True
            value = raw.split("=", 1)[1].strip()
            if value:
                yield file.path, number, value
            continue
        if in_key and raw[:1].isspace() and stripped:
            yield file.path, number, stripped
        elif stripped:
            in_key = False


def _runner_task(
    repo: RepoIndex, runner: str, task: str, cwd: str
) -> Iterator[tuple[str, int, str]]:
    package = _find(repo, "package.json", cwd)
    if runner == "npm" and package:
        file = repo.source(package)
        data = file.json
        scripts = data.get("scripts", {}) if isinstance(data, dict) else {}
        if isinstance(scripts, dict) and isinstance(scripts.get(task), str):
            line = _line_of(file, f'"{task}"')
            yield file.path, line, scripts[task]
        return
    if runner == "just":
        for name in ("justfile", "Justfile", ".justfile"):
            if justfile := _find(repo, name, cwd):
                yield from _just_recipe(repo.source(justfile), task)
        return
    pyproject = _find(repo, "pyproject.toml", cwd)
    if not pyproject:
        return
    file = repo.source(pyproject)
    data = file.toml or {}
    tool = data.get("tool", {}) if isinstance(data, dict) else {}
    found: Any = None
    if runner == "hatch":
        for env in (tool.get("hatch", {}).get("envs", {}) or {}).values():
            if isinstance(env, dict) and task in (env.get("scripts") or {}):
                found = env["scripts"][task]
                break
    elif runner == "pdm":
        found = (tool.get("pdm", {}).get("scripts", {}) or {}).get(task)
    elif runner == "poe":
        found = (tool.get("poe", {}).get("tasks", {}) or {}).get(task)
    for text in _flatten(found):
        yield file.path, _line_of(file, task), text


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, dict):
        for key in ("cmd", "shell", "script", "call", "sequence", "composite"):
            if key in value:
                yield from _flatten(value[key])


def _just_recipe(file: SourceFile, task: str) -> Iterator[tuple[str, int, str]]:
    inside = False
    for number, raw in enumerate(file.lines, start=1):
        if re.match(rf"^@?{re.escape(task)}\b[^:=]*:(?!=)", raw):
            inside = True
            continue
        if inside:
            if raw[:1].isspace() and raw.strip():
                yield file.path, number, raw.strip().lstrip("@")
            elif raw.strip():
                inside = False


def _line_of(file: SourceFile, needle: str, after: str | None = None) -> int:
    """First line containing ``needle`` (after the first line starting with ``after``)."""
    started = after is None
    for number, raw in enumerate(file.lines, start=1):
        if not started:
            started = raw.lstrip().startswith(after or "")
            continue
        if needle in raw:
            return number
    return 1
