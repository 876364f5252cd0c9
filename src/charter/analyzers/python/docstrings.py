"""docstrings: public modules, classes and functions carry docstrings, measured as coverage.

Public, as pydocstyle and interrogate count it: a module whose file name does not start with
``_`` (``__init__.py`` is the package's module) and is not in a ``_private`` folder; classes and
functions whose names do not start with ``_``, defined at module level or in a public class
(not nested in a function); in a module that declares ``__all__`` (a literal list or tuple),
only the classes and functions it names are public at module level, as pydocstyle and ruff count
them. Dunder methods, ``@overload`` stubs, ``@override`` methods (they
inherit their documentation) and property setters/deleters are left out, as are empty modules
and ``__main__.py``, ``setup.py`` and ``conftest.py``; generated migrations (``migrations/``,
Alembic ``versions/*.py``) are excluded by default.

The rule fails when coverage is under ``threshold`` percent (default 80). Coverage counts every
public item, but only the undocumented items a reader needs a docstring for are reported, each
at its ``def``/``class`` line; these are counted and not reported:

- module docstrings (the module's name and its documented contents say what it holds);
- one-statement functions and methods (``return self.x``, a setter, a one-call delegation):
  the line says what the function does (``pass``/``...`` stubs and ``raise`` are reported);
- methods that override a method of a base class defined in the repository, or a hook method
  of a well-known framework or standard library base class (:data:`FRAMEWORK_HOOKS`: Django
  and Django REST framework views and serializers, Starlette middleware, ``json.JSONEncoder``,
  ``threading.Thread``, ``logging.Handler``...), directly or through a repository base: the base
  documents the contract (pylint, inferring the installed base, leaves overrides out too); and
  methods of the same name defined in at least
  ``HOOK_REPEATS`` classes with a common base, such as a framework hook implemented by every
  view or plugin class;
- module-level functions of the same name defined in at least ``HOOK_REPEATS`` modules of one
  folder (the hook every plugin module implements, documented once by the plugin contract);
- pluggy hook implementations (``@hookimpl``, ``@pytest.hookimpl``, ``@<name>_hookimpl``): the
  hook specification documents the contract;
- items a decorator documents with a ``summary``, ``description`` or ``help`` string (FastAPI
  routes, Django admin ``@display``, Click commands, Dagster assets); the ``help`` of a Click
  ``@option``/``@argument`` documents the parameter, not the function;
- signal receivers and event listeners (``def handler(sender, ..., **kwargs)``,
  ``@receiver``, SQLAlchemy ``@listens_for``, blinker ``@signal.connect``): the signal or event
  defines their contract;
- classes nested in a class (Django ``Meta``, a nested ``TextChoices`` enum) and their methods;
- classes whose members explain them: a subclass (it names a base class) whose methods are all
  documented or need no docstring themselves (one statement, override, hook), and whose
  ``__init__`` is at most one statement besides the base constructor call (``super().__init__``,
  documented by the base) and the arguments it stores as they are (``self.table = table``): an
  exception carrying its arguments, a pydantic, filter or ORM model declaring its fields, a
  controller whose routes carry docstrings; and a class with a ``help``/``description`` string
  attribute (a Django management ``Command``), which is its documentation;
- field validation hooks ``validate_<field>`` of a subclass (Django REST framework serializers,
  WTForms forms) and methods registered as model validators or serialisers (pydantic
  ``@field_validator``/``@model_validator``/..., SQLAlchemy ``@validates``): the framework calls
  them for the fields they name;
- a module-level ``main()``: the entry point of a script, which the module stands for;
- short predicates, typed getters and properties: ``is_*``, ``has_*``, ``can_*``, ``should_*``,
  ``get_*`` with a return annotation, and ``@property``/``@cached_property`` methods, of at most
  ``SHORT`` statements and no ``raise``: the name (and the type) say what they return;
- short functions and methods: a body spanning fewer than ``min_body_lines`` lines (default 5)
  that raises nothing and is not a stub (``pass``, ``...``): the code is read as fast as a
  docstring would be (pylint's ``docstring-min-length``).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import Field

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import (
    ClassHierarchy,
    FunctionNode,
    FunctionScopes,
    PythonRule,
    PythonRuleParams,
    base_name,
    decorator_names,
)
from charter.analyzers.python.names import is_under
from charter.repo import RepoIndex
from charter.sources import SourceFile

SKIP_DECORATORS = (
    "typing.overload",
    "typing_extensions.overload",
    "typing.override",
    "typing_extensions.override",
)
NOT_MODULES = frozenset({"__main__.py", "setup.py", "conftest.py"})
#: a method or module function defined this many times under one base class or in one folder
#: is a hook of a plugin contract, documented once where the contract is
HOOK_REPEATS = 3
#: statements of a one-statement body that say what the function does in that one line
SIMPLE = (ast.Return, ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign)

#: generated code nobody documents by hand (Alembic and Django migrations)
GENERATED = ("**/migrations/**", "**/versions/*.py", "migrations/**")

#: statements a getter or predicate may have and still say everything by its name
SHORT = 5
#: class attributes that document a class (Django management commands' ``help``)
DESCRIBING_ATTRIBUTES = frozenset({"help", "description"})
#: decorators that register an event listener (the event defines its contract)
LISTENER_DECORATORS = ("listens_for", "connect", "connect_via", "receiver")
#: decorators that make a method a validation or serialisation hook of a model (pydantic,
#: SQLAlchemy ``@validates``): the framework calls it for the fields it names
VALIDATOR_DECORATORS = frozenset(
    {
        "pydantic.field_validator",
        "pydantic.model_validator",
        "pydantic.validator",
        "pydantic.root_validator",
        "pydantic.field_serializer",
        "pydantic.model_serializer",
        "pydantic.v1.validator",
        "pydantic.v1.root_validator",
        "sqlalchemy.orm.validates",
    }
)
#: decorators that make a method a read-only attribute: a getter named by its attribute
PROPERTY_DECORATORS = frozenset(
    {"property", "functools.cached_property", "django.utils.functional.cached_property"}
)


def _hook_names(names: str) -> frozenset[str]:
    """Method names given as one space-separated string."""
    return frozenset(names.split())


#: hook methods of well-known framework and standard library base classes, by the qualified
#: name of the base (or a module holding such bases): a subclass's method of one of these names
#: overrides a hook the framework documents, as pylint finds by inferring the installed base
#: (charter never imports the audited code or its dependencies, so the bases are listed here)
FRAMEWORK_HOOKS: dict[str, frozenset[str]] = {
    # Django class-based views, Django REST framework views, generic views and viewsets
    **dict.fromkeys(
        (
            "django.views",
            "rest_framework.views",
            "rest_framework.generics",
            "rest_framework.viewsets",
            "rest_framework.mixins",
        ),
        _hook_names(
            "get post put patch delete head options dispatch setup get_context_data get_queryset"
            " get_object get_template_names get_success_url form_valid form_invalid"
            " get_form_kwargs get_serializer_class get_serializer_context get_permissions"
            " perform_create perform_update perform_destroy list retrieve create update"
            " partial_update destroy initial handle_exception"
        ),
    ),
    # Django REST framework serializers and fields
    **dict.fromkeys(
        ("rest_framework.serializers", "rest_framework.fields", "rest_framework.relations"),
        _hook_names(
            "to_representation to_internal_value create update validate run_validation"
            " get_attribute get_value get_fields"
        ),
    ),
    "rest_framework.authentication": frozenset({"authenticate", "authenticate_header"}),
    "rest_framework.permissions": frozenset({"has_permission", "has_object_permission"}),
    "rest_framework.pagination": frozenset(
        {"paginate_queryset", "get_paginated_response", "get_paginated_response_schema"}
    ),
    "rest_framework.filters": frozenset({"filter_queryset", "get_ordering"}),
    "django.core.management": frozenset({"handle", "add_arguments", "handle_label"}),
    "django.apps": frozenset({"ready"}),
    "django.utils.deprecation.MiddlewareMixin": frozenset(
        {"process_request", "process_response", "process_view", "process_exception"}
    ),
    "django.contrib.admin": _hook_names(
        "get_queryset save_model delete_model formfield_for_dbfield formfield_for_foreignkey"
        " get_readonly_fields lookups queryset has_add_permission has_change_permission"
        " has_delete_permission"
    ),
    "django.template.Node": frozenset({"render"}),
    "starlette.middleware.base.BaseHTTPMiddleware": frozenset({"dispatch"}),
    "flask.views": frozenset({"dispatch_request", "get", "post", "put", "patch", "delete"}),
    "click.ParamType": frozenset({"convert", "shell_complete"}),
    "httpx.BaseTransport": frozenset({"handle_request", "close"}),
    "httpx.HTTPTransport": frozenset({"handle_request", "close"}),
    "httpx.AsyncBaseTransport": frozenset({"handle_async_request", "aclose"}),
    "httpx.AsyncHTTPTransport": frozenset({"handle_async_request", "aclose"}),
    "threading.Thread": frozenset({"run"}),
    "json.JSONEncoder": frozenset({"default"}),
    "html.parser.HTMLParser": _hook_names(
        "handle_starttag handle_endtag handle_startendtag handle_data handle_comment"
        " handle_charref handle_entityref handle_decl handle_pi"
    ),
    "logging": frozenset({"emit", "flush", "close", "format", "formatTime", "filter"}),
    "http.server": frozenset({"do_GET", "do_POST", "do_PUT", "do_PATCH", "do_DELETE", "do_HEAD"}),
    "socketserver": frozenset({"handle", "setup", "finish"}),
}

#: keyword arguments of a decorator that document what it decorates (FastAPI routes'
#: ``summary``/``description``, Django admin ``@display(description=...)``, Click and Typer
#: commands' ``help``, Dagster assets' ``description``)
DESCRIBING_KEYWORDS = frozenset({"summary", "description", "help"})
#: decorators whose ``help`` documents one parameter (Click/Typer), not the function
PARAMETER_DECORATORS = frozenset({"option", "argument"})

# why an undocumented item is counted but not reported
MODULE = "module"
ONE_LINER = "one-statement"
SHORT_BODY = "short body"
RECEIVER = "signal receiver"
NESTED = "nested class"
DESCRIBED = "described class"
FIELD_HOOK = "field validation hook"
HOOK_IMPL = "hook implementation"
ENTRY_POINT = "entry point"
GETTER = "short getter"


class DocstringsParams(PythonRuleParams):
    #: minimum share of documented public items, in percent
    threshold: float = Field(default=80.0, ge=0, le=100)
    #: functions and methods whose body spans fewer lines (and raises nothing) are counted, not
    #: reported, as pylint's ``docstring-min-length``; 0 reports them all
    min_body_lines: int = Field(default=5, ge=0)
    exclude: tuple[str, ...] = GENERATED


def _public(name: str) -> bool:
    return not name.startswith("_")


def _changes_all(stmt: ast.stmt) -> bool:
    """``__all__ += [...]`` or ``__all__.extend(...)`` (``append``, ``remove``...)."""
    if isinstance(stmt, ast.AugAssign):
        return isinstance(stmt.target, ast.Name) and stmt.target.id == "__all__"
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "__all__"
    )


def _dunder_all(tree: ast.Module) -> frozenset[str] | None:
    """The names of a module-level ``__all__`` given as a literal list or tuple of strings, as
    pydocstyle reads it; None when the module has none, or changes it or builds it in a way only
    running it would tell (``__all__ += ...``, ``__all__.extend(...)``, a computed value)."""
    names: frozenset[str] | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            value = stmt.value
            if not isinstance(value, ast.List | ast.Tuple):
                return None
            found = [e.value for e in value.elts if isinstance(e, ast.Constant)]
            if len(found) != len(value.elts) or not all(isinstance(n, str) for n in found):
                return None
            names = frozenset(str(n) for n in found)
        elif _changes_all(stmt):
            return None
    return names


def _framework_bases(qualified: list[str]) -> dict[str, frozenset[str]]:
    """The well-known framework bases among a class's (qualified) base names, each with the
    hook methods it documents (:data:`FRAMEWORK_HOOKS`)."""
    found: dict[str, frozenset[str]] = {}
    for name in qualified:
        hooks = [h for base, h in FRAMEWORK_HOOKS.items() if is_under(name, base)]
        if hooks:
            found[name] = frozenset().union(*hooks)
    return found


def _one_statement(node: FunctionNode) -> bool:
    """A body of one simple statement after the docstring (``global`` lines aside)."""
    body = list(node.body)
    if body and ast.get_docstring(node, clean=False) is not None:
        body = body[1:]
    body = [s for s in body if not isinstance(s, ast.Global | ast.Nonlocal)]
    if len(body) != 1 or not isinstance(body[0], SIMPLE):
        return False
    stmt = body[0]
    # ``...`` and a bare string are stubs, not one-liners
    return not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))


def _statements(node: FunctionNode) -> list[ast.stmt]:
    """Every statement of the body, not entering nested functions or classes."""
    found: list[ast.stmt] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.stmt):
            found.append(current)
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.append(child)
    return found


def _short_getter(node: FunctionNode, decorators: list[str]) -> bool:
    """A predicate (``is_*``/``has_*``/``can_*``/``should_*``), a getter with a return
    annotation (``get_*(..) -> T``) or a property with a short body that raises nothing: its
    name (and type) say what it returns."""
    predicate = node.name.startswith(("is_", "has_", "can_", "should_"))
    getter = node.name.startswith("get_") and node.returns is not None
    prop = any(d in PROPERTY_DECORATORS or d.endswith(".cached_property") for d in decorators)
    if not (predicate or getter or prop):
        return False
    statements = _statements(node)
    if statements and ast.get_docstring(node, clean=False) is not None:
        statements = statements[1:]
    return len(statements) <= SHORT and not any(isinstance(s, ast.Raise) for s in statements)


def _short_body(node: FunctionNode, min_lines: int) -> bool:
    """A body (after the docstring) spanning fewer than ``min_lines`` lines, raising nothing and
    not a stub: reading it tells what it does as fast as a docstring would."""
    body = list(node.body)
    if body and ast.get_docstring(node, clean=False) is not None:
        body = body[1:]
    if not body:
        return False
    end = body[-1].end_lineno or body[-1].lineno
    if end - body[0].lineno + 1 >= min_lines:
        return False
    if len(body) == 1 and (
        isinstance(body[0], ast.Pass)
        or (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant))
    ):
        return False  # a stub declares an interface its implementations follow
    return not any(isinstance(s, ast.Raise) for s in _statements(node))


def _hook_implementation(decorators: list[str]) -> bool:
    """Registered by a pluggy ``HookimplMarker`` (``@hookimpl``, ``@pytest.hookimpl``,
    ``@myproject_hookimpl``): the hook specification documents the contract."""
    return any(d.rsplit(".", 1)[-1].lower().endswith("hookimpl") for d in decorators)


def _text(node: ast.expr) -> bool:
    """A non-empty string, or a call translating one (``_("...")``, ``gettext_lazy("...")``)."""
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value.strip())
    )


def _described_by_decorator(node: FunctionNode | ast.ClassDef) -> bool:
    """A decorator documents the item: ``@router.get(..., summary="...")``,
    ``@admin.display(description=_("..."))``, ``@click.command(help="...")``."""
    for deco in node.decorator_list:
        if not isinstance(deco, ast.Call):
            continue
        func = deco.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last in PARAMETER_DECORATORS:
            continue
        if any(k.arg in DESCRIBING_KEYWORDS and _text(k.value) for k in deco.keywords):
            return True
    return False


def _constructor_statements(node: FunctionNode) -> int:
    """Statements of ``__init__`` besides the base class constructor call
    (``super().__init__(...)``, ``Base.__init__(self, ...)``), which the base documents, and
    besides storing an argument as it is (``self.table = table``), which only names it."""
    arguments = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
    count = 0
    for stmt in _statements(node):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "__init__"
        ):
            continue
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Attribute)
            and isinstance(stmt.targets[0].value, ast.Name)
            and stmt.targets[0].value.id == "self"
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id in arguments
        ):
            continue
        count += 1
    return count


def _describing_attribute(node: ast.ClassDef) -> bool:
    """A ``help = "..."`` (or ``description``) string attribute in the class body."""
    for stmt in node.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
        if isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if (
            any(isinstance(t, ast.Name) and t.id in DESCRIBING_ATTRIBUTES for t in targets)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
            and value.value.strip()
        ):
            return True
    return False


def _signal_receiver(node: FunctionNode, decorators: list[str]) -> bool:
    if any(d.rsplit(".", 1)[-1] in LISTENER_DECORATORS for d in decorators):
        return True
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    return bool(positional) and positional[0].arg == "sender" and args.kwarg is not None


def _explained(name: str, members: dict[str, Any], hierarchy: ClassHierarchy) -> bool:
    """A subclass whose methods all explain themselves: each undocumented one overrides a
    repository base's method or is a hook, and the constructor is at most one statement."""
    needs: list[str] = members["needs"]
    bases: list[str] = members["bases"]
    return "__init__" not in needs and all(
        hierarchy.overrides(name, bases, method) or hierarchy.is_hook(bases, method)
        for method in needs
    )


class _Scope:
    """An open ``class`` (with what the repo phase needs about it) or ``def``."""

    __slots__ = ("bases", "is_class", "methods", "name", "needs", "nested", "public")

    def __init__(
        self, is_class: bool, public: bool, name: str, bases: list[str], nested: bool
    ) -> None:
        self.is_class = is_class
        self.public = public
        self.name = name
        self.bases = bases
        self.nested = nested
        self.methods: list[str] = []
        #: methods of a class that need an explanation nobody gave: undocumented and not
        #: quiet on their own (the repo phase still lets overrides and hooks off); a
        #: constructor of several statements ("__init__") counts
        self.needs: list[str] = []


class DocstringsAnalyzer(FunctionScopes, PythonRule):
    """Measure docstring coverage of public items; report the ones a reader needs."""

    name: ClassVar[str] = "docstrings"
    Params = DocstringsParams
    params: DocstringsParams
    statements_only: ClassVar[bool] = True  # modules, classes and defs only

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self.scopes: list[_Scope] = []
        self.public = 0
        #: undocumented items: line, kind, name, why not reported ("" if reported), and for a
        #: method its class and the class's bases; for a module function ``None``
        self.missing: list[list[Any]] = []
        #: classes of the file: name, base names, method names
        self.classes: list[list[Any]] = []
        #: public module-level function names
        self.functions: list[str] = []
        path = PurePosixPath(self.file.path)
        private_dir = any(p.startswith("_") and p != "__pycache__" for p in path.parts[:-1])
        self.private = private_dir or (path.name != "__init__.py" and path.name.startswith("_"))
        tree = self.file.python_ast
        #: the module's ``__all__``: when given, only the classes and functions it names are
        #: public at module level (pydocstyle's and ruff's definition of public)
        self.exports = _dunder_all(tree) if tree is not None else None
        if tree is not None and tree.body and not self.private and path.name not in NOT_MODULES:
            module = str(path.parent) if path.name == "__init__.py" else path.stem
            self._item(tree, "module", module, MODULE)

    def _item(
        self,
        node: ast.Module | ast.ClassDef | FunctionNode,
        kind: str,
        name: str,
        quiet: str = "",
        owner: _Scope | None = None,
    ) -> None:
        self.public += 1
        if ast.get_docstring(node, clean=False) is None:
            line = 1 if isinstance(node, ast.Module) else node.lineno
            where = [owner.name, owner.bases] if owner is not None else None
            self.missing.append([line, kind, name, quiet, where])

    def _visible(self) -> bool:
        return not self.private and all(s.public for s in self.scopes)

    def _exported(self, name: str) -> bool:
        """Public by name: no leading underscore, and at module level listed in ``__all__``
        when the module has one."""
        if not _public(name):
            return False
        return bool(self.scopes) or self.exports is None or name in self.exports

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        public = self._visible() and self._exported(node.name)
        parent = self.scopes[-1] if self.scopes else None
        nested = parent is not None and parent.is_class
        bases = [b for b in (base_name(e) for e in node.bases) if b and b != "object"]
        qualified = [
            q
            for q in (
                self.qualify(e.value if isinstance(e, ast.Subscript) else e) for e in node.bases
            )
            if q
        ]
        # a well-known framework base stands in the hierarchy as a class of its own, with the
        # hooks it documents as methods: a method of that name overrides a documented hook
        for framework, hooks in _framework_bases(qualified).items():
            bases.append(framework)
            self.classes.append([framework, [], sorted(hooks)])
        scope = _Scope(True, public, node.name, bases, nested)
        if public:
            described = _describing_attribute(node) or _described_by_decorator(node)
            quiet = NESTED if nested else DESCRIBED if described else ""
            self._item(node, "class", node.name, quiet)
            if not quiet and bases and ast.get_docstring(node, clean=False) is None:
                # a subclass may be explained by its members: the repo phase decides, when
                # it knows which of ``needs`` are overrides or hooks
                self.missing[-1].append({"bases": bases, "needs": scope.needs})
        self.scopes.append(scope)

    def leave_ClassDef(self, node: ast.ClassDef) -> None:
        scope = self.scopes.pop()
        if not scope.nested and not any(not s.is_class for s in self.scopes):
            self.classes.append([scope.name, scope.bases, scope.methods])

    def enter_function(self, node: FunctionNode) -> None:
        owner = self.scopes[-1] if self.scopes else None
        if owner is not None and owner.is_class:
            owner.methods.append(node.name)
            if node.name == "__init__" and _constructor_statements(node) > 1:
                owner.needs.append(node.name)
        elif owner is None and _public(node.name):
            self.functions.append(node.name)
        if self._visible() and self._exported(node.name) and not self._skipped(node):
            kind = "method" if self.scopes else "function"
            quiet = self._quiet(node, owner)
            self._item(node, kind, node.name, quiet, owner)
            documented = ast.get_docstring(node, clean=False) is not None
            if owner is not None and owner.is_class and not quiet and not documented:
                owner.needs.append(node.name)
        self.scopes.append(_Scope(False, False, node.name, [], False))

    def exit_function(self, node: FunctionNode) -> None:
        self.scopes.pop()

    def _skipped(self, node: FunctionNode) -> bool:
        names = decorator_names(self.imports, node)
        if any(is_under(n, s) for n in names for s in SKIP_DECORATORS):
            return True
        return any(n.endswith((".setter", ".deleter")) for n in names)

    def _quiet(self, node: FunctionNode, owner: _Scope | None) -> str:
        """Why an undocumented function is counted but not reported ("" when reported)."""
        if owner is not None and owner.nested:
            return NESTED
        if _one_statement(node):
            return ONE_LINER
        if _short_body(node, self.params.min_body_lines):
            return SHORT_BODY
        decorators = decorator_names(self.imports, node)
        if _hook_implementation(decorators):
            return HOOK_IMPL
        if _described_by_decorator(node):
            return DESCRIBED
        if owner is None and _signal_receiver(node, decorators):
            return RECEIVER
        if owner is None and node.name == "main":
            return ENTRY_POINT
        if (
            owner is not None
            and owner.is_class
            and owner.bases
            and node.name.startswith("validate_")
            and len(node.name) > len("validate_")
        ):
            return FIELD_HOOK
        if (
            owner is not None
            and owner.is_class
            and any(d in VALIDATOR_DECORATORS for d in decorators)
        ):
            return FIELD_HOOK
        if _short_getter(node, decorators):
            return GETTER
        return ""

    def end(self) -> None:
        if self.public:
            self.out.fact(
                {
                    "public": self.public,
                    "missing": self.missing,
                    "classes": self.classes,
                    "functions": self.functions,
                }
            )
            self.out.count("public", self.public)
            self.out.count("documented", self.public - len(self.missing))

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        public = 0
        missing: list[tuple[str, list[Any]]] = []
        hierarchy = ClassHierarchy(HOOK_REPEATS)
        folder_functions: Counter[tuple[str, str]] = Counter()
        for path, facts in repo.facts(self).items():
            folder = str(PurePosixPath(path).parent)
            for fact in facts:
                public += fact["public"]
                missing.extend((path, item) for item in fact["missing"])
                for name, bases, methods in fact["classes"]:
                    hierarchy.add(name, bases, methods)
                for name in set(fact["functions"]):
                    folder_functions[folder, name] += 1
        if not public:
            out.not_applicable("no public Python modules, classes or functions")
            return
        documented = public - len(missing)
        share = 100.0 * documented / public
        threshold = self.params.threshold
        summary = (
            f"{documented}/{public} public items documented ({share:.1f}%, "
            f"threshold {threshold:g}%)"
        )
        if share >= threshold:
            out.summary(summary)
            out.evidence(summary)
            return
        reported: list[tuple[str, int, str, str]] = []
        for path, (line, kind, name, quiet, where, *members) in missing:
            if quiet:
                continue
            if members and _explained(name, members[0], hierarchy):
                continue  # a subclass its members explain (fields, documented methods)
            if where is None:
                folder = str(PurePosixPath(path).parent)
                if kind == "function" and folder_functions[folder, name] >= HOOK_REPEATS:
                    continue  # a plugin hook every module of the folder implements
            elif hierarchy.overrides(where[0], where[1], name) or hierarchy.is_hook(where[1], name):
                continue  # the base class (or the framework's) documents the contract
            reported.append((path, line, kind, name))
        out.summary(
            f"{summary}; {len(reported)} undocumented items reported, "
            f"{len(missing) - len(reported)} counted but not reported (module docstrings, "
            "one-statement or short functions, overrides, hooks, signal receivers, nested classes)"
        )
        for path, line, kind, name in sorted(reported, key=lambda m: (m[0], m[1])):
            message = f"public {kind} `{name}` has no docstring"
            # the message names the item: a stable fingerprint basis that needs no file read
            # (reading every flagged file's lines cost 0.7 s on a 10,000-file repository)
            out.report(line, message, path=path, key=message)

    def metrics(self, counters: Counter[str]) -> dict[str, float | int]:
        public = counters.get("public", 0)
        documented = counters.get("documented", 0)
        share = round(100.0 * documented / public, 2) if public else 100.0
        return {"public": public, "documented": documented, "documented_percent": share}
