"""cors-restricted: a CORS policy that lets any origin make credentialed requests.

Reported, as semgrep's and bandit-style CORS checks decide: a policy that allows every origin
(``"*"``, a catch-all regex, or the request's own origin reflected back) **and** credentials
(cookies, ``Authorization``), since then any web site a user visits can call the API as that
user. A wildcard without credentials is how a public API is meant to be shared, and passes.

- Python, on the ``ast`` tree: Starlette/FastAPI ``CORSMiddleware`` (``allow_origins=["*"]``
  or ``allow_origin_regex=".*"`` with ``allow_credentials=True``; Starlette reflects the origin
  then), flask-cors ``CORS(app, supports_credentials=True)`` / ``@cross_origin(..)`` whose
  ``origins`` is ``"*"`` or left at its default (``"*"``, unless a module sets the app's
  ``CORS_ORIGINS``, which flask-cors applies to them), django-cors-headers settings
  ``CORS_ALLOW_ALL_ORIGINS = True`` (or ``CORS_ORIGIN_ALLOW_ALL``) with
  ``CORS_ALLOW_CREDENTIALS = True`` in the same module;
- Go, on the tree-sitter tree: a composite literal (``cors.Options{..}``, gin's
  ``cors.Config{..}``) with ``AllowCredentials: true`` and an ``AllowOriginFunc`` that returns
  ``true`` (rs/cors, go-chi/cors and gin-contrib/cors then echo the caller's origin);
- Rust: tower-http ``CorsLayer::very_permissive()`` (mirrors the origin, allows credentials);
- JavaScript/TypeScript: ``cors({ origin: true, credentials: true })`` (the ``cors`` package
  echoes the caller's origin).

A literal ``*`` with credentials is not reported where the library sends it as it is (Go's
rs/cors, go-chi/cors and gin-contrib/cors for ``AllowedOrigins: []string{"*"}`` or
``AllowAllOrigins: true``; the ``cors`` package for ``origin: "*"``): browsers refuse a
credentialed response whose ``Access-Control-Allow-Origin`` is ``*`` (the Fetch standard), so
no other site reads anything as the user. The Python libraries above echo the origin instead,
and are reported.

Test files are out of scope.
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.treesitter import captures, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_CATCH_ALL = frozenset({".*", ".+", "^.*$", "^.+$", "^.*", ".*$", "*"})
_MESSAGE = (
    "CORS allows any origin{how} together with credentials: any web site a user visits can "
    "call this API as that user; list the allowed origins explicitly"
)


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _any_origin(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == "*"
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return any(isinstance(e, ast.Constant) and e.value == "*" for e in node.elts)
    return False


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _origins_config(node: ast.AST) -> bool:
    """flask-cors' app-wide allow-list set to something other than ``"*"``: a module's
    ``CORS_ORIGINS = ...``, ``app.config["CORS_ORIGINS"] = ...`` or
    ``app.config.update(CORS_ORIGINS=...)``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        named = (isinstance(target, ast.Name) and target.id == "CORS_ORIGINS") or (
            isinstance(target, ast.Subscript)
            and isinstance(target.slice, ast.Constant)
            and target.slice.value == "CORS_ORIGINS"
        )
        return named and not _any_origin(node.value)
    if isinstance(node, ast.Call) and _name(node.func) == "update":
        return any(
            k.arg == "CORS_ORIGINS" and not _any_origin(k.value) for k in node.keywords
        )
    return False


def _python(tree: ast.Module, out: Emitter) -> None:
    settings: dict[str, ast.Assign] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                settings[target.id] = statement
    allow_all = settings.get("CORS_ALLOW_ALL_ORIGINS") or settings.get("CORS_ORIGIN_ALLOW_ALL")
    credentials = settings.get("CORS_ALLOW_CREDENTIALS")
    if (
        allow_all is not None
        and credentials is not None
        and _is_true(allow_all.value)
        and _is_true(credentials.value)
    ):
        out.report(allow_all.lineno, _MESSAGE.format(how=" (CORS_ALLOW_ALL_ORIGINS)"))
    for node in ast.walk(tree):
        if _origins_config(node):
            out.fact({"origins_config": getattr(node, "lineno", 1)})
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        args = [_name(a) for a in node.args]
        name = _name(node.func)
        if "CORSMiddleware" in args or name == "CORSMiddleware":
            regex = keywords.get("allow_origin_regex")
            catch_all = isinstance(regex, ast.Constant) and regex.value in _CATCH_ALL
            if _is_true(keywords.get("allow_credentials")) and (
                _any_origin(keywords.get("allow_origins")) or catch_all
            ):
                out.report(node.lineno, _MESSAGE.format(how=" (CORSMiddleware reflects it)"))
        elif name in {"CORS", "cross_origin"} and _is_true(keywords.get("supports_credentials")):
            origins = keywords.get("origins", keywords.get("resources"))
            if origins is None:  # the app's CORS_ORIGINS, when it sets one, else "*"
                out.fact({"default_origins": node.lineno})
            elif _any_origin(origins):
                out.report(node.lineno, _MESSAGE.format(how=" (flask-cors origins '*')"))


_GO_TRUE = re.compile(r"\bAllowCredentials\s*:\s*true\b")
#: an origin callback that accepts every origin: the libraries echo the caller's origin back
_GO_ANY = re.compile(
    r"\bAllowOrigin(?:WithContext)?Func\s*:\s*func\s*\([^)]*\)\s*bool\s*\{\s*return\s+true\s*\}"
)
_RUST = re.compile(r"\bCorsLayer\s*::\s*very_permissive\s*\(\s*\)")
_JS_CALL = re.compile(r"\bcors\s*\(\s*\{(?P<body>[^}]*)\}", re.DOTALL)
#: ``origin: true`` echoes the caller's origin (``"*"`` is sent as it is: no credentials)
_JS_ANY = re.compile(r"\borigin\s*:\s*true\b")
_JS_CREDENTIALS = re.compile(r"\bcredentials\s*:\s*true\b")


class CorsRestrictedAnalyzer(Analyzer):
    name: ClassVar[str] = "cors-restricted"
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"python", "go", "rust", "javascript", "typescript"}
    )
    prefilter: ClassVar[tuple[str, ...]] = ("CORS", "cors", "Cors")

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        out.fact(True)  # a file that mentions CORS: the rule has something to judge
        if file.kind == "python":
            tree = file.python_ast
            if tree is not None:
                _python(tree, out)
        elif file.kind == "go":
            self._go(file, out)
        elif file.kind == "rust":
            for number, line in enumerate(file.lines, start=1):
                if _RUST.search(line.split("//", 1)[0]):
                    out.report(number, _MESSAGE.format(how=" (CorsLayer::very_permissive)"))
        else:
            source = file.text or ""
            for call in _JS_CALL.finditer(source):
                body = call["body"]
                if _JS_ANY.search(body) and _JS_CREDENTIALS.search(body):
                    number = source.count("\n", 0, call.start()) + 1
                    out.report(number, _MESSAGE.format(how=" (origin reflected)"))

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        """flask-cors left at its default origins takes the app's ``CORS_ORIGINS``: reported
        only when no module of the code base sets one."""
        facts = repo.facts(self)
        if not facts:
            out.not_applicable("no source mentions CORS")
            return
        found = [(p, v) for p, values in sorted(facts.items()) for v in values if v is not True]
        configured = [(p, v["origins_config"]) for p, v in found if "origins_config" in v]
        if configured:
            path, line = configured[0]
            out.evidence(f"flask-cors origins configured (CORS_ORIGINS) at {path}:{line}")
            return
        for path, value in found:
            if "default_origins" in value:
                out.report(
                    value["default_origins"],
                    _MESSAGE.format(how=" (flask-cors origins '*')"),
                    path=path,
                )

    def _go(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        literals = captures(tree.language, tree.root_node, "(composite_literal) @l").get("l", [])
        matched = [
            lit
            for lit in literals
            if _GO_TRUE.search(body := text(lit.child_by_field_name("body")))
            and _GO_ANY.search(body)
        ]
        for literal in matched:
            inner = any(
                other is not literal
                and literal.start_byte <= other.start_byte
                and other.end_byte <= literal.end_byte
                for other in matched
            )
            if not inner:  # the innermost literal is the CORS configuration itself
                out.report(literal.start_point[0] + 1, _MESSAGE.format(how=""))
