"""Compose stacks, shared by the container rules: compose files merged as ``docker compose``
merges them, which stacks are for development, tests or CI, and the Dockerfiles only such
stacks build."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from charter.analyzers.containers.images import (
    dev_name,
    dev_or_test_path,
    development_image,
    runs_mounted_source,
    ships_code,
)
from charter.repo import RepoIndex

Stack = tuple[list[str], list[tuple[str, dict[str, Any]]]]

#: the file names ``docker compose`` reads by default, and the override each one merges
COMPOSE_OVERRIDES = {
    "compose.yaml": ("compose.override.yaml", "compose.override.yml"),
    "compose.yml": ("compose.override.yml", "compose.override.yaml"),
    "docker-compose.yaml": ("docker-compose.override.yaml", "docker-compose.override.yml"),
    "docker-compose.yml": ("docker-compose.override.yml", "docker-compose.override.yaml"),
}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A service as compose merges an override into it: the override's keys win, ``ports``,
    ``expose`` and ``volumes`` add up."""
    merged = dict(base)
    if over["build"]:
        merged.update(
            build=True,
            dockerfile=over["dockerfile"],
            context=over.get("context"),
            target=over["target"],
        )
    for key in ("image", "working_dir", "command"):
        if over[key]:
            merged[key] = over[key]
    if over["healthcheck"] is not None:
        merged["healthcheck"] = over["healthcheck"]
    merged["ports"] = base["ports"] or over["ports"]
    merged["mounts"] = [*base["mounts"], *over["mounts"]]
    return merged


def compose_stacks(
    facts: list[tuple[str, dict[str, Any]]],
) -> list[tuple[list[str], list[tuple[str, dict[str, Any]]]]]:
    """The compose stacks of the repository as ``docker compose up`` reads them: a
    ``compose.yaml``/``docker-compose.yml`` with its override file of the same folder merged
    over it; every other compose file (``docker-compose.prod.yml`` ...) a stack of its own.
    Each stack: its files and its services as (the file that declares it, merged service)."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path, svc in facts:
        check = svc["healthcheck"]
        by_file[path].append(
            {**svc, "healthcheck": {**check, "file": path} if check is not None else None}
        )
    used: set[str] = set()
    stacks: list[tuple[list[str], list[tuple[str, dict[str, Any]]]]] = []
    for path in sorted(by_file):
        folder, _, name = path.rpartition("/")
        overrides = COMPOSE_OVERRIDES.get(name.lower())
        if overrides is None:
            continue
        candidates = [f"{folder}/{o}" if folder else o for o in overrides]
        override = next((o for o in candidates if o in by_file), None)
        services = {svc["service"]: (path, svc) for svc in by_file[path]}
        files = [path]
        used.add(path)
        if override is not None and override not in used:
            used.add(override)
            files.append(override)
            for svc in by_file[override]:
                if svc["service"] in services:
                    where, base = services[svc["service"]]
                    services[svc["service"]] = (where, _merge(base, svc))
                else:
                    services[svc["service"]] = (override, svc)
        stacks.append((files, list(services.values())))
    for path in sorted(by_file):
        if path not in used:
            stacks.append(([path], [(path, svc) for svc in by_file[path]]))
    return stacks


def service_dev_reason(
    svc: dict[str, Any], dockerfiles: dict[str, dict[str, Any]], *, by_name: bool = True
) -> str | None:
    """Why a service runs a development image: its name (with ``by_name``), the stage it
    targets, or the Dockerfile it builds (a development Dockerfile, stage, command or
    environment)."""
    if by_name and dev_name(svc["service"]):
        return f"service `{svc['service']}` is named for development"
    if not svc["build"]:
        return None
    if svc["target"]:
        if dev_name(svc["target"]):
            return f"service `{svc['service']}` builds the development stage `{svc['target']}`"
        return None
    dockerfile = svc["dockerfile"] or ""
    why = dev_or_test_path(dockerfile)
    if why:
        return f"service `{svc['service']}` builds the {why} image {dockerfile}"
    model = dockerfiles.get(dockerfile)
    why = development_image(dockerfile, model) if model else None
    if why:
        return f"service `{svc['service']}` builds {dockerfile}: {why}"
    return None


def stack_dev_reason(
    repo: RepoIndex, stack: Stack, dockerfiles: dict[str, dict[str, Any]]
) -> str | None:
    """Why a compose stack is for development, tests or CI only: a file name or folder says
    so (``docker-compose.dev.yml``, ``.ci/compose.yaml``, ``testing-docker-compose.yml``), a
    service runs the repository's source mounted into it (hot reload), or a service builds a
    development image."""
    files, services = stack
    why = next((w for w in map(dev_or_test_path, files) if w), None)
    if why:
        return f"a {why} compose file"
    for _, svc in services:
        mounted = runs_mounted_source(repo, svc["mounts"])
        if mounted:
            name = svc["service"]
            return f"a development stack: service `{name}` runs the source mounted from {mounted}"
    for _, svc in services:
        reason = service_dev_reason(svc, dockerfiles, by_name=False)
        if reason:
            return f"a development stack: {reason}"
    return None


def development_tool_images(
    repo: RepoIndex, stacks: list[Stack], dockerfiles: dict[str, dict[str, Any]]
) -> dict[str, str]:
    """Dockerfiles that only development, test or CI stacks build and that copy in none of
    the repository's code (the code is mounted, or the image packages a development tool
    such as an emulator or a mail catcher): path -> why."""
    built_by: dict[str, list[tuple[bool, str]]] = defaultdict(list)
    for stack in stacks:
        dev = stack_dev_reason(repo, stack, dockerfiles) is not None
        for _, svc in stack[1]:
            path = svc["dockerfile"]
            if svc["build"] and path in dockerfiles:
                built_by[path].append((dev, svc.get("context") or "."))
    out: dict[str, str] = {}
    for path, uses in built_by.items():
        if all(dev for dev, _ in uses) and not any(
            ships_code(repo, dockerfiles[path], context) for _, context in uses
        ):
            out[path] = (
                "an image of development tools that only development, test or CI compose "
                "stacks build (it copies in none of the repository's code)"
            )
    return out
