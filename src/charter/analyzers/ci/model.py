"""What the repository's CI runs: every command line and action, with where it is written.

Sources, each parsed with PyYAML's composer (line numbers kept; nothing is constructed):

- GitHub Actions workflows (``.github/workflows/*.yml``) and local composite actions: ``run:``
  lines, ``uses:`` action references and their ``with:``/``env:`` inputs. A job that calls a
  local reusable workflow (``uses: ./.github/workflows/make.yml`` with ``make: lint``) reads
  that workflow again with the inputs substituted (``make ${{ inputs.make }}`` is ``make
  lint``); a remote reusable workflow (``org/repo/.github/workflows/x.yml@ref``) cannot be
  read and is listed in :attr:`CiModel.remote`;
- GitLab CI (``.gitlab-ci.yml``, ``.gitlab/ci/**``): ``script``/``before_script``/
  ``after_script`` lines, ``image:`` and ``include:`` templates (``Security/SAST.gitlab-ci.yml``);
- CircleCI, Azure Pipelines, Bitbucket, Travis, Drone, Woodpecker, Buildkite, Cloud Build: the
  same command keys; ``Jenkinsfile`` ``sh`` steps; scripts in a ``.ci/`` folder;
- pre-commit (``.pre-commit-config.yaml``): hook ids, which count as CI when a CI step runs
  ``pre-commit run``/``prek run`` (or a pre-commit/prek action) or the config has a ``ci:``
  section (pre-commit.ci);
- Dependabot and Renovate configs (dependency scanning without a step).

A command is *followed* into what it runs, one level at a time (up to :data:`MAX_DEPTH`), and
nothing is ever executed: ``make ci`` reads the ``ci`` target's recipe and its prerequisites
(recursively, with variables, ``include``\\ d files and ``%`` pattern rules; ``make`` alone reads
the default target); a script (``./scripts/check.sh``, ``.ci/run``) is read, or only the shell
function its first argument names (``./manage test.unit``); ``tox -e py`` reads that env's
``commands`` (``tox.ini``, ``setup.cfg``, ``[tool.tox]``); ``nox -s tests`` reads that
session's ``session.run(...)`` calls (with :mod:`ast`); ``just test`` the recipe and its
dependencies; ``hatch run test:cov``, ``pdm run``, ``poe``, taskipy's ``task`` their scripts;
``npm test``/``npm run x``/``yarn x``/``pnpm x`` (and ``turbo``/``lerna``/``nx``) the
``package.json`` scripts (with ``pre``/``post`` scripts); ``nps x`` ``package-scripts.js``
when it is a plain object literal; ``task x`` a Taskfile; ``flask x`` a click command's body.
Launchers (``uv run``, ``poetry run``, ``pipenv run``, ``python -m``, ``docker compose run``)
run the command after them. So a ``pytest`` inside a ``make test`` target that CI invokes
counts, and the evidence says so.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
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
from charter.sources import SourceFile, basename

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
    r"npm|yarn|pnpm|bun|apt(?:-get)?|apk|brew|go|cargo|gem|choco)\s+(?:install|add|i|binstall)\b"
)
SEGMENTS = re.compile(r"&&|\|\||;")
#: a step that runs the pre-commit hooks: ``pre-commit run``, ``prek run``, or an action whose
#: name is pre-commit's or prek's (``pre-commit/action``, ``j178/prek-action``,
#: ``org/composite-actions/pre-commit@v1``, pre-commit.ci's lite action)
PRECOMMIT_RUN = re.compile(
    r"\b(?:pre-commit|prek)\s+run\b|pre-commit/action|pre-commit-ci|"
    r"(?:^|/)(?:[\w.-]*-)?(?:pre-commit|prek)(?:-action)?(?:@|$)"
)
#: how many times a command is followed into what it runs (a workflow calls ``make ci``, whose
#: recipe calls ``$(MAKE) test``, whose recipe calls ``./manage test.unit``, ...)
MAX_DEPTH = 5
#: how deep ``make`` prerequisites and ``just``/``task`` dependencies are followed, and how many
#: targets one invocation may read at most
TARGET_DEPTH = 8
MAX_TARGETS = 200
#: a remote reusable workflow (``org/repo/.github/workflows/x.yml@ref``)
REMOTE_WORKFLOW = re.compile(r"^[\w.-]+/[\w.-]+/\.github/workflows/[^@\s]+\.ya?ml@\S+$")


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
    #: an action's ``with:`` and ``env:`` values (``uses`` steps only), as (name, value)
    inputs: tuple[tuple[str, str], ...] = ()

    def where(self) -> str:
        here = f"{self.path}:{self.line}"
        return here if self.origin == here else f"{here} (run by {self.origin})"


@dataclass(frozen=True)
class Bot:
    """A dependency-update bot config; ``ecosystems`` None means every package manager."""

    path: str
    line: int
    name: str
    ecosystems: frozenset[str] | None = None


@dataclass
class CiModel:
    """Everything CI runs, plus the pre-commit hooks and the dependency-update bots."""

    ci_files: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    hooks: list[Step] = field(default_factory=list)
    hooks_in_ci: bool = False
    bots: list[Bot] = field(default_factory=list)
    #: jobs that delegate to a remote reusable workflow, which cannot be read
    remote: list[Step] = field(default_factory=list)
    #: what a step runs that could not be read (a ``package-scripts.js`` that is code)
    unread: list[str] = field(default_factory=list)
    #: every CI line that leads to a step, when several do (a step is kept once, with the first)
    origins: dict[tuple[str, int, str], set[str]] = field(default_factory=dict)
    #: CI files that hold no configuration at all (every line commented out): nothing runs
    disabled: list[str] = field(default_factory=list)

    def origins_of(self, step: Step) -> set[str]:
        """The CI lines that run ``step`` (``step.origin`` and any other that leads to it)."""
        return {step.origin} | self.origins.get((step.path, step.line, step.text), set())

    def main_ci_file(self, among: list[str] | None = None) -> str:
        """The CI file a missing step belongs in: the one (of ``among``) that runs the most
        commands."""
        runs = Counter(s.path for s in self.steps if s.kind == "run" and s.path in self.ci_files)
        files = among or self.ci_files
        return max(files, key=lambda p: (runs[p], -self.ci_files.index(p)))

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
        table = tuple(tools)
        hits: list[tuple[str, Step]] = []
        for step in self.ci_steps() if steps is None else steps:
            text = step.text
            if step.kind in ("run", "hook") and not raw:
                text = command_view(text)
            label = _first_tool(table, text)
            if label is not None:
                hits.append((label, step))
        return hits


@functools.lru_cache(maxsize=1 << 17)
def _first_tool(table: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    """The label of the first tool of ``table`` whose regex matches ``text``. Pure, so
    memoised: the CI rules match the same command lines against the same tables, in an audit
    and from one point of a history to the next."""
    for label, regex in table:
        if regex.search(text):
            return label
    return None


def ci_model(repo: RepoIndex) -> CiModel:
    """The CI model of ``repo``, built once per audit (per view of the index) and shared by
    every CI rule. Each rule that takes it depends on what building it read and asked
    (:meth:`RepoIndex.derived`), so every rule that uses the model is invalidated when one of
    those inputs changes."""
    return repo.derived(("ci-model",), lambda: _build(repo), share=True)


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


_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def _one_word(match: re.Match[str]) -> str:
    return "".join(match.group(0).split())


@functools.lru_cache(maxsize=16384)
def command_view(text: str) -> str:
    """The parts of a command line that say what runs: install segments (``pip install ruff``)
    dropped, flags (``--ignore=tests/mypy``) dropped, and path arguments (``tests/mypy``)
    dropped unless they are in a program position (``./scripts/lint.sh``, ``uv run
    ./manage.py``). So ``pytest --ignore=tests/mypy`` does not run mypy. A GitHub expression
    (``${{ matrix.toolchain }}``) is one word. Pure, so memoised: a CI model views the same
    lines once per rule that follows them."""
    text = _EXPRESSION.sub(_one_word, text)
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
    for path in repo.select(_ci_file):
        if _at_root(path, WORKFLOW_GLOBS + YAML_CI_GLOBS):
            file = repo.source(path)
            if file.yaml_documents == []:
                # parses to nothing: every line is a comment (a workflow left commented out
                # with "uncomment to run CI"), so the CI service runs no job from it
                model.disabled.append(path)
                continue
            model.ci_files.append(path)
            direct.extend(_yaml_steps(file))
        else:
            model.ci_files.append(path)
            direct.extend(_text_steps(repo.source(path)))
    direct.extend(_local_actions(repo, model, direct))
    direct.extend(_called_steps(repo, model, direct))
    model.remote = [s for s in direct if s.kind == "uses" and REMOTE_WORKFLOW.match(s.text)]
    model.remote = [s for s in model.remote if _local_target(repo, s.text) is None]
    model.steps = _follow(repo, direct, model)

    for name in PRECOMMIT_FILES:
        if _present(repo, name):
            file = repo.source(name)
            model.hooks = _follow(repo, list(_precommit_hooks(file)), model)
            docs = file.yaml_documents or []
            if docs and isinstance(docs[0], dict) and "ci" in docs[0]:
                model.hooks_in_ci = True
    if any(PRECOMMIT_RUN.search(s.text) for s in model.steps):
        model.hooks_in_ci = True

    for name in DEPENDABOT_FILES:
        if repo.has(name):
            docs = repo.source(name).yaml_documents or []
            updates = docs[0].get("updates") if docs and isinstance(docs[0], dict) else None
            if updates:
                found = {
                    str(u.get("package-ecosystem"))
                    for u in updates
                    if isinstance(u, dict) and u.get("package-ecosystem")
                }
                model.bots.append(Bot(name, 1, "Dependabot", frozenset(found)))
    for name in RENOVATE_FILES:
        if repo.has(name):
            model.bots.append(Bot(name, 1, "Renovate"))
    return model


@functools.lru_cache(maxsize=1 << 16)
def _ci_file(path: str) -> bool:
    """A CI service's configuration file (a workflow, ``.gitlab-ci.yml``, a Jenkinsfile).
    Pure, so memoised: every CI rule selects the CI files of the same list."""
    return _at_root(path, WORKFLOW_GLOBS + YAML_CI_GLOBS + TEXT_CI_GLOBS)


def _present(repo: RepoIndex, rel: str) -> bool:
    """Whether ``rel`` is a file of the audit: in this rule's view, or discovered in another
    path class (a ``Makefile`` under ``test/`` that CI runs is read, not judged)."""
    return repo.listed(rel)


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


def _local_target(repo: RepoIndex, uses: str) -> str | None:
    """The file a ``uses:`` reference reads when it is in this repository: a local action's
    ``action.yml`` or a local reusable workflow (``./.github/workflows/x.yml``); also a
    reference to this repository by its name (``org/this/.github/actions/x@main``), found by
    the same path existing here."""
    ref = uses.split("@", 1)[0].strip()
    if ref.startswith("./"):
        rel = _join("", ref)
    else:
        parts = ref.split("/")
        if len(parts) < 3 or uses.count("@") != 1:
            return None
        rel = _join("", "/".join(parts[2:]))
    if rel.endswith((".yml", ".yaml")):
        return rel if _present(repo, rel) else None
    for name in ("action.yml", "action.yaml"):
        path = f"{rel}/{name}" if rel else name
        if _present(repo, path):
            return path
    return None


def _local_actions(repo: RepoIndex, model: CiModel, steps: list[Step]) -> Iterator[Step]:
    """Steps of local actions a workflow uses (``uses: ./`` or ``uses: ./.github/actions/x``),
    recursively; the action files join ``model.ci_files``."""
    pending = [s for s in steps if s.kind == "uses"]
    while pending:
        step = pending.pop()
        path = _local_target(repo, step.text)
        if path is None or path in model.ci_files or not basename(path).startswith("action."):
            continue
        model.ci_files.append(path)
        for inner in _yaml_steps(repo.source(path)):
            yield inner
            if inner.kind == "uses":
                pending.append(inner)


_INPUT_REF = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")


def _input_defaults(file: SourceFile) -> dict[str, str]:
    """Default values of a reusable workflow's ``on.workflow_call.inputs`` or an action's
    ``inputs``."""
    docs = file.yaml_documents or []
    doc = docs[0] if docs and isinstance(docs[0], dict) else {}
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare ``on`` as true
    call = on.get("workflow_call") if isinstance(on, dict) else None
    inputs = call.get("inputs") if isinstance(call, dict) else doc.get("inputs")
    out: dict[str, str] = {}
    if isinstance(inputs, dict):
        for name, spec in inputs.items():
            if isinstance(spec, dict) and isinstance(spec.get("default"), str | int | float):
                out[str(name)] = str(spec["default"])
    return out


def _substitute(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        return found if found is not None and "${{" not in found else match.group(0)

    return _INPUT_REF.sub(value, text)


def _called_steps(repo: RepoIndex, model: CiModel, direct: list[Step]) -> Iterator[Step]:
    """Lines of local reusable workflows and actions read again with the caller's inputs (and
    the inputs' defaults) substituted: ``make ${{ inputs.make }}`` called with ``make: lint`` is
    ``make lint``, run by the caller's line. Only lines that change are yielded (the others are
    already steps)."""
    pending: list[tuple[str, tuple[tuple[str, str], ...], str, int]] = []
    for step in direct:
        if step.kind == "uses" and (target := _local_target(repo, step.text)):
            pending.append((target, step.inputs, step.origin, 0))
    for path in model.ci_files:
        if path.startswith(".github/workflows/"):
            pending.append((path, (), "", 0))  # a workflow's own defaults
    done: set[tuple[str, tuple[tuple[str, str], ...], str]] = set()
    while pending:
        target, inputs, origin, depth = pending.pop(0)
        if (target, inputs, origin) in done or depth > 3:
            continue
        done.add((target, inputs, origin))
        file = repo.source(target)
        values = {**_input_defaults(file), **dict(inputs)}
        if not values:
            continue
        for inner in _yaml_steps(file):
            text = _substitute(inner.text, values)
            given = tuple((k, _substitute(v, values)) for k, v in inner.inputs)
            if text == inner.text and given == inner.inputs:
                continue
            step = Step(text, inner.path, inner.line, origin or inner.origin, inner.kind,
                        inner.cwd, given)  # fmt: skip
            yield step
            if step.kind == "uses" and (called := _local_target(repo, step.text)):
                pending.append((called, step.inputs, step.origin, depth + 1))


def _scalars(node: yaml.Node, key: str | None) -> Iterator[tuple[str | None, yaml.ScalarNode]]:
    """(nearest mapping key, scalar) for every scalar under ``node``."""
    for name, scalar, _, _ in _scalars_in(node, key, "", ()):
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


def _step_inputs(mapping: dict[str, yaml.Node]) -> tuple[tuple[str, str], ...]:
    """The scalar ``with:`` and ``env:`` values of a step that uses an action or workflow."""
    out: list[tuple[str, str]] = []
    for key in ("with", "env"):
        for name, value in _mapping(mapping.get(key, yaml.ScalarNode("", ""))).items():
            if isinstance(value, yaml.ScalarNode):
                out.append((name, str(value.value)))
    return tuple(out)


def _scalars_in(
    node: yaml.Node, key: str | None, cwd: str, inputs: tuple[tuple[str, str], ...]
) -> Iterator[tuple[str | None, yaml.ScalarNode, str, tuple[tuple[str, str], ...]]]:
    if isinstance(node, yaml.ScalarNode):
        yield key, node, cwd, inputs
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars_in(item, key, cwd, inputs)
    elif isinstance(node, yaml.MappingNode):
        mapping = _mapping(node)
        folder = _working_directory(mapping)
        if folder is not None:
            cwd = _join(cwd, folder)
        given = _step_inputs(mapping) if "uses" in mapping else ()
        for k, v in node.value:
            name = k.value if isinstance(k, yaml.ScalarNode) else None
            here = given if name == "uses" else ()
            yield from _scalars_in(v, str(name) if name is not None else key, cwd, here)


def _join(cwd: str, rel: str) -> str:
    """A repo-relative folder: ``rel`` resolved against ``cwd`` (``.``, ``./x``, ``../y``)."""
    rel = rel.strip().strip("'\"").removeprefix("${{ github.workspace }}").lstrip("/")
    if "${{" in rel or "$" in rel:
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
        for key, scalar, cwd, inputs in _scalars_in(doc, None, "", ()):
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
                        yield Step(stripped, file.path, line, origin, kind, cwd, inputs)


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

#: (path, line, text, folder it runs in) of one line a command runs indirectly
Lines = Iterator[tuple[str, int, str, str]]


def _follow(repo: RepoIndex, steps: list[Step], model: CiModel) -> list[Step]:
    out: list[Step] = []
    kept: set[tuple[str, int, str]] = set()
    frontier = [(s, 0) for s in steps]
    while frontier:
        step, depth = frontier.pop(0)
        if (step.path, step.line, step.text) in kept:
            model.origins.setdefault((step.path, step.line, step.text), set()).add(step.origin)
            continue
        kept.add((step.path, step.line, step.text))
        out.append(step)
        if depth >= MAX_DEPTH or step.kind not in ("run", "hook"):
            continue
        for path, line, text, cwd in _expand(repo, step, model):
            frontier.append((Step(text, path, line, step.origin, "run", cwd), depth + 1))
    return out


def _find(repo: RepoIndex, rel: str, *folders: str) -> str | None:
    """The first of ``folder/rel`` that is a discovered file (``rel`` as is last)."""
    for folder in (*folders, ""):
        candidate = _join(folder, rel) if "/" in rel or folder else rel
        if candidate and _present(repo, candidate):
            return candidate
    return None


_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", "|&", ";;", "&>"})


def _segments(text: str) -> list[list[str]]:
    """The simple commands of a shell line, as word lists (``a && b; c | d``)."""
    return [list(words) for words in _segment_words(text)]


@functools.lru_cache(maxsize=16384)
def _segment_words(text: str) -> tuple[tuple[str, ...], ...]:
    """:func:`_segments`, memoised (every rule that follows CI commands splits the same lines)."""
    text = text.replace("$(MAKE)", "make").replace("${MAKE}", "make")
    text = _EXPRESSION.sub(_one_word, text)
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:
        tokens = text.split()
    out: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS or (token and set(token) <= set(";&|")):
            out.append([])
        else:
            out[-1].append(token)
    return tuple(tuple(s) for s in out if s)


_ASSIGN = re.compile(r"^[A-Za-z_]\w*=")
#: words that run the command after them (their own flags skipped)
_WRAPPERS = frozenset(
    {"sudo", "env", "time", "nohup", "exec", "command", "xargs", "npx", "bunx", "uvx", "pipx",
     "cross-env", "dotenv", "with-contenv", "stdbuf", "nice", "timeout", "builtin"}
)  # fmt: skip
#: ``<tool> run <command>`` launchers
_RUN_LAUNCHERS = frozenset({"uv", "poetry", "pipenv", "rye", "conda", "mamba", "micromamba"})
#: launcher flags that take a value (``uv run --with x pytest``)
_VALUE_FLAGS = frozenset(
    {"--with", "--group", "--extra", "--python", "-p", "--package", "--project", "--directory",
     "--from", "--env-file", "-n", "--name", "--frozen-lockfile", "-w", "--workdir", "-u",
     "--user", "-e", "--env", "--entrypoint", "--timeout"}
)  # fmt: skip


def _programs(words: list[str]) -> Iterator[int]:
    """Indexes of the words of a simple command that are programs it runs: the first one (after
    ``VAR=value`` and wrappers such as ``sudo``/``env``/``npx``), the command after ``uv run``/
    ``poetry run``/``pipenv run``, the module after ``python -m``, the command after
    ``docker compose run <service>``."""
    i = 0
    n = len(words)
    while i < n:
        word = words[i]
        if _ASSIGN.match(word) or word in _WRAPPERS or word.startswith("-"):
            i += 1
            continue
        yield i
        name = basename(word)
        if name in _RUN_LAUNCHERS and i + 1 < n and words[i + 1] == "run":
            i = _skip_flags(words, i + 2)
            continue
        if re.fullmatch(r"python[\d.]*", name) and i + 2 < n and words[i + 1] == "-m":
            i += 2
            continue
        if name in ("docker", "docker-compose", "podman"):
            j = i + 1
            if name != "docker-compose" and j < n and words[j] == "compose":
                j += 1
            if j < n and words[j] in ("run", "exec"):
                j = _skip_flags(words, j + 1)
                i = j + 1  # past the service name
                continue
        return


def _skip_flags(words: list[str], i: int) -> int:
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in _VALUE_FLAGS and "=" not in words[i] else 1
    return i


def _expand(repo: RepoIndex, step: Step, model: CiModel) -> Lines:
    """Lines that ``step`` runs indirectly, as (path, line, text, folder they run in)."""
    cwd = step.cwd
    here = posixpath.dirname(step.path)  # a script or Makefile calling a sibling
    for words in _segments(step.text):
        if words[0] in ("cd", "pushd") and len(words) > 1:
            cwd = _join(cwd, words[1])
            continue
        runners = list(_programs(words))
        if any(basename(w) in ("make", "gmake") for w in words) and not any(
            basename(words[i]) in ("make", "gmake") for i in runners
        ):  # ``docker run image make test``: make is still what runs
            runners.append(next(i for i, w in enumerate(words) if basename(w) in ("make", "gmake")))
        for index in runners:
            yield from _run_program(repo, words[index], words[index + 1 :], cwd, here, model)


def _run_program(
    repo: RepoIndex, program: str, args: list[str], cwd: str, here: str, model: CiModel
) -> Lines:
    name = basename(program)
    if name in ("make", "gmake"):
        yield from _make(repo, args, cwd)
    elif name == "tox":
        yield from _tox(repo, args, cwd)
    elif name == "nox":
        yield from _nox(repo, args, cwd)
    elif name == "just":
        yield from _just(repo, args, cwd)
    elif name in ("hatch", "pdm"):
        if args and args[0] == "run":
            yield from _pyproject_task(repo, name, args[1:], cwd)
    elif name in ("poe", "task") or (name == "poetry" and args[:1] == ["poe"]):
        rest = args[1:] if name == "poetry" else args
        if name == "task" and (taskfile := _taskfile(repo, cwd)):
            yield from _go_task(repo, taskfile, rest, cwd)
        else:
            yield from _pyproject_task(repo, "poe" if name != "task" else "taskipy", rest, cwd)
    elif name in ("npm", "pnpm", "yarn", "bun"):
        yield from _npm(repo, name, args, cwd, model)
    elif name == "nps":
        yield from _nps(repo, args, cwd, model)
    elif name in ("turbo", "lerna", "nx", "run-s", "run-p", "npm-run-all"):
        yield from _monorepo_tasks(repo, name, args, cwd, model)
    elif name == "flask":
        yield from _flask(repo, args, cwd)
    elif _scriptish(program) and (found := _find(repo, program, cwd, here)):
        yield from _script(repo, found, args, cwd)
    elif name in ("bash", "sh", "zsh", "source", ".") and args:
        rest = [a for a in args if not a.startswith("-")]
        if rest and _scriptish(rest[0], shell=True) and (found := _find(repo, rest[0], cwd, here)):
            yield from _script(repo, found, rest[1:], cwd)


def _scriptish(word: str, *, shell: bool = False) -> bool:
    """A word that names a script: a path (``ci/check.sh``, ``./run``) or a shell script; so an
    argument such as ``-r requirements/dev.txt`` is never read as one."""
    suffix = PurePosixPath(word).suffix
    if shell:
        return suffix in ("", ".sh", ".bash")
    return ("/" in word or word.endswith((".sh", ".bash"))) and suffix in ("", ".sh", ".bash")


# --- scripts ---------------------------------------------------------------------------------

_SOURCE = re.compile(
    r"""^\s*(?:source|\.)\s+["']?(?:\$\(\s*dirname\s+["']?\$\{?(?:BASH_SOURCE(?:\[0\])?|0)\}?"""
    r"""["']?\s*\)/?|\$\{?(?:SCRIPT_DIR|DIR|HERE|BASEDIR|ROOT)\}?/)?([\w./-]+)"""
)
_FUNCTION = r"^\s*(?:function\s+{name}\s*(?:\(\s*\))?|{name}\s*\(\s*\))\s*\{{?\s*$"


def _sourced(repo: RepoIndex, path: str) -> list[str]:
    """Files a shell script sources (``source lib.sh``, ``. "$(dirname "$0")/utils/x.sh"``)."""
    out: list[str] = []
    folder = posixpath.dirname(path)
    for raw in repo.source(path).lines:
        match = _SOURCE.match(raw)
        if match and (found := _find(repo, match.group(1), folder)):
            out.append(found)
    return out


def _script(repo: RepoIndex, path: str, args: list[str], cwd: str) -> Lines:
    """A script's lines; only the body of the shell function its first argument names when it
    defines one (``./manage test.unit``), in the script or a file it sources."""
    if repo.source(path).kind not in ("shell", "other"):
        return
    if args and re.fullmatch(r"[\w.:-]+", args[0]):
        pattern = re.compile(_FUNCTION.format(name=re.escape(args[0])))
        files = [path, *_sourced(repo, path)]
        for extra in files[1:]:
            files.extend(f for f in _sourced(repo, extra) if f not in files)
        for candidate in files[:20]:
            body = list(_shell_function(repo.source(candidate), pattern))
            if body:
                for number, text in body:
                    yield candidate, number, text, cwd
                return
    for number, raw in enumerate(repo.source(path).lines, start=1):
        text = raw.strip()
        if text and not text.startswith("#"):
            yield path, number, text, cwd


def _shell_function(file: SourceFile, header: re.Pattern[str]) -> Iterator[tuple[int, str]]:
    """The body lines of the function ``header`` matches, up to its closing ``}``."""
    lines = file.lines
    for start, raw in enumerate(lines):
        if not header.match(raw):
            continue
        indent = len(raw) - len(raw.lstrip())
        for number in range(start + 1, len(lines)):
            text = lines[number]
            stripped = text.strip()
            if stripped == "}" and len(text) - len(text.lstrip()) <= indent:
                return
            if stripped and not stripped.startswith(("#", "{")):
                yield number + 1, stripped
        return


# --- make ------------------------------------------------------------------------------------


@dataclass
class _Makefile:
    rules: dict[str, tuple[list[str], list[tuple[str, int, str]]]] = field(default_factory=dict)
    patterns: list[tuple[str, list[str], list[tuple[str, int, str]]]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=lambda: {"MAKE": "make"})


_MAKE_VAR = re.compile(r"\$\(([A-Za-z_][\w.-]*)\)|\$\{([A-Za-z_][\w.-]*)\}|\$@")
_MAKE_ASSIGN = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][\w.-]*)\s*(\?=|::?:?=|\+=|!=|=)\s*(.*)$"
)
_MAKE_RULE = re.compile(r"^([^:=#\t][^:=#]*?)\s*(::?)(?!=)\s*(.*)$")
_MAKE_INCLUDE = re.compile(r"^-?(?:include|sinclude)\s+(.+)$")


def _make_vars(text: str, variables: dict[str, str], target: str = "") -> str:
    """``$(VAR)``/``${VAR}``/``$@`` expanded (a few levels); unknown variables left as is."""
    text = text.replace("$$", "\0")
    for _ in range(5):

        def value(match: re.Match[str]) -> str:
            if match.group(0) == "$@":
                return target or match.group(0)
            name = match.group(1) or match.group(2)
            return variables.get(name, match.group(0))

        expanded = _MAKE_VAR.sub(value, text)
        if expanded == text:
            break
        text = expanded
    return text.replace("\0", "$")


def _parse_makefile(repo: RepoIndex, path: str, into: _Makefile, depth: int = 0) -> None:
    current: list[str] = []
    pattern_current: list[int] = []
    in_define = False
    folder = posixpath.dirname(path)
    for number, raw in enumerate(repo.source(path).lines, start=1):
        stripped = raw.strip()
        if in_define:
            in_define = not stripped.startswith("endef")
            continue
        if raw.startswith("\t"):
            text = stripped.lstrip("@-+ ")
            if text and not text.startswith("#"):
                for name in current:
                    into.rules[name][1].append((path, number, text))
                for index in pattern_current:
                    into.patterns[index][2].append((path, number, text))
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("define "):
            in_define = True
            current, pattern_current = [], []
            continue
        include = _MAKE_INCLUDE.match(stripped)
        if include:
            current, pattern_current = [], []
            if depth < 3:
                for name in _make_vars(include.group(1), into.variables).split():
                    found = _find(repo, name, folder)
                    if found and "$" not in name:
                        _parse_makefile(repo, found, into, depth + 1)
            continue
        assign = _MAKE_ASSIGN.match(stripped)
        rule = _MAKE_RULE.match(stripped)
        if assign and (rule is None or len(assign.group(1)) <= len(rule.group(1))):
            name, op, value = assign.groups()
            if op == "+=":
                into.variables[name] = (into.variables.get(name, "") + " " + value).strip()
            elif name not in into.variables:
                into.variables[name] = value
            current, pattern_current = [], []
            continue
        if rule is None or stripped.startswith(("ifeq", "ifneq", "ifdef", "ifndef", "else")):
            current, pattern_current = [], []
            continue
        names = _make_vars(rule.group(1), into.variables).split()
        rest = rule.group(3).split(";", 1)
        prereqs = [p for p in rest[0].split() if p != "|"]
        inline = rest[1].strip() if len(rest) == 2 else ""
        current = [n for n in names if "%" not in n and not n.startswith(".")]
        pattern_current = []
        for name in current:
            into.rules.setdefault(name, ([], []))[0].extend(prereqs)
            into.order.append(name)
            if inline:
                into.rules[name][1].append((path, number, inline))
        for name in names:
            if "%" in name:
                into.patterns.append((name, prereqs, [(path, number, inline)] if inline else []))
                pattern_current.append(len(into.patterns) - 1)


def _make_rule(mk: _Makefile, target: str) -> tuple[list[str], list[tuple[str, int, str]]] | None:
    rule = mk.rules.get(target)
    if rule is not None and (rule[1] or rule[0]):
        return rule
    for pattern, prereqs, recipe in mk.patterns:
        head, _, tail = pattern.partition("%")
        if target.startswith(head) and target.endswith(tail) and len(target) > len(head + tail):
            stem = target[len(head) : len(target) - len(tail)]
            return [p.replace("%", stem) for p in prereqs], recipe
    return rule


def _make(repo: RepoIndex, args: list[str], cwd: str) -> Lines:
    """Recipe lines of the ``make`` targets in ``args`` (the default target when none), and of
    their prerequisites, with the Makefile's variables and ``VAR=value`` arguments expanded."""
    folder, makefile = cwd, None
    overrides: dict[str, str] = {}
    targets: list[str] = []
    words = iter(args)
    for word in words:
        if word in ("-C", "--directory"):
            folder = _join(cwd, next(words, ""))
        elif word.startswith(("--directory=", "-C")) and len(word) > 2:
            folder = _join(cwd, word.split("=", 1)[1] if "=" in word else word[2:])
        elif word in ("-f", "--file", "--makefile"):
            makefile = next(words, None)
        elif word in ("-l", "-o", "-W", "-I", "--load-average", "--old-file", "--what-if"):
            next(words, None)
        elif word.startswith("-"):
            continue
        elif _ASSIGN.match(word):
            key, _, value = word.partition("=")
            overrides[key] = value
        elif re.fullmatch(r"[\w.%/+-]+", word) and not word.isdigit():
            targets.append(word)
        elif "$" in word or "{" in word:
            return  # a target we cannot evaluate (``make ${{ inputs.target }}``): not the default
        else:
            break  # a redirection: the command line ends here for us
    if makefile is not None:
        path = _find(repo, makefile, folder)
    else:
        path = next(
            (
                found
                for n in ("GNUmakefile", "makefile", "Makefile")
                if (found := _find(repo, n, folder)) and posixpath.dirname(found) == folder
            ),
            None,
        )
    if path is None:
        return
    mk = _Makefile()
    _parse_makefile(repo, path, mk)
    variables = {**mk.variables, **overrides}
    if not targets:
        targets = [next((n for n in mk.order if not n.startswith(".")), "")]
    wanted = [(t, 0) for t in targets if t]
    done: set[str] = set()
    while wanted and len(done) < MAX_TARGETS:
        name, depth = wanted.pop(0)
        if name in done:
            continue
        done.add(name)
        rule = _make_rule(mk, name)
        if rule is None:
            continue
        prereqs, recipe = rule
        if depth < TARGET_DEPTH:
            for prereq in prereqs:
                wanted.extend((p, depth + 1) for p in _make_vars(prereq, variables, name).split())
        for where, number, text in recipe:
            yield where, number, _make_vars(text, variables, name), folder


# --- tox, nox --------------------------------------------------------------------------------


def _option_values(args: list[str], *flags: str) -> list[str]:
    """Values of ``-e a,b`` / ``--env=a`` style options (comma-separated lists split)."""
    out: list[str] = []
    for i, word in enumerate(args):
        for flag in flags:
            if word == flag and i + 1 < len(args):
                out.extend(args[i + 1].split(","))
            elif word.startswith(flag + "=") or (
                len(flag) == 2 and word.startswith(flag) and len(word) > 2
            ):
                out.extend(word[len(flag) :].lstrip("=").split(","))
    return [v for v in out if v]


def _ini_sections(lines: list[str], key: str) -> dict[str, list[tuple[int, str]]]:
    """``key`` (a possibly multi-line value) of each INI section, as (line, text)."""
    out: dict[str, list[tuple[int, str]]] = {}
    section = ""
    in_key = False
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
            in_key = False
            continue
        if re.match(rf"^{key}\s*=", raw):
            in_key = True
            out.setdefault(section, [])
            value = raw.split("=", 1)[1].strip()
            if value:
                out[section].append((number, value))
            continue
        if in_key and raw[:1].isspace() and stripped:
            if not stripped.startswith("#"):
                out[section].append((number, stripped))
        elif stripped:
            in_key = False
    return out


def _tox(repo: RepoIndex, args: list[str], cwd: str) -> Lines:
    """``commands`` of the tox envs ``-e`` names (an env without a section of its own runs the
    base ``[testenv]``), or of every env."""
    envs = _option_values(args, "-e", "--env") or _option_values(args, "-f")
    config = _option_values(args, "-c", "--conf")
    ini = _find(repo, config[0], cwd) if config else None
    ini = ini or _find(repo, "tox.ini", cwd)
    cfg = _find(repo, "setup.cfg", cwd) if ini is None else None
    if cfg is not None and any(raw.strip() == "[tox:tox]" for raw in repo.source(cfg).lines):
        ini = cfg
    if ini is not None:
        sections = _ini_sections(repo.source(ini).lines, "commands")
        for number, text in _tox_envs(sections, envs):
            yield ini, number, text, cwd
    elif pyproject := _find(repo, "pyproject.toml", cwd):
        for path, line, text in _tox_toml(repo.source(pyproject), envs):
            yield path, line, text, cwd


def _tox_envs(sections: dict[str, list[tuple[int, str]]], envs: list[str]) -> list[tuple[int, str]]:
    base = sections.get("testenv", [])
    if not envs:
        return [
            entry
            for name, lines in sections.items()
            if name.startswith("testenv")
            for entry in lines
        ]
    out: list[tuple[int, str]] = []
    for env in envs:
        own = sections.get(f"testenv:{env}")
        if own is None:
            # a factor env (``py312-django``) may be one section's name in part
            own = next(
                (
                    v
                    for k, v in sections.items()
                    if k.startswith("testenv:") and k[8:] in env.split("-")
                ),
                None,
            )
        out.extend(own if own is not None else base)
    return out


def _tox_toml(file: SourceFile, envs: list[str]) -> Iterator[tuple[str, int, str]]:
    """Commands of tox's native TOML config (``[tool.tox]`` env_run_base and env.*)."""
    tox = (file.toml or {}).get("tool", {}).get("tox", {})
    if not isinstance(tox, dict):
        return
    legacy = tox.get("legacy_tox_ini")
    if isinstance(legacy, str):
        sections = _ini_sections(legacy.splitlines(), "commands")
        for _, text in _tox_envs(sections, envs):
            yield file.path, _line_of(file, text, after="[tool.tox"), text
        return
    table = tox.get("env") or {}
    base = tox.get("env_run_base", {})
    chosen = [table.get(e) or base for e in envs] if envs else [base, *table.values()]
    for env in chosen:
        if not isinstance(env, dict):
            continue
        for command in env.get("commands") or []:
            words = [w for w in command if isinstance(w, str)] if isinstance(command, list) else []
            if words:
                yield file.path, _line_of(file, f'"{words[0]}"', after="[tool.tox"), " ".join(words)


def _nox(repo: RepoIndex, args: list[str], cwd: str) -> Lines:
    """``session.run(...)`` calls of the nox sessions ``-s`` names (all sessions, or
    ``nox.options.sessions``, when none), read with :mod:`ast`; ``session.notify`` and helper
    functions the session calls with the session are followed."""
    given = _option_values(args, "-f", "--noxfile")
    path = _find(repo, given[0] if given else "noxfile.py", cwd)
    tree = repo.source(path).python_ast if path else None
    if path is None or tree is None:
        return
    sessions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    helpers: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    default: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = _nox_session_name(node)
            if name is not None:
                sessions[name] = node
            else:
                helpers[node.name] = node
        elif isinstance(node, ast.Assign) and any(
            ast.unparse(t) == "nox.options.sessions" for t in node.targets
        ):
            default = [
                e.value
                for e in getattr(node.value, "elts", [])
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
    requested = _nox_requested(args) or default or list(sessions)
    pending = [n for r in requested for n in sessions if r == n or r.startswith((n + "-", n + "("))]
    done: set[str] = set()
    while pending:
        name = pending.pop(0)
        if name in done or name not in sessions:
            continue
        done.add(name)
        functions = [sessions[name]]
        for function in functions:
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                func = call.func
                if isinstance(func, ast.Attribute) and func.attr in ("run", "run_always"):
                    text = _call_words(call)
                    if text:
                        yield path, call.lineno, text, cwd
                elif isinstance(func, ast.Attribute) and func.attr == "notify":
                    pending.extend(
                        a.value
                        for a in call.args
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)
                    )
                elif isinstance(func, ast.Name) and func.id in helpers:
                    helper = helpers[func.id]
                    if helper not in functions and len(functions) < 20:
                        functions.append(helper)


def _nox_session_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute | ast.Name) and ast.unparse(target).endswith("session"):
            if isinstance(decorator, ast.Call):
                for kw in decorator.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                        return str(kw.value.value)
            return node.name
    return None


def _nox_requested(args: list[str]) -> list[str]:
    out: list[str] = []
    taking = False
    for word in args:
        if word in ("-s", "--session", "--sessions", "-e"):
            taking = True
            continue
        if word.startswith(("--session=", "--sessions=")):
            out.extend(word.split("=", 1)[1].split(","))
            continue
        if word.startswith("-"):
            taking = False
            continue
        if taking:
            out.extend(word.split(","))
    return out


def _call_words(call: ast.Call) -> str:
    """``session.run("pytest", "-q", *args)`` as ``pytest -q …``."""
    words: list[str] = []
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            words.append(arg.value)
        else:
            words.append("…")
    return " ".join(words) if words and words[0] != "…" else ""


# --- just, Taskfile, pyproject task runners -------------------------------------------------

_JUST_HEADER = re.compile(r"^@?([A-Za-z_][\w-]*)((?:\s+[^:=\s][^:]*?)?)\s*:(?!=)(.*)$")


def _just(repo: RepoIndex, args: list[str], cwd: str) -> Lines:
    """A ``just`` recipe's lines and its dependencies' (the default recipe when none named)."""
    given = _option_values(args, "-f", "--justfile")
    names = ("justfile", "Justfile", ".justfile", "JUSTFILE")
    path = (
        _find(repo, given[0], cwd)
        if given
        else next((found for n in names if (found := _find(repo, n, cwd))), None)
    )
    if path is None:
        return
    recipes: dict[str, tuple[list[str], list[tuple[int, str]]]] = {}
    aliases: dict[str, str] = {}
    order: list[str] = []
    current: str | None = None
    for number, raw in enumerate(repo.source(path).lines, start=1):
        if raw[:1].isspace():
            if current is not None and raw.strip() and not raw.strip().startswith("#"):
                recipes[current][1].append((number, raw.strip().lstrip("@-")))
            continue
        current = None
        alias = re.match(r"^alias\s+([\w-]+)\s*:=\s*([\w-]+)", raw)
        if alias:
            aliases[alias.group(1)] = alias.group(2)
            continue
        if raw.startswith(("set ", "export ", "import ", "mod ", "[", "#")) or ":=" in raw:
            continue
        header = _JUST_HEADER.match(raw) if len(raw) < 400 else None
        if header:
            current = header.group(1)
            deps = re.sub(r"""(["']).*?\1""", "", header.group(3))
            recipes[current] = (re.findall(r"[A-Za-z_][\w-]*", deps), [])
            order.append(current)
    skip = {"-f", "--justfile", "-d", "--working-directory", "--set"}
    requested: list[str] = []
    it = iter(args)
    for word in it:
        if word in skip:
            next(it, None)
        elif not word.startswith("-") and "=" not in word:
            requested.append(word)
            break  # later words are the recipe's arguments
    if not requested:
        requested = ["default"] if "default" in recipes else order[:1]
    wanted = [(aliases.get(r, r), 0) for r in requested]
    done: set[str] = set()
    while wanted and len(done) < MAX_TARGETS:
        name, depth = wanted.pop(0)
        if name in done or name not in recipes:
            continue
        done.add(name)
        needs, body = recipes[name]
        if depth < TARGET_DEPTH:
            wanted.extend((aliases.get(d, d), depth + 1) for d in needs)
        for number, text in body:
            yield path, number, text, cwd


def _taskfile(repo: RepoIndex, cwd: str) -> str | None:
    names = ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml")
    return next((found for n in names if (found := _find(repo, n, cwd))), None)


def _go_task(repo: RepoIndex, path: str, args: list[str], cwd: str) -> Lines:
    """go-task: a task's ``cmds`` (and ``deps``/``task:`` calls) in a Taskfile."""
    tasks: dict[str, yaml.Node] = {}
    for doc in repo.source(path).yaml_nodes or []:
        tasks.update(_mapping(_mapping(doc).get("tasks", yaml.ScalarNode("", ""))))
    requested = [a for a in args if not a.startswith("-") and "=" not in a][:1] or ["default"]
    wanted = [(r, 0) for r in requested]
    done: set[str] = set()
    while wanted and len(done) < MAX_TARGETS:
        name, depth = wanted.pop(0)
        if name in done or name not in tasks:
            continue
        done.add(name)
        task = _mapping(tasks[name])
        for key in ("deps", "cmds"):
            node = task.get(key)
            for item in node.value if isinstance(node, yaml.SequenceNode) else []:
                if isinstance(item, yaml.ScalarNode):
                    if key == "deps":
                        wanted.append((str(item.value), depth + 1))
                    else:
                        yield path, item.start_mark.line + 1, str(item.value), cwd
                    continue
                fields = _mapping(item)
                if isinstance(fields.get("task"), yaml.ScalarNode) and depth < TARGET_DEPTH:
                    wanted.append((str(fields["task"].value), depth + 1))
                cmd = fields.get("cmd")
                if isinstance(cmd, yaml.ScalarNode):
                    yield path, cmd.start_mark.line + 1, str(cmd.value), cwd


def _pyproject_task(repo: RepoIndex, runner: str, args: list[str], cwd: str) -> Lines:
    """A script of hatch (``hatch run [env:]name``), pdm (``pdm run name``), poe (``poe name``) or
    taskipy (``task name``); scripts that run other scripts of the same env are followed."""
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return
    env, _, task = words[0].rpartition(":") if runner == "hatch" else ("", "", words[0])
    env = env.split(".", 1)[0] or "default"
    found: list[tuple[str, dict[str, Any], str]] = []  # (path, table, section header)
    if pyproject := _find(repo, "pyproject.toml", cwd):
        tool = (repo.source(pyproject).toml or {}).get("tool", {})
        tables = {
            "hatch": ((tool.get("hatch", {}).get("envs", {}) or {}).get(env, {}) or {}).get(
                "scripts"
            ),
            "pdm": tool.get("pdm", {}).get("scripts"),
            "poe": tool.get("poe", {}).get("tasks"),
            "taskipy": tool.get("taskipy", {}).get("tasks"),
        }
        header = {"hatch": f"[tool.hatch.envs.{env}", "pdm": "[tool.pdm", "poe": "[tool.poe",
                  "taskipy": "[tool.taskipy"}[runner]  # fmt: skip
        if isinstance(tables[runner], dict):
            found.append((pyproject, tables[runner], header))
    if runner == "hatch" and (hatch := _find(repo, "hatch.toml", cwd)):
        scripts = (((repo.source(hatch).toml or {}).get("envs", {}) or {}).get(env, {}) or {}).get(
            "scripts"
        )
        if isinstance(scripts, dict):
            found.append((hatch, scripts, f"[envs.{env}"))
    for path, table, header in found:
        file = repo.source(path)
        pending, done = [task], set[str]()
        while pending and len(done) < 50:
            name = pending.pop(0)
            if name in done or name not in table:
                continue
            done.add(name)
            line = _line_of(file, name, after=header)
            for text in _flatten(table[name]):
                first = text.split(maxsplit=1)[0] if text.split() else ""
                if first in table:
                    pending.append(first)  # a script that runs another of the env
                yield path, line, text, cwd
        if done:
            return


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, dict):
        for key in ("cmd", "shell", "script", "call", "sequence", "composite", "ref"):
            if key in value:
                yield from _flatten(value[key])


# --- package.json scripts, nps, monorepo task runners --------------------------------------

#: npm subcommands that run a package.json script, and yarn/pnpm/bun subcommands that do not
_NPM_RUN = frozenset({"run", "run-script", "rum", "urn"})
_NPM_LIFECYCLE = {"test": "test", "t": "test", "tst": "test", "start": "start", "stop": "stop",
                  "restart": "restart"}  # fmt: skip
_NOT_SCRIPTS = frozenset(
    {"install", "i", "ci", "add", "remove", "rm", "upgrade", "up", "update", "audit", "why",
     "info", "init", "create", "publish", "pack", "config", "cache", "global", "link", "unlink",
     "dlx", "exec", "x", "set", "version", "outdated", "list", "ls", "import", "login", "logout",
     "store", "prune", "dedupe", "patch", "rebuild", "licenses", "node", "plugin", "help",
     "setup", "env", "fetch", "build-storybook"}
)  # fmt: skip
_NPM_VALUE_FLAGS = frozenset({"--prefix", "-C", "--dir", "--cwd", "--filter", "-F", "-w",
                              "--workspace", "--loglevel"})  # fmt: skip


def _package_json(repo: RepoIndex, folder: str) -> str | None:
    path = _join(folder, "package.json") if folder else "package.json"
    return path if _present(repo, path) else _find(repo, "package.json", folder)


def _scripts_of(repo: RepoIndex, path: str) -> dict[str, str]:
    data = repo.source(path).json
    scripts = data.get("scripts", {}) if isinstance(data, dict) else {}
    return (
        {k: v for k, v in scripts.items() if isinstance(v, str)}
        if isinstance(scripts, dict)
        else {}
    )


def _package_script(
    repo: RepoIndex, path: str, name: str, extra: list[str], cwd: str, lifecycle: bool
) -> Lines:
    scripts = _scripts_of(repo, path)
    file = repo.source(path)
    names = [f"pre{name}", name, f"post{name}"] if lifecycle else [name]
    for script in names:
        if script in scripts:
            text = scripts[script] + (" " + " ".join(extra) if extra and script == name else "")
            yield path, _line_of(file, f'"{script}"', after='"scripts"'), text, cwd


def _npm(repo: RepoIndex, tool: str, args: list[str], cwd: str, model: CiModel) -> Lines:
    """The package.json script an npm/pnpm/yarn/bun command runs (``npm test``, ``npm run x``,
    ``yarn x``, ``pnpm -r test``, ``npm start test`` passing ``test`` to the start script)."""
    folder = cwd
    recursive = False
    words: list[str] = []
    it = iter(args)
    for word in it:
        if word in ("--prefix", "-C", "--dir", "--cwd"):
            folder = _join(cwd, next(it, ""))
        elif word in _NPM_VALUE_FLAGS:
            next(it, None)
        elif word in ("-r", "--recursive", "-ws", "--workspaces"):
            recursive = True
        elif word == "--" or (word.startswith("-") and not words):
            continue
        else:
            words.append(word)
    if tool == "yarn" and words[:1] == ["workspace"] and len(words) > 2:
        words = words[2:]
    if tool == "yarn" and words[:2] == ["workspaces", "foreach"]:
        recursive, words = True, [w for w in words[2:] if not w.startswith("-")]
    if not words:
        return
    command, rest = words[0], words[1:]
    lifecycle = tool == "npm"
    if command in _NPM_RUN or (tool != "npm" and command == "run"):
        if not rest:
            return
        command, rest = rest[0], rest[1:]
    elif command in _NPM_LIFECYCLE:
        command = _NPM_LIFECYCLE[command]
    elif tool == "npm" or command in _NOT_SCRIPTS:
        return
    paths = _all_packages(repo) if recursive else [p for p in [_package_json(repo, folder)] if p]
    for path in paths:
        yield from _package_script(repo, path, command, rest, posixpath.dirname(path), lifecycle)


def _all_packages(repo: RepoIndex) -> list[str]:
    """Every project package.json (a monorepo's workspaces), dependencies left out."""
    found = [p for p in repo.named("package.json") if "node_modules/" not in p]
    return sorted(found, key=lambda p: (p.count("/"), p))[:50]


def _monorepo_tasks(repo: RepoIndex, tool: str, args: list[str], cwd: str, model: CiModel) -> Lines:
    """``turbo run test``, ``lerna run test``, ``nx run-many -t test``: the script in every
    package; ``run-s lint test`` / ``npm-run-all`` the named scripts (``lint:*`` globs)."""
    words = [a for a in args if not a.startswith("-")]
    if tool in ("run-s", "run-p", "npm-run-all"):
        if path := _package_json(repo, cwd):
            scripts = _scripts_of(repo, path)
            for pattern in words:
                for name in scripts:
                    if fnmatch.fnmatchcase(name, pattern.replace(":*", ":*")):
                        yield from _package_script(repo, path, name, [], cwd, False)
        return
    if tool == "nx":
        tasks = _option_values(args, "-t", "--target", "--targets")
        tasks += [w.split(":", 1)[1] for w in words if ":" in w]
    else:
        tasks = words[1:] if words[:1] == ["run"] else words
    for path in _all_packages(repo):
        for task in tasks:
            yield from _package_script(repo, path, task, [], posixpath.dirname(path), False)


def _nps(repo: RepoIndex, args: list[str], cwd: str, model: CiModel) -> Lines:
    """nps (``nps test.unit``): the script in ``package-scripts.js`` (a plain object literal,
    read without running it) or ``package-scripts.yml``/``.json``."""
    names = ("package-scripts.js", "package-scripts.cjs", "package-scripts.yml",
             "package-scripts.yaml", "package-scripts.json")  # fmt: skip
    path = next((found for n in names if (found := _find(repo, n, cwd))), None)
    if path is None:
        return
    file = repo.source(path)
    if path.endswith((".yml", ".yaml")):
        docs = file.yaml_documents or []
        tree: Any = docs[0] if docs else None
    elif path.endswith(".json"):
        tree = file.json
    else:
        tree = _js_scripts(file.text or "")
    scripts = tree.get("scripts", tree) if isinstance(tree, dict) else None
    if not isinstance(scripts, dict):
        note = f"{path} (not a plain object literal; its scripts were not read)"
        if note not in model.unread:
            model.unread.append(note)
        return
    requested = [a.split()[0] for a in args if a.strip() and not a.startswith("-")] or ["default"]
    for name in requested:
        node: Any = scripts
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        while isinstance(node, dict):
            node = node.get("script", node.get("default"))
        line = _key_line(file, name.split("."))
        for text in _flatten(node):
            if text:
                yield path, line, text, cwd


def _key_line(file: SourceFile, keys: list[str]) -> int:
    """The line of the nested key ``keys`` in a JS/YAML object (each key searched after the
    line of the one before it)."""
    start, found = 0, 1
    for key in keys:
        pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*:""")
        for number in range(start, len(file.lines)):
            if pattern.match(file.lines[number]):
                start, found = number + 1, number + 1
                break
    return found


_JS_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|(?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`)"""
    r"""|(?P<word>[\w$.]+)|(?P<op>=>|\.\.\.|[{}()\[\],:;=])|(?P<other>.)""",
    re.DOTALL,
)


def _js_tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in _JS_TOKEN.finditer(text[:500_000]):
        kind = match.lastgroup
        if kind is not None:
            value = match.group(kind)
            out.append((kind, value[1:-1] if kind == "str" else value))
    return out


def _js_scripts(text: str) -> dict[str, Any] | None:
    """The object ``module.exports``/``export default`` is in a package-scripts.js, evaluated
    without running anything: strings, nested objects, calls of functions the file defines
    that return a string template (``tslint(path)``), and nps-utils' ``series``/
    ``concurrent``/``rimraf``/``crossEnv``. None when it is not such a literal."""
    tokens = _js_tokens(text)
    functions: dict[str, tuple[list[str], str]] = {}
    for i, (_, value) in enumerate(tokens):
        if value == "function" and i + 2 < len(tokens) and tokens[i + 2][1] == "(":
            name = tokens[i + 1][1]
            j = i + 3
            params: list[str] = []
            while j < len(tokens) and tokens[j][1] != ")":
                if tokens[j][0] == "word":
                    params.append(tokens[j][1])
                j += 1
            k = j
            while k < len(tokens) and tokens[k][1] not in ("return", "function"):
                k += 1
            if k + 1 < len(tokens) and tokens[k][1] == "return" and tokens[k + 1][0] == "str":
                functions[name] = (params, tokens[k + 1][1])
    start = None
    for i, (_, value) in enumerate(tokens):
        after = tokens[i + 1][1] if i + 2 < len(tokens) else ""
        if (value, after) in (("module.exports", "="), ("export", "default")):
            start = i + 2
    if start is None or start >= len(tokens) or tokens[start][1] != "{":
        return None
    parser = _JsValue(tokens, functions)
    value = parser.value(start)[0]
    return value if isinstance(value, dict) else None


class _JsValue:
    """A recursive-descent reader of JS literals over :func:`_js_tokens`."""

    def __init__(
        self, tokens: list[tuple[str, str]], functions: dict[str, tuple[list[str], str]]
    ) -> None:
        self.tokens = tokens
        self.functions = functions

    def value(self, i: int, depth: int = 0) -> tuple[Any, int]:
        tokens = self.tokens
        if i >= len(tokens) or depth > 30:
            return None, len(tokens)
        kind, text = tokens[i]
        if text == "{":
            out: dict[str, Any] = {}
            i += 1
            while i < len(tokens) and tokens[i][1] != "}":
                if tokens[i][1] == ",":
                    i += 1
                    continue
                key = tokens[i][1]
                if i + 1 < len(tokens) and tokens[i + 1][1] == ":":
                    out[key], i = self.value(i + 2, depth + 1)
                else:
                    i = self._skip(i)
            return out, i + 1
        if text == "[":
            items: list[Any] = []
            i += 1
            while i < len(tokens) and tokens[i][1] != "]":
                if tokens[i][1] == ",":
                    i += 1
                    continue
                item, i = self.value(i, depth + 1)
                items.append(item)
            return items, i + 1
        if kind == "str":
            return text, i + 1
        if kind == "word" and i + 1 < len(tokens) and tokens[i + 1][1] == "(":
            args: list[Any] = []
            j = i + 2
            while j < len(tokens) and tokens[j][1] != ")":
                if tokens[j][1] == ",":
                    j += 1
                    continue
                arg, j = self.value(j, depth + 1)
                args.append(arg)
            return self._call(text, args), j + 1
        return None, self._skip(i)

    def _skip(self, i: int) -> int:
        """Past one unknown expression: to the next ``,`` or closing bracket at this level."""
        level = 0
        while i < len(self.tokens):
            text = self.tokens[i][1]
            if text in ("{", "[", "("):
                level += 1
            elif text in ("}", "]", ")"):
                if level == 0:
                    return i
                level -= 1
            elif text == "," and level == 0:
                return i
            i += 1
        return i

    def _call(self, name: str, args: list[Any]) -> Any:
        strings = [s for a in args for s in _flatten(a) if isinstance(s, str)]
        if name in self.functions:
            params, template = self.functions[name]
            for param, arg in zip(params, args, strict=False):
                if isinstance(arg, str):
                    template = template.replace("${" + param + "}", arg)
            return template
        if name.endswith(".nps"):
            return [f"nps {s}" for s in strings]
        base = name.split(".")[0]
        if base == "rimraf":
            return [f"rimraf {s}" for s in strings]
        if base == "crossEnv":
            return [f"cross-env {s}" for s in strings]
        if base == "concurrent" and args and isinstance(args[0], dict):
            return [s for v in args[0].values() for s in _flatten(v)]
        return strings


# --- flask click commands --------------------------------------------------------------------


def _flask(repo: RepoIndex, args: list[str], cwd: str) -> Lines:
    """``flask <name>``: the body of the click command of that name the project defines
    (``@click.command()`` / ``@app.cli.command("name")``), read with :mod:`ast`."""
    words = [a for a in args if not a.startswith("-")]
    if "--app" in args or "-A" in args:
        words = words[1:]
    if not words or words[0] in ("run", "shell", "routes", "db"):
        return
    wanted = words[0]
    function_name = wanted.replace("-", "_")
    for path in repo.of_kind("python")[:5000]:
        file = repo.source(path)
        text = file.text or ""
        if "command" not in text or (
            f"def {function_name}(" not in text
            and f'"{wanted}"' not in text
            and f"'{wanted}'" not in text
        ):
            continue
        tree = file.python_ast
        for node in ast.walk(tree) if tree is not None else []:
            if isinstance(node, ast.FunctionDef) and _click_name(node) == wanted:
                end = min(node.end_lineno or node.lineno, node.lineno + 200)
                for number in range(node.body[0].lineno, end + 1):
                    line = file.line_text(number).strip()
                    if line and not line.startswith("#"):
                        yield path, number, line, cwd
                return


def _click_name(node: ast.FunctionDef) -> str | None:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name != "command":
            continue
        if isinstance(decorator, ast.Call):
            for arg in decorator.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    return arg.value
            for kw in decorator.keywords:
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    return str(kw.value.value)
        return node.name.replace("_", "-")
    return None


def _line_of(file: SourceFile, needle: str, after: str | None = None) -> int:
    """First line containing ``needle`` at or after the first line containing ``after``; else the
    first line containing ``needle``; else 1."""
    lines = file.lines
    start = 0
    if after is not None:
        start = next((i for i, raw in enumerate(lines) if after in raw), 0)
    for number in range(start, len(lines)):
        if needle in lines[number]:
            return number + 1
    for number, raw in enumerate(lines, start=1):
        if needle in raw:
            return number
    return 1
