"""Who calls a function, by name: is a function reached only from command-line code?

Some code is in the service's package but is not run by the service: a method that only a
management command, a maintenance script or a ``typer`` tool calls. A rule about what a
running service does (log through the structured logger, retry its outbound calls) has nothing
to say there. Python's calls cannot be resolved statically, so, as vulture finds dead code, the
callers are matched **by name**: every place in the repository's non-test Python code (the
rule's files and the maintainers' ``tooling`` scripts) that names the function (a call, a
reference, a dotted string such as ``getattr(engine, "fetch_traits")``) counts as a caller.

A function name is *command-line only* when it is named at least once, and every place that
names it is

- in a *terminal* file (a command-line module: the caller decides which), or in an
  ``if __name__ == "__main__":`` block, or a direct call in a *terminal* function (the caller
  decides which: a route handler, for instance; a function it only hands on, to a background
  task, is not run by it), or
- inside a function whose own name is command-line only (transitively; a function's own
  recursion does not count against it),

and one of those chains ends in a terminal place. A function that builds the service (calls
``FastAPI()``, ``Flask()``, ``get_wsgi_application()``, ``Celery()`` ...) is the service and
never command-line only, nor is a command-line module that builds it at module level (the
``click`` command that serves the app it creates). A name also used anywhere else (at module
level, in a class body, in service code, in a settings string) is not, so a common name
(``get``, ``run``) is never command-line only, and every uncertainty leaves the finding in
place. Imports (a re-export), definitions, assignments and bare annotations do not count as
references. The search is demand-driven: only the names asked about, and the names of the
functions naming them, are looked up, each in the files whose text has it as a word.
"""

from __future__ import annotations

import ast
import re
import sys
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable

from charter.memo import ByContent, by_content
from charter.repo import RepoIndex

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
#: a function, with the classes around it (innermost last), that is a terminal caller
TerminalFunction = Callable[[FunctionNode, list[ast.ClassDef]], bool]
#: at most this many names are looked up per question (the rest count as unknown)
MAX_NAMES = 2000
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: last names of calls that build a service (a web app, a worker): code that builds one is the
#: service, not a command-line tool, even when a command line starts it
SERVICE_BUILDERS = frozenset(
    {
        "FastAPI",
        "Flask",
        "Starlette",
        "Litestar",
        "Sanic",
        "Quart",
        "Application",
        "App",
        "FlaskApp",
        "AsyncApp",
        "Bottle",
        "Configurator",
        "Robyn",
        "get_wsgi_application",
        "get_asgi_application",
        "server",
        "Worker",
        "Celery",
    }
)

#: (innermost enclosing function's name or None, whether the place is terminal)
Place = tuple[str | None, bool]


def main_guard(stmt: ast.stmt) -> bool:
    """``if __name__ == "__main__":``"""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    parts = [stmt.test.left, *stmt.test.comparators]
    return any(isinstance(p, ast.Name) and p.id == "__name__" for p in parts) and any(
        isinstance(p, ast.Constant) and p.value == "__main__" for p in parts
    )


class _Names(ast.NodeVisitor):
    """Every name a module's code uses, with the place it is used from."""

    def __init__(self, terminal_file: bool, terminal_function: TerminalFunction | None) -> None:
        self.places: dict[str, list[Place]] = {}
        self.terminal_file = terminal_file
        self.terminal_function = terminal_function
        self.functions: list[tuple[str, bool]] = []  # (name, terminal)
        self.classes: list[ast.ClassDef] = []
        self.guard = False
        #: functions that build a service: never command-line only
        self.roots: set[str] = set()

    def _use(self, name: str, called: bool = False) -> None:
        function = self.functions[-1][0] if self.functions else None
        # a terminal function (a web handler) waits for what it calls; what it only hands on
        # (``background_tasks.add_task(job)``) runs without it
        terminal = (
            self.terminal_file or self.guard or (called and any(term for _, term in self.functions))
        )
        self.places.setdefault(name, []).append((function, terminal))

    def _function(self, node: FunctionNode) -> None:
        terminal = bool(self.terminal_function and self.terminal_function(node, self.classes))
        self.functions.append((node.name, terminal))
        self.generic_visit(node)
        self.functions.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        self.generic_visit(node)
        self.classes.pop()

    def visit_If(self, node: ast.If) -> None:
        if not self.functions and not self.classes and main_guard(node):
            self.guard = True
            self.generic_visit(node)
            self.guard = False
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        return  # a re-export is not a call

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:  # a bare annotation (a protocol's attribute) names no caller
            self.visit(node.value)

    def visit_Call(self, node: ast.Call) -> None:
        if builds_service(node) and self.functions:
            self.roots.update(name for name, _ in self.functions)
        func = node.func
        if isinstance(func, ast.Name):
            self._use(func.id, called=True)
        elif isinstance(func, ast.Attribute):
            self._use(func.attr, called=True)
            self.visit(func.value)
        else:
            self.visit(func)
        for arg in node.args:
            self.visit(arg)
        for kw in node.keywords:
            self.visit(kw.value)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._use(node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.ctx, ast.Load):
            self._use(node.attr)
        self.visit(node.value)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, str) and 0 < len(value) < 200:
            last = value.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
            if last.isidentifier():  # getattr(obj, "name"), "package.module.name"
                self._use(last)


#: a function's definition: the names asked about are those of functions (see the module).
#: Loose on purpose (``undef x`` matches too: a name more is only kept, never wrong), and
#: fast: a literal start, no word boundary (20 times faster than ``\bdef\s+``)
DEF = re.compile(r"def[ \t]+([A-Za-z_][A-Za-z0-9_]*)")


@by_content(maxsize=4096)
def _words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The distinct words of ``text``, and the names of the functions it defines, interned (a
    word shared by many files is one string). Pure, so memoised: the files of a repository
    are the same from one ``charter history`` point to the next."""
    return (
        tuple(sys.intern(word) for word in set(WORD.findall(text))),
        tuple(sys.intern(name) for name in set(DEF.findall(text))),
    )


#: one shared copy of each distinct place and tuple of places: most names of most files are
#: named from the same few places (``((None, False),)``: module level), and a repository of
#: 15,000 files would otherwise hold a million private copies (cleared past
#: :data:`_MAX_SHARED`, so a long ``charter history`` stays bounded)
_SHARED: dict[tuple[Place, ...], tuple[Place, ...]] = {}
_PLACES: dict[Place, Place] = {}
_MAX_SHARED = 1 << 18


def _compact(places: dict[str, list[Place]]) -> dict[str, tuple[Place, ...]]:
    """Each name's distinct places, in the order they first occur (what the search reads of
    them: whether any or every place is terminal, and the functions in order), each distinct
    place and tuple of places shared between files."""
    if len(_SHARED) > _MAX_SHARED or len(_PLACES) > _MAX_SHARED:
        _SHARED.clear()
        _PLACES.clear()
    out: dict[str, tuple[Place, ...]] = {}
    for name, found in places.items():
        distinct = tuple(_PLACES.setdefault(p, p) for p in dict.fromkeys(found))
        out[sys.intern(name)] = _SHARED.setdefault(distinct, distinct)
    return out


#: each file's name index (:class:`_Names`) by its text and whether its path is terminal
_INDEXES: ByContent[tuple[dict[str, tuple[Place, ...]], frozenset[str]]] = ByContent(maxsize=4096)


class Callers:
    """Name references over a repository's non-test Python code, built on demand."""

    def __init__(
        self,
        repo: RepoIndex,
        terminal_file: Callable[[str], bool],
        terminal_function: TerminalFunction | None = None,
    ) -> None:
        self.repo = repo
        self.terminal_file = terminal_file
        self.terminal_function = terminal_function
        paths = set(repo.of_kind("python"))
        # the maintainers' scripts call into the package too (they are outside a code rule's
        # files), and are judged as callers like the rest
        tooling = {p for p, cls in repo.classes.items() if cls == "tooling" and p.endswith(".py")}
        self.paths = sorted(
            p for p in paths | tooling if repo.path_class(p) in ("source", "tooling")
        )
        #: the files naming each name that can be asked about (a function's name), built
        #: from each file's words once (:meth:`_scan`); memory is by word, not by file
        self._naming: dict[str, list[str]] | None = None
        #: the names that can be asked about: every function the files define, and the names
        #: asked; a file's index keeps only these (a tenth of the names a module uses)
        self._askable: set[str] = set()
        self._names: dict[str, dict[str, tuple[Place, ...]]] = {}
        self.roots: set[str] = set()

    def _scan(self) -> dict[str, list[str]]:
        if self._naming is None:
            words = [_words(self.repo.source(path).text or "") for path in self.paths]
            for _, defined in words:
                self._askable.update(defined)
            askable = self._askable
            naming: dict[str, list[str]] = {}
            for path, (found, _) in zip(self.paths, words, strict=True):
                for word in found:
                    if word in askable:
                        naming.setdefault(word, []).append(path)
            self._naming = naming
        return self._naming

    def _files_naming(self, name: str) -> list[str]:
        """The files whose text has ``name`` as a word (each file tokenised once)."""
        naming = self._scan()
        if name not in self._askable:  # no file defines it (``def \`` over two lines)
            self._askable.add(name)
            naming[name] = [
                path
                for path in self.paths
                if name in _words(self.repo.source(path).text or "")[0]
            ]
            for path in naming[name]:  # indexed before, without the name
                self._names.pop(path, None)
        return naming.get(name, [])

    def _index(self, path: str) -> dict[str, tuple[Place, ...]]:
        if path not in self._names:
            source = self.repo.source(path)

            def index() -> tuple[dict[str, tuple[Place, ...]], frozenset[str]]:
                tree = source.python_ast
                # a command-line module that builds the service itself (``app = FastAPI()``
                # next to the ``click`` command that serves it) is the service's entry point
                terminal = (
                    tree is not None and self.terminal_file(path) and not _builds_at_module(tree)
                )
                visitor = _Names(terminal, self.terminal_function)
                if tree is not None:
                    visitor.visit(tree)
                return _compact(visitor.places), frozenset(visitor.roots)

            if self.terminal_function is None and source.text is not None:
                # a function of the text and of whether the path is terminal: memoised
                places, roots = _INDEXES.get(source.text, (self.terminal_file(path),), index)
            else:
                places, roots = index()
            askable = self._askable
            self._names[path] = {name: at for name, at in places.items() if name in askable}
            self.roots |= roots
        return self._names[path]

    def places(self, name: str) -> list[Place]:
        """Every place that names ``name``."""
        found: list[Place] = []
        for path in self._files_naming(name):
            found.extend(self._index(path).get(name, ()))
        return found

    def command_line_only(self, names: Iterable[str]) -> set[str]:
        """Those of ``names`` (function names) reached only from terminal places.

        The search looks up a name's callers only while it can still matter: a name named
        from module level or a class body outside a terminal file, or from a function that is
        itself known not to be command-line only, is not command-line only, and neither is a
        name every place asking about it depends on such a name. So the callers of ``get``
        named at module level are never looked up. The names it keeps looking up are the
        closure of every name that could still be command-line only, so the answer is the
        one a search of every caller gives (within :data:`MAX_NAMES` lookups)."""
        asked = set(names)
        refs: dict[str, list[Place]] = {}
        queue = deque(sorted(asked))  # breadth first: the names asked about come first
        unknown: set[str] = set()
        out: set[str] = set()  # known not to be command-line only
        needed_by: dict[str, set[str]] = {}  # function -> the names named inside it

        def rule_out(name: str) -> None:
            stack = [name]
            while stack:
                current = stack.pop()
                if current in out:
                    continue
                out.add(current)
                stack.extend(needed_by.get(current, ()))

        while queue:
            name = queue.popleft()
            if name in refs or name in unknown:
                continue
            if name not in asked and needed_by.get(name, set()) <= out:
                continue  # nothing that could still be command-line only depends on it
            if len(refs) >= MAX_NAMES:
                unknown.add(name)
                continue
            refs[name] = found = self.places(name)
            for function, terminal in found:
                if terminal or function == name:
                    continue
                if function is None or function in out or function in unknown:
                    rule_out(name)
                    break
                needed_by.setdefault(function, set()).add(name)
            if name in out:
                continue
            for function, terminal in found:
                if not terminal and function is not None and function not in refs:
                    queue.append(function)
        return reached_only_from_terminals(refs, self.roots | out) & asked


def reached_only_from_terminals(refs: dict[str, list[Place]], excluded: set[str]) -> set[str]:
    """The names of ``refs`` (each name's places) that every place reaches only from a
    terminal place or from inside such a name, and that some chain of places ends in a
    terminal one; none of ``excluded`` (functions that build the service, names ruled out)."""
    # greatest set whose every reference is terminal or inside a member
    only = {name for name, places in refs.items() if places} - excluded
    changed = True
    while changed:
        changed = False
        for name in sorted(only):
            for function, terminal in refs[name]:
                if not (terminal or (function is not None and function in only)):
                    only.discard(name)
                    changed = True
                    break
    # and reached: some chain of references ends in a terminal place
    reached: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name in sorted(only - reached):
            if any(
                terminal or (function is not None and function in reached and function != name)
                for function, terminal in refs[name]
            ):
                reached.add(name)
                changed = True
    return reached


def builds_service(node: ast.Call) -> bool:
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return last in SERVICE_BUILDERS


def _builds_at_module(tree: ast.AST) -> bool:
    """Whether module-level code (outside functions and classes) builds a service."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call) and builds_service(node):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def innermost_functions(tree: ast.AST, lines: Iterable[int]) -> dict[int, FunctionNode]:
    """Line -> the innermost function whose lines include it, for each of ``lines`` inside a
    function, in one walk of the tree."""
    wanted = sorted(set(lines))
    best: dict[int, FunctionNode] = {}
    if not wanted:
        return best
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            for line in wanted[bisect_left(wanted, node.lineno) : bisect_right(wanted, end)]:
                found = best.get(line)
                if found is None or node.lineno >= found.lineno:
                    best[line] = node
    return best
