"""The repository index that repo-level analyzers read: files by kind, parsed config, facts."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from charter.sources import DEFAULT_MAX_FILE_BYTES, SourceFile

if TYPE_CHECKING:
    from charter.analyzers.base import Analyzer

_T = TypeVar("_T")

#: how many files a repository phase keeps parsed at once (the most recently asked for); the
#: others are parsed again if asked again. Bounds memory on big trees: the repository rules
#: that read code (who calls a function, the service's entry points) read every Python file,
#: and an ``ast`` tree is 20-30 times the size of its text.
HELD_FILES = 8
#: how many files it keeps read (bytes and text): the others are read again if asked again
HELD_TEXTS = 256


class RepoIndex:
    """Every discovered file of the target, each read lazily and at most once."""

    def __init__(
        self,
        root: Path,
        files: Iterable[str],
        *,
        max_bytes: int = DEFAULT_MAX_FILE_BYTES,
        facts: Mapping[str, Mapping[str, list[Any]]] | None = None,
        classes: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.files: list[str] = sorted(files)
        self._file_set = frozenset(self.files)
        self.max_bytes = max_bytes
        self._sources: dict[str, SourceFile] = {}
        #: the files most recently handed out, oldest first: beyond :data:`HELD_FILES`, the
        #: oldest one's parsed forms are released, beyond :data:`HELD_TEXTS` its text too
        self._parsed: OrderedDict[str, None] = OrderedDict()
        self._read: OrderedDict[str, None] = OrderedDict()
        self._facts: Mapping[str, Mapping[str, list[Any]]] = facts or {}
        #: values derived from facts alone, shared by the rules that ask (see :meth:`derived`)
        self._derived: dict[object, Any] = {}
        #: derived values of every view of this index, with what computing each read and asked
        #: (``charter.runner``): another view whose answers are the same takes the value
        self._shared: dict[object, list[Any]] = {}
        #: each file's path class (charter.pathclass); a file not listed is ``source``
        self.classes: Mapping[str, str] = classes or {}
        self._views: dict[frozenset[str], RepoIndex] = {}

    def path_class(self, rel: str) -> str:
        return self.classes.get(rel, "source")

    def scoped(self, scope: frozenset[str]) -> RepoIndex:
        """A view of the index with only the files of the classes in ``scope`` (a rule's
        scope): the repo phase of a rule sees what it judges and nothing else. Parsed files
        are shared with the full index."""
        if all(self.path_class(rel) in scope for rel in self.files):
            return self
        view = self._views.get(scope)
        if view is None:
            view = RepoIndex.__new__(RepoIndex)
            view.__dict__.update(
                {k: v for k, v in self.__dict__.items() if k not in ("by_kind", "pyproject")}
            )
            view.files = [rel for rel in self.files if self.path_class(rel) in scope]
            view._file_set = frozenset(view.files)
            view._derived = {}
            view._views = {}
            self._views[scope] = view
        return view

    def source(self, rel: str) -> SourceFile:
        """The shared :class:`SourceFile` for a discovered path."""
        source = self._sources.get(rel)
        if source is None:
            source = self._sources[rel] = SourceFile(self.root, rel, self.max_bytes)
        self._hold(self._parsed, rel, HELD_FILES, SourceFile.release_parsed)
        self._hold(self._read, rel, HELD_TEXTS, SourceFile.release)
        return source

    def _hold(
        self,
        held: OrderedDict[str, None],
        rel: str,
        limit: int,
        release: Callable[[SourceFile], None],
    ) -> None:
        """``rel`` is the newest of ``held``; past ``limit``, the oldest one is released."""
        if rel in held:
            held.move_to_end(rel)
            return
        held[rel] = None
        if len(held) > limit:
            release(self._sources[held.popitem(last=False)[0]])

    def loaded(self, rel: str) -> SourceFile | None:
        """The :class:`SourceFile` of ``rel`` if something has read it, else None."""
        return self._sources.get(rel)

    def sources(self) -> list[SourceFile]:
        return [self._sources[p] for p in sorted(self._sources)]

    def has(self, rel: str) -> bool:
        return rel in self._file_set

    def exists(self, rel: str) -> bool:
        """Whether ``rel`` exists on disk at all, discovered or not (a folder, an ignored
        file). Use :meth:`has` for the audited files; the runner records what is probed here
        so that a cached result is recomputed when the answer changes."""
        return self.has(rel) or (self.root / rel).exists()

    def link_target(self, rel: str) -> str | None:
        """For a symlink committed at ``rel`` that points to an audited file of the tree (a
        ``CLAUDE.md`` that links to ``AGENTS.md``), that file's path; else None. Links are
        never followed out of the tree, and discovery skips them, so a rule that accepts a
        link reads its target instead."""
        path = self.root / rel
        self.exists(rel)  # recorded as probed
        try:
            if not path.is_symlink():
                return None
            target = path.resolve().relative_to(self.root.resolve()).as_posix()
        except (OSError, ValueError, RuntimeError):
            return None
        return target if self.has(target) else None

    @cached_property
    def by_kind(self) -> dict[str, list[str]]:
        from charter.sources import file_kind

        kinds: dict[str, list[str]] = {}
        for rel in self.files:
            kinds.setdefault(file_kind(rel), []).append(rel)
        return kinds

    def of_kind(self, *kinds: str) -> list[str]:
        out: list[str] = []
        for kind in kinds:
            out.extend(self.by_kind.get(kind, []))
        return sorted(out)

    def named(self, name: str) -> list[str]:
        """Paths whose file name is ``name``."""
        return [p for p in self.files if p.rsplit("/", 1)[-1] == name]

    def select(self, test: Callable[[str], bool]) -> list[str]:
        """The paths ``test`` accepts, in order. Prefer this to iterating :attr:`files` in a
        repo phase: when ``test`` is a module-level function, a cached result of the rule
        depends on the paths it selects, not on the whole file list (``charter.runner``)."""
        return [p for p in self.files if test(p)]

    def answer(self, question: Callable[..., _T], *args: str) -> _T:
        """``question(self, *args)``: a value worked out from many files (the share of the
        code in a language) on which a repo rule depends instead of on those files. When
        ``question`` is a module-level function, a cached result of the rule is reused as long
        as the answer is the same (``charter.runner``)."""
        return question(self, *args)

    def listed(self, rel: str) -> bool:
        """Whether ``rel`` is a discovered file of the audit in any path class (a view of the
        index may hold fewer: see :meth:`scoped`)."""
        return rel in self.classes or rel in self._file_set

    def top_dirs(self) -> list[str]:
        return sorted({p.split("/", 1)[0] for p in self.files if "/" in p})

    @cached_property
    def pyproject(self) -> dict[str, Any] | None:
        """The root ``pyproject.toml``, parsed, or None."""
        if not self.has("pyproject.toml"):
            return None
        return self.source("pyproject.toml").toml

    def derived(self, key: object, compute: Callable[[], _T], *, share: bool = False) -> _T:
        """``compute()`` once per audit for ``key``: for a value built from file-phase facts
        that several rules share (e.g. the service rules' merged Python facts). What ``compute``
        reads and asks is recorded for every rule that takes the value (``charter.runner``).
        With ``share``, for a ``compute`` that sees the repository only through this index's
        methods (no value captured from the caller's view), another view of the index whose
        answers to what ``compute`` asked are the same takes the value too."""
        if key not in self._derived:
            self._derived[key] = compute()
        found: _T = self._derived[key]
        return found

    def facts(self, analyzer: Analyzer) -> Mapping[str, list[Any]]:
        """What the analyzer's file phase recorded with ``out.fact``, by path."""
        return self._facts.get(_fact_key(analyzer), {})


def _fact_key(analyzer: Analyzer) -> str:
    return analyzer.instance_key
