"""What the container rules share about images: a Dockerfile's stages, the image a stage starts
from (build ARGs resolved), whether that image is built in this repository, and which files
are for development, tests or CI only.

A Dockerfile is facts from its parse (file phase, :func:`dockerfile_model`); the repo phase
asks :class:`Images` what a stage inherits: from an earlier stage (``FROM build``), from an
image another Dockerfile of the repository builds (``FROM myorg/app:1``), or from an image
built elsewhere (``FROM grafana/grafana``), whose own user and health check it runs.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from charter.analyzers.repo.project import ini_parse
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: path, stage and service name words that mark development-only things
DEV_WORDS = frozenset({"dev", "devel", "develop", "development", "local", "debug"})
#: ... test and CI-only things
TEST_WORDS = frozenset(
    {"test", "tests", "testing", "e2e", "ci", "github", "gitlab", "circleci", "buildkite"}
)
#: folder and file words of local clusters (kind, minikube, k3d) used for development
CLUSTER_DEV_WORDS = frozenset({"kind", "minikube", "k3d", "tilt"})
#: values of ``NODE_ENV``-style settings that mean a development build
DEV_MODES = frozenset({"dev", "develop", "development", "local"})
#: test runners: an image whose command runs one is a test image
TEST_RUNNERS = frozenset({"tox", "nox", "pytest", "behave", "jest", "vitest", "mocha"})
TEST_COMMAND = re.compile(r"\b(?:go|npm|yarn|pnpm|cargo|mvn|gradle)\W+(?:run\W+)?test\b")
#: tools that start as root and drop to another user for the service (entrypoint scripts)
PRIVILEGE_DROP = re.compile(
    r"\b(?:gosu|su-exec|s6-setuidgid|s6-applyuidgid|setpriv|chpst|runuser|setuser)\b"
    r"|s6-overlay"
)
#: commands that run a development server (hot reload, Django's runserver, nodemon)
DEV_COMMAND = re.compile(r"--reload\b|\brunserver\b|\bnodemon\b|\bstart:dev\b|\brun dev\b")
#: code files whose folder, mounted into a container, means it runs the checked-out source
CODE_SUFFIXES = (
    ".py",
    ".go",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".rs",
    ".rb",
    ".php",
    ".java",
    ".kt",
    ".cs",
    ".ex",
    ".exs",
)
_WORD = re.compile(r"[a-z0-9]+")
_ARG = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def words(text: str) -> set[str]:
    """The lower-case words of a name or path (``docker-compose.dev.yml`` -> dev, yml, ...)."""
    return set(_WORD.findall(text.lower()))


def dev_or_test_path(path: str) -> str | None:
    """``"development"`` or ``"test/CI"`` when a folder or the file name says the file is for
    development, tests or CI only (``Dockerfile.dev``, ``docker-compose.ci.yaml``,
    ``testing-docker-compose.yml``, ``k8s/dev/``, ``.ci/``); None otherwise."""
    found = words(path)
    if found & DEV_WORDS or found & CLUSTER_DEV_WORDS:
        return "development"
    if found & TEST_WORDS:
        return "test/CI"
    return None


def dev_name(name: str) -> bool:
    """A stage, target or service named for development (``dev``, ``dev-envs``, ``debug``)."""
    return bool(words(name) & DEV_WORDS)


def dev_command(text: str) -> bool:
    """A command that runs a development server or a ``*.dev.sh``/``dev`` script."""
    without_devices = re.sub(r"/dev/\w+", " ", text)
    return bool(DEV_COMMAND.search(without_devices) or words(without_devices) & {"dev"})


def resolve(value: str, args: dict[str, str]) -> str:
    """``value`` with ``$NAME``/``${NAME}``/``${NAME:-default}`` replaced from the Dockerfile's
    ARG defaults; an ARG without a default stays a ``$`` reference."""

    def sub(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, alt = match.group(2), match.group(3)
        found = args.get(name)
        if op and op.endswith("-") and not found:
            return alt or ""
        if op and op.endswith("+"):
            return (alt or "") if found else ""
        return found if found is not None else match.group(0)

    for _ in range(3):  # ARG defaults may refer to earlier ARGs
        new = _ARG.sub(sub, value)
        if new == value:
            break
        value = new
    return value


# --- Dockerfile ---------------------------------------------------------------------------------


def _arg(value: str) -> tuple[str, str] | None:
    name, sep, default = value.strip().partition("=")
    name = name.strip()
    if not name or not sep:
        return None
    return name, default.strip().strip("'\"")


_ENV_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:=|\s+)(\"[^\"]*\"|'[^']*'|\S+)")


def _env_mode(value: str) -> str | None:
    """The last ``*_ENV``/``*ENVIRONMENT`` setting of an ENV instruction (``NODE_ENV=production``),
    as ``KEY=value``; None when it sets none."""
    pairs = _ENV_PAIR.findall(value) if "=" in value else [tuple(value.split(None, 1))]
    found = None
    for pair in pairs:
        if len(pair) != 2:
            continue
        key, val = pair[0], pair[1].strip("'\"").lower()
        if re.search(r"(?:^|_)ENV(?:IRONMENT)?$", key.upper()):
            found = f"{key}={val}"
    return found


def _is_dev_mode(setting: str | None) -> bool:
    return bool(setting) and str(setting).rsplit("=", 1)[-1] in DEV_MODES


#: a RUN that installs packages (apt-get/apt/apk/dnf/yum/pip/npm/gem/cargo install, apk add)
_INSTALL = re.compile(r"\b(?:install|apk\s+add)\b")


def _copy_sources(value: str) -> list[str]:
    """The build-context sources of a COPY/ADD (none for ``--from=``: another stage)."""
    if "--from" in value:
        return []
    text = value.strip()
    if text.startswith("["):
        try:
            items = [str(i) for i in json.loads(text)]
        except ValueError:
            items = text.strip("[]").replace('"', " ").replace(",", " ").split()
    else:
        items = [w for w in text.split() if not w.startswith("--")]
    return items[:-1]


def dockerfile_model(instructions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The stages of a Dockerfile, each with its FROM (line, image, alias), the last
    ``HEALTHCHECK``, ``USER``, ``CMD``/``ENTRYPOINT`` and ``WORKDIR``, and whether it installs or
    calls a tool that drops root privileges; plus the global ARG defaults FROM lines use."""
    args: dict[str, str] = {}
    stages: list[dict[str, Any]] = []
    for ins in instructions:
        name = str(ins.get("instruction", "")).upper()
        value = str(ins.get("value", "")).strip()
        line = int(ins.get("startline", 0)) + 1
        if name == "ARG":
            parsed = _arg(value)
            if parsed and not stages:
                args[parsed[0]] = parsed[1]
            continue
        if name == "FROM":
            parts = [w for w in value.split() if not w.startswith("--")]
            image = parts[0] if parts else ""
            alias = parts[2] if len(parts) >= 3 and parts[1].lower() == "as" else ""
            stages.append(
                {
                    "line": line,
                    "image": image,
                    "alias": alias,
                    "healthcheck": None,
                    "user": None,
                    "cmd": None,
                    "workdir": None,
                    "drops": False,
                    "env_mode": None,
                    "copies": [],
                    "copied": False,
                    "installs": [],
                    "expose": [],
                    "entrypoint": None,
                }
            )
            continue
        if not stages:
            continue
        stage = stages[-1]
        if PRIVILEGE_DROP.search(value):
            stage["drops"] = True
        if name == "HEALTHCHECK":
            from charter.analyzers.health.manifests import url_paths

            none = value.upper() == "NONE"
            stage["healthcheck"] = {
                "line": line,
                "none": none,
                "paths": [] if none else url_paths(value),
                "command": value,
            }
        elif name == "USER":
            stage["user"] = {"value": value, "line": line}
        elif name in {"CMD", "ENTRYPOINT"}:
            stage["cmd"] = {"line": line, "text": value}
            if name == "ENTRYPOINT":
                stage["entrypoint"] = {"line": line, "text": value}
        elif name == "WORKDIR":
            previous = stage["workdir"] or "/"
            stage["workdir"] = posixpath.normpath(posixpath.join(previous, value))
        elif name == "ENV":
            stage["env_mode"] = _env_mode(value) or stage["env_mode"]
        elif name in {"COPY", "ADD"}:
            stage["copies"].extend(_copy_sources(value))
            stage["copied"] = True
        elif name == "RUN" and _INSTALL.search(value):
            # the words of a package-manager install (``apt-get install -y jq``): what it adds
            words = (re.split(r"[=<>@~]", w)[0] for w in value.split() if not w.startswith("-"))
            stage["installs"].extend(w for w in words if w)
        elif name == "EXPOSE":
            stage["expose"].extend(value.split())
    if not stages:
        return None
    return {"args": args, "stages": stages}


def chain(stages: list[dict[str, Any]], index: int = -1) -> list[dict[str, Any]]:
    """The stage at ``index`` and the earlier stages it is built ``FROM``, nearest first."""
    start = stages[index]
    position = stages.index(start)
    by_alias: dict[str, int] = {}
    out = [start]
    for i, stage in enumerate(stages[:position]):
        if stage["alias"]:
            by_alias[stage["alias"].lower()] = i
    current = start
    while True:
        parent = by_alias.get(current["image"].lower())
        if parent is None or stages[parent] in out:
            return out
        current = stages[parent]
        out.append(current)
        # only the stages before the parent are visible to it
        by_alias = {k: v for k, v in by_alias.items() if v < parent}


def first(stages: list[dict[str, Any]], key: str) -> Any:
    """The nearest value of ``key`` along a chain (a stage inherits its parent's)."""
    return next((s[key] for s in stages if s[key]), None)


def stage_index(stages: list[dict[str, Any]], target: str | None) -> int:
    """The index of the stage a build ``target:`` names (the final stage without one)."""
    if target:
        for i, stage in enumerate(stages):
            if stage["alias"].lower() == target.lower():
                return i
    return len(stages) - 1


def split_image(ref: str) -> tuple[str, list[str], str]:
    """(registry, path segments, tag) of an image reference, lower-cased."""
    ref = ref.lower().split("@", 1)[0]
    head, _, last = ref.rpartition("/")
    tag = ""
    if ":" in last:
        last, tag = last.split(":", 1)
    parts = [*head.split("/"), last] if head else [last]
    registry = ""
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts.pop(0)
    return registry, parts, tag


_SHELL = re.compile(r"(?:^|[\s\"'\[/])(?:sh|bash|ash|dash)\b")


def shell_less(ref: str, command: str = "") -> bool:
    """``scratch`` and distroless images have no shell and no HTTP client (unless the image's
    command runs a shell: a ``FROM scratch`` stage that copies a whole file system in)."""
    _, parts, _ = split_image(ref)
    bare = ref.lower() == "scratch" or any("distroless" in p for p in parts)
    return bare and not _SHELL.search(command)


def unresolved(ref: str) -> bool:
    """An image whose name (not only its tag) is a build ARG without a default."""
    _, parts, _ = split_image(ref)
    return any("$" in p for p in parts)


def non_root_image(ref: str) -> bool:
    """A base image whose name or tag says it runs as a non-root user."""
    low = ref.lower()
    return any(m in low for m in ("nonroot", "non-root", "rootless", "unprivileged"))


def _norm(name: str) -> str:
    return name.lower().replace("_", "-")


# --- the images of this repository -------------------------------------------------------------


class Images:
    """The images this repository builds: the names its projects go by (``pyproject.toml``,
    ``package.json``, ``go.mod``, ``Cargo.toml``), the images compose files build and tag, and
    its Dockerfiles, so that ``FROM``/``image:`` references can be told apart: built here, or
    built elsewhere (a vendor's image, which runs its own user and health check)."""

    def __init__(
        self,
        repo: RepoIndex,
        dockerfiles: dict[str, dict[str, Any]],
        built: Iterable[tuple[str, str]] = (),
        contexts: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.repo = repo
        self.dockerfiles = dockerfiles
        #: Dockerfile -> the build contexts it is built with (compose), besides its own folder
        #: and the repository root
        self.contexts: dict[str, set[str]] = {}
        for dockerfile, context in contexts:
            self.contexts.setdefault(dockerfile, set()).add(context)
        self._ships: dict[str, bool] = {}
        #: image name (no tag) -> the Dockerfile a compose service builds it from
        self.built: dict[str, str] = {}
        for image, dockerfile in built:
            _, parts, _ = split_image(image)
            if "$" not in image:
                self.built.setdefault("/".join(parts), dockerfile)
        self.names: set[str] = set()
        #: project name -> its folder ("" for the root)
        self.projects: dict[str, str] = {}
        for rel, names in _project_names(repo):
            for name in names:
                self.names.add(_norm(name))
                self.projects.setdefault(_norm(name), str(PurePosixPath(rel).parent))

    def owner(self, ref: str) -> str | None:
        """For an image built in this repository, the Dockerfile that builds it (``""`` when
        that Dockerfile cannot be told); None for an image built elsewhere or unknown."""
        if "$" in ref:
            return None
        registry, parts, tag = split_image(ref)
        name = "/".join(parts)
        if name in self.built:
            return self.built[name]
        own = registry == "localhost" or any(_norm(p) in self.names for p in parts)
        if not own:
            return None
        last = _norm(parts[-1])
        for name in (last, _norm(tag)):
            by_name = [p for p in sorted(self.dockerfiles) if name and name in _dockerfile_names(p)]
            if len(by_name) == 1:
                return by_name[0]
        for part in (last, *(_norm(p) for p in parts)):
            folder = self.projects.get(part)
            if folder is not None:
                root = "Dockerfile" if folder in ("", ".") else f"{folder}/Dockerfile"
                if root in self.dockerfiles:
                    return root
        return ""

    def ships_code(self, path: str) -> bool:
        """Whether the Dockerfile copies in code of this repository (build context: its own
        folder, the repository root, or what compose builds it with)."""
        if path not in self._ships:
            folder = str(PurePosixPath(path).parent)
            contexts = {folder, "."} | self.contexts.get(path, set())
            model = self.dockerfiles[path]
            self._ships[path] = any(ships_code(self.repo, model, c) for c in sorted(contexts))
        return self._ships[path]

    def third_party(self, ref: str | None) -> bool:
        """An image from another owner: a registry or organisation path this repository's
        names do not match (``grafana/grafana``, ``quay.io/coreos/etcd``). A bare name
        (``api:1``, a kustomize placeholder) or a templated one is not judged third-party."""
        if not ref or "{{" in ref or "$" in ref:
            return False
        registry, parts, _ = split_image(ref)
        if registry == "localhost" or (len(parts) < 2 and not registry):
            return False
        return self.owner(ref) is None


def _dockerfile_names(path: str) -> set[str]:
    """The names a Dockerfile's path gives its image: its folder (``docker/api/Dockerfile``)
    and the other words of its file name (``api.Dockerfile``, ``Dockerfile.api``)."""
    pure = PurePosixPath(path)
    names = {_norm(w) for w in pure.name.lower().split(".")} - {"dockerfile"}
    return names | {_norm(pure.parent.name)} - {""}


def _setup_py_name(source: SourceFile) -> list[str]:
    """The literal ``name=`` of a setup script's ``setup()`` call."""
    tree = source.python_ast
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if called != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                value = keyword.value.value
                return [value] if isinstance(value, str) and value else []
    return []


def _project_names(repo: RepoIndex) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for rel in repo.files:
        name = rel.rsplit("/", 1)[-1]
        if name not in {
            "pyproject.toml",
            "package.json",
            "go.mod",
            "Cargo.toml",
            "setup.py",
            "setup.cfg",
        }:
            continue
        found: list[str] = []
        source = repo.source(rel)
        if name == "setup.py":
            found.extend(_setup_py_name(source))
        elif name == "setup.cfg":
            parser = ini_parse(source)
            if parser is not None and parser.has_option("metadata", "name"):
                found.append(parser.get("metadata", "name").strip())
        elif name == "pyproject.toml":
            data = source.toml or {}
            project = data.get("project")
            tool = data.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            for table in (project, poetry):
                if isinstance(table, dict) and isinstance(table.get("name"), str):
                    found.append(table["name"])
        elif name == "Cargo.toml":
            package = (source.toml or {}).get("package")
            if isinstance(package, dict) and isinstance(package.get("name"), str):
                found.append(package["name"])
        elif name == "package.json":
            try:
                data = json.loads(source.text or "{}")
            except ValueError:
                continue
            if isinstance(data, dict) and isinstance(data.get("name"), str):
                found.extend(p for p in data["name"].lstrip("@").split("/") if p)
        else:  # go.mod: the module path's organisation and name
            match = re.search(r"^module\s+(\S+)", source.text or "", re.M)
            if match:
                segments = [s for s in match.group(1).strip("\"'").split("/") if s]
                if segments and re.fullmatch(r"v\d+", segments[-1]):
                    segments.pop()
                found.extend(s for s in segments[-2:] if "." not in s)
        out.append((rel, found))
    return out


# --- compose ------------------------------------------------------------------------------------


def _code_folders(repo: RepoIndex) -> frozenset[str]:
    """Every folder of the repository (``.`` for the root) that holds code, at any depth."""

    def compute() -> frozenset[str]:
        out: set[str] = set()
        for rel in repo.files:
            if rel.endswith(CODE_SUFFIXES):
                parts = rel.split("/")[:-1]
                out.add(".")
                out.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        return frozenset(out)

    return repo.derived("containers.code_folders", compute)


def holds_code(repo: RepoIndex, path: str) -> bool:
    """Whether a repository path is a code file or a folder with code in it."""
    path = posixpath.normpath(path)
    return path.endswith(CODE_SUFFIXES) or path in _code_folders(repo)


def runs_mounted_source(repo: RepoIndex, mounts: list[str]) -> str | None:
    """The first bind-mounted folder of this repository that holds source code: a container
    that runs the checked-out code (hot reload) is a development container."""
    for host in mounts:
        if not host.startswith("..") and holds_code(repo, host or "."):
            return host or "."
    return None


# --- what an image inherits ---------------------------------------------------------------------


class Inherited:
    """What a Dockerfile stage has for ``healthcheck`` or ``user``, looked up along its
    ``FROM`` chain and through the images this repository builds.

    ``kind`` is ``set`` (``value`` found in ``where``), ``skip`` (not this repository's to
    judge: ``reason``), ``parent`` (missing in the image of this repository it is built FROM,
    which runs a service itself: that Dockerfile, ``where``, is the one to fix) or ``missing``
    (missing here; ``base`` is the image the chain starts from).
    """

    def __init__(
        self,
        kind: str,
        *,
        value: Any = None,
        where: str = "",
        reason: str = "",
        base: str = "",
        command: str = "",
    ) -> None:
        self.kind = kind
        self.value = value
        self.where = where
        self.reason = reason
        self.base = base
        #: the CMD/ENTRYPOINT the stage runs ("" when it runs its base image's)
        self.command = command

    @property
    def shell_less(self) -> bool:
        """Missing in an image with no shell and no HTTP client to run a health command."""
        return self.kind == "missing" and shell_less(self.base, self.command)


def inherited(images: Images, path: str, key: str, index: int = -1, depth: int = 0) -> Inherited:
    """``key`` (``healthcheck`` or ``user``) of stage ``index`` of the Dockerfile at ``path``
    (see :class:`Inherited`). Set along the stage's ``FROM`` chain, or in the image of this
    repository it is built FROM; else it depends on the base image. A stage that runs a
    command of its own needs its own HEALTHCHECK whatever its base. A stage that runs the
    program of a base image built elsewhere (no command of its own, no code of this
    repository copied in: ``FROM grafana/grafana`` plus dashboards) has that image's user and
    health check; so does one whose base is a build ARG without a default, or an image of its
    project built elsewhere (the user)."""
    model = images.dockerfiles[path]
    stages = model["stages"]
    found = chain(stages, index)
    value = first(found, key)
    if value:
        return Inherited("set", value=value, where=path)
    base = resolve(found[-1]["image"], model.get("args", {}))
    cmd = first(found, "cmd")
    command = cmd["text"] if cmd else ""
    owner = None if unresolved(base) else images.owner(base)
    if owner and owner in images.dockerfiles and owner != path and depth <= 3:
        parent = inherited(images, owner, key, -1, depth + 1)
        if parent.kind in {"set", "skip"}:
            return parent
        if parent.kind == "parent" or first(chain(images.dockerfiles[owner]["stages"]), "cmd"):
            return Inherited("parent", where=parent.where if parent.kind == "parent" else owner)
        return Inherited("missing", base=base, command=command)
    if key == "healthcheck" and command:
        return Inherited("missing", base=base, command=command)
    if unresolved(base):
        return Inherited("skip", reason=f"its base image ({base}) is chosen at build time")
    if owner is not None:
        return Inherited("skip", reason=f"it is built FROM {base}, an image of its project")
    registry, parts, _ = split_image(base)
    vendor = base.lower() != "scratch" and (bool(registry) or len(parts) > 1)
    if vendor and not command and not images.ships_code(path):
        return Inherited(
            "skip",
            reason=f"it runs the program of its base image {base}, built elsewhere",
        )
    return Inherited("missing", base=base, command=command)


def exposed(images: Images, path: str, index: int = -1, depth: int = 0) -> list[str]:
    """The ports stage ``index`` of the Dockerfile at ``path`` declares with ``EXPOSE``, along
    its ``FROM`` chain and through the images of this repository it is built FROM."""
    model = images.dockerfiles[path]
    found = chain(model["stages"], index)
    ports = [p for stage in found for p in stage.get("expose", [])]
    if ports or depth > 3:
        return ports
    base = resolve(found[-1]["image"], model.get("args", {}))
    owner = None if unresolved(base) else images.owner(base)
    if owner and owner in images.dockerfiles and owner != path:
        return exposed(images, owner, -1, depth + 1)
    return []


def copies(dockerfiles: dict[str, dict[str, Any]], paths: Iterable[str]) -> dict[str, list[str]]:
    """Among ``paths``, the Dockerfiles that are copies of one image: in the same folder, with
    final stages FROM the same image that run the same command (a ``Dockerfile`` for local
    builds beside a ``buildx.Dockerfile`` for the release). The first of each group (by path)
    -> the others; a Dockerfile with no copy is not listed."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for path in sorted(paths):
        model = dockerfiles[path]
        found = chain(model["stages"])
        command = first(found, "cmd")
        if not command:
            continue
        base = resolve(found[-1]["image"], model.get("args", {})).lower()
        key = (str(PurePosixPath(path).parent), base, " ".join(command["text"].split()))
        groups.setdefault(key, []).append(path)
    return {group[0]: group[1:] for group in groups.values() if len(group) > 1}


def base_images(images: Images) -> set[str]:
    """The Dockerfiles whose image other Dockerfiles of this repository build FROM and that
    run no program of their own (no CMD or ENTRYPOINT): base images, not services."""
    out: set[str] = set()
    for model in images.dockerfiles.values():
        for stage in model["stages"]:
            owner = images.owner(resolve(stage["image"], model.get("args", {})))
            if owner:
                out.add(owner)
    return {p for p in out if p in images.dockerfiles and not _runs(images.dockerfiles[p])}


def _runs(model: dict[str, Any]) -> bool:
    return first(chain(model["stages"]), "cmd") is not None


def development_image(path: str, model: dict[str, Any]) -> str | None:
    """Why a Dockerfile builds a development or test image: its path (``Dockerfile.dev``,
    ``e2e.Dockerfile``, ``docker/development/``), its final stage's name (``dev``,
    ``dev-envs``) or its command (a ``*.dev.sh`` script, ``--reload``, ``runserver``)."""
    why = dev_or_test_path(path)
    if why:
        return f"a {why} Dockerfile"
    stages = model["stages"]
    if stages[-1]["alias"] and dev_name(stages[-1]["alias"]):
        return f"its final stage `{stages[-1]['alias']}` is a development stage"
    found = chain(stages)
    command = first(found, "cmd")
    if command and dev_command(command["text"]):
        return f"its command ({command['text'][:60]}) runs a development server"
    if command and (words(command["text"]) & TEST_RUNNERS or TEST_COMMAND.search(command["text"])):
        return f"its command ({command['text'][:60]}) runs tests"
    env = first(found, "env_mode")
    if _is_dev_mode(env):
        return f"it sets {env}"
    return None


def ships_code(repo: RepoIndex, model: dict[str, Any], context: str) -> bool:
    """Whether the image copies in any of this repository's code from its build context (a
    folder or file of Python, Go, JavaScript ... code; ``COPY . .``; a glob)."""
    for stage in model["stages"]:
        for source in stage.get("copies", []):
            if source in {".", "./"} or "*" in source or "$" in source:
                return True
            path = posixpath.normpath(posixpath.join(context, source))
            if not path.startswith("..") and holds_code(repo, path):
                return True
    return False
