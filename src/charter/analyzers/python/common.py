"""What the Python code-pattern rules share: test-path filtering, the import map, literals.

Every rule here runs on the standard ``ast`` tree in the engine's one batched walk and resolves
names through :mod:`charter.analyzers.python.names` (one import map per file, shared by all of
them). None needs LibCST: see ``names.py`` for the measurement behind that choice.
"""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import TEST_PATH_GLOBS, AstAnalyzer, Emitter, path_matches
from charter.analyzers.python.names import ImportMap, import_map, iter_statements, name_chain
from charter.repo import RepoIndex
from charter.sources import SourceFile

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: constructors of HTTP client objects that hold connections (and must be closed)
REQUESTS_SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
HTTP_CLIENTS = REQUESTS_SESSIONS | {"httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"}


class PythonRuleParams(BaseModel):
    """Parameters every Python code-pattern rule takes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: also check test code (``tests/``, ``test_*.py``, ``conftest.py`` ...)
    include_tests: bool = False
    test_paths: tuple[str, ...] = TEST_PATH_GLOBS
    #: globs of paths to leave out
    exclude: tuple[str, ...] = ()


class PythonRule(AstAnalyzer):
    """An ``ast`` rule that skips test code unless asked, with the file's import map at hand."""

    Params: ClassVar[type[BaseModel]] = PythonRuleParams
    params: PythonRuleParams
    imports: ImportMap

    def applies_to(self, file: SourceFile) -> bool:
        if file.kind != "python":
            return False
        if not self.params.include_tests and path_matches(file.path, self.params.test_paths):
            return False
        return not (self.params.exclude and path_matches(file.path, self.params.exclude))

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        tree = file.python_ast
        self.imports = import_map(tree) if tree is not None else ImportMap(ast.Module([], []))

    def qualify(self, node: ast.AST) -> str | None:
        return self.imports.qualify(node)

    def at(self, node: ast.AST, message: str, *, fix: str | None = None) -> None:
        """Report at the first line of ``node`` (``fix``: ``charter fix`` removes it, see
        :meth:`~charter.analyzers.base.Emitter.report`)."""
        self.out.report(
            getattr(node, "lineno", 1),
            message,
            column=getattr(node, "col_offset", 0) + 1,
            fix=fix,
        )


class FunctionScopes:
    """Mixin: ``def`` and ``async def`` both go to ``enter_function``/``exit_function``."""

    def enter_function(self, node: FunctionNode) -> None:
        """Called before the function's decorators, signature and body are walked."""

    def exit_function(self, node: FunctionNode) -> None:
        """Called after the function's body is walked."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.enter_function(node)

    def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.exit_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.enter_function(node)

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.exit_function(node)


class RelevantRule(PythonRule):
    """A rule that is not applicable unless some file has what it is about.

    The file phase sets ``self.relevant = True`` when it meets that (an HTTP call, an
    ``async def``, a Polars import ...); the repo phase says ``na_reason`` when no file did.
    """

    na_reason: ClassVar[str] = "nothing this rule checks"
    relevant: bool

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.relevant = False

    def end(self) -> None:
        if self.relevant:
            self.out.fact(True)

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        if not any(repo.facts(self).values()):
            out.not_applicable(self.na_reason)


def annotation_expr(node: ast.expr | None) -> ast.expr | None:
    """An annotation as an expression: a string annotation (``"Any"``) parsed; None if absent
    or unparsable."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return ast.parse(node.value.strip(), mode="eval").body
        except SyntaxError:
            return None
    return node


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    """``f(**options)``: the call may pass anything by keyword."""
    return any(kw.arg is None for kw in call.keywords)


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def is_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def dotted(node: ast.AST) -> str | None:
    """``self.session`` for an attribute chain on a name, else None (a key for tracking)."""
    parts = name_chain(node)
    return ".".join(parts) if parts is not None else None


def decorator_names(imports: ImportMap, node: FunctionNode | ast.ClassDef) -> list[str]:
    """Qualified names of a definition's decorators (``@x(...)`` gives ``x``'s name)."""
    names: list[str] = []
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = imports.qualify(target)
        if name:
            names.append(name)
    return names


def assigned_names(imports: ImportMap, tree: ast.AST, factories: frozenset[str]) -> set[str]:
    """Last names of the variables and attributes bound to a call of one of ``factories``
    (``s = requests.Session()``, ``self.client = httpx.Client()``, ``with X() as s``).

    Matching callers on the last name (``self.session.get`` → ``session``) is how the rules
    follow a client object from where it is made to where it is used without type inference.
    """
    names: set[str] = set()
    for node in iter_statements(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            if imports.qualify(node.value.func) in factories:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                expr = item.context_expr
                if (
                    isinstance(expr, ast.Call)
                    and item.optional_vars is not None
                    and imports.qualify(expr.func) in factories
                ):
                    targets.append(item.optional_vars)
        for target in targets:
            key = dotted(target)
            if key:
                names.add(key.rsplit(".", 1)[-1])
    return names


def base_name(node: ast.expr) -> str | None:
    """The last name of a base class expression (``models.Model`` → ``Model``,
    ``Generic[T]`` → ``Generic``), else None."""
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


#: bases too general to make their subclasses' methods one contract
GENERIC_BASES = frozenset(
    {"object", "ABC", "Generic", "Protocol", "Exception", "BaseException", "NamedTuple"}
)


class ClassHierarchy:
    """A repository's classes by (last) name, from the facts of every file: tells whether a
    method overrides a base class method defined in the repository, or is a hook that several
    classes with one common base define (the base's contract, even when the base is a
    framework's). Names stand for classes without type inference: two classes of one name in
    different modules are merged, which errs towards "inherited"."""

    def __init__(self, hook_repeats: int = 3) -> None:
        self.hook_repeats = hook_repeats
        self.bases: dict[str, set[str]] = defaultdict(set)
        self.methods: dict[str, set[str]] = defaultdict(set)
        #: (base name, method name) → how many classes with that base define the method
        self.hooks: Counter[tuple[str, str]] = Counter()

    def add(self, name: str, bases: Iterable[str], methods: Iterable[str]) -> None:
        """Record one class: its name, its bases' last names and its method names."""
        bases = set(bases)
        methods = set(methods)
        self.bases[name].update(bases)
        self.methods[name].update(methods)
        for base in bases - GENERIC_BASES:
            for method in methods:
                self.hooks[base, method] += 1

    def overrides(self, cls: str, bases: Iterable[str], method: str) -> bool:
        """Whether a class of the repository among the ancestors of ``cls`` (whose bases are
        ``bases``) defines ``method``."""
        seen: set[str] = {cls}
        stack = list(bases)
        while stack:
            base = stack.pop()
            if base in seen:
                continue
            seen.add(base)
            if method in self.methods.get(base, ()):
                return True
            stack.extend(self.bases.get(base, ()))
        return False

    def is_hook(self, bases: Iterable[str], method: str) -> bool:
        """Whether ``hook_repeats`` or more classes with one of ``bases`` define ``method``."""
        return any(
            self.hooks[base, method] >= self.hook_repeats
            for base in bases
            if base not in GENERIC_BASES
        )

    def defined(self, name: str) -> bool:
        """Whether the repository defines a class of this name."""
        return name in self.bases
