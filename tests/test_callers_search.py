"""Who-calls' search stops looking up callers that cannot change its answer (a name also named
at module level is not command-line only, whatever calls it). Its answer must be the one a
search of every caller gives: checked against that search on generated call graphs."""

from __future__ import annotations

import random
from collections import deque
from pathlib import Path

import pytest

from charter.analyzers.python.callers import (
    MAX_NAMES,
    Callers,
    Place,
    reached_only_from_terminals,
)
from charter.repo import RepoIndex


def _every_caller(callers: Callers, names: set[str]) -> set[str]:
    """The search without pruning: every caller of every name reached is looked up, and the
    same answer drawn from them."""
    refs: dict[str, list[Place]] = {}
    queue = deque(sorted(names))
    unknown: set[str] = set()
    while queue:
        name = queue.popleft()
        if name in refs or name in unknown:
            continue
        if len(refs) >= MAX_NAMES:
            unknown.add(name)
            continue
        refs[name] = callers.places(name)
        for function, terminal in refs[name]:
            if not terminal and function is not None and function not in refs:
                queue.append(function)
    return reached_only_from_terminals(refs, callers.roots) & names


def _graph(root: Path, seed: int) -> tuple[list[str], list[str]]:
    """Functions ``f0``.. in a few modules, some of them management commands, calling each
    other at random, some also named at module level or under a ``__main__`` guard."""
    rng = random.Random(seed)
    count = rng.randint(4, 18)
    functions = [f"f{i}" for i in range(count)]
    modules = [f"app/m{i}.py" for i in range(rng.randint(2, 5))]
    modules += [f"app/management/commands/c{i}.py" for i in range(rng.randint(1, 2))]
    bodies: dict[str, list[str]] = {m: [] for m in modules}
    for name in functions:
        module = rng.choice(modules)
        calls = rng.sample(functions, rng.randint(0, 3))
        lines = [f"    {callee}()" for callee in calls] or ["    pass"]
        bodies[module].append(f"def {name}():\n" + "\n".join(lines) + "\n")
        if rng.random() < 0.15:  # a module-level use, in some module
            bodies[rng.choice(modules)].append(f"VALUE_{name} = {name}()\n")
        if rng.random() < 0.15:
            bodies[rng.choice(modules)].append(f'if __name__ == "__main__":\n    {name}()\n')
    files = []
    for module, parts in bodies.items():
        path = root / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n\n".join(parts) or "\n", encoding="utf-8")
        files.append(module)
    return files, functions


@pytest.mark.parametrize("seed", range(60))
def test_the_pruned_search_answers_as_a_search_of_every_caller(
    tmp_path: Path, seed: int
) -> None:
    files, functions = _graph(tmp_path, seed)

    def terminal(path: str) -> bool:
        return "/management/commands/" in f"/{path}"

    rng = random.Random(seed + 1000)
    for _ in range(4):
        asked = set(rng.sample(functions, rng.randint(1, len(functions))))
        expected = _every_caller(Callers(RepoIndex(tmp_path, files), terminal), asked)
        got = Callers(RepoIndex(tmp_path, files), terminal).command_line_only(asked)
        assert got == expected, (seed, sorted(asked))


def test_only_the_names_asked_are_answered(tmp_path: Path) -> None:
    """A helper reached only from a command is command-line only, and is not in the answer
    when it was not asked about; a function also called at module level never is."""
    (tmp_path / "app/management/commands").mkdir(parents=True)
    (tmp_path / "app/jobs.py").write_text(
        "def helper():\n    pass\n\n\ndef sync():\n    helper()\n\n\ndef shared():\n    pass\n\n\n"
        "TOTAL = shared()\n",
        encoding="utf-8",
    )
    (tmp_path / "app/management/commands/run.py").write_text(
        "from app.jobs import sync, shared\n\n\ndef handle():\n    sync()\n    shared()\n",
        encoding="utf-8",
    )
    files = ["app/jobs.py", "app/management/commands/run.py"]

    def terminal(path: str) -> bool:
        return "/management/commands/" in path

    callers = Callers(RepoIndex(tmp_path, files), terminal)
    assert callers.command_line_only({"helper", "shared"}) == {"helper"}
    callers = Callers(RepoIndex(tmp_path, files), terminal)
    assert callers.command_line_only({"sync"}) == {"sync"}
