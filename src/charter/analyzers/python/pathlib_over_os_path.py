"""pathlib-over-os-path: ``os.path`` function calls, where ``pathlib.Path`` does the job.

Only functions with a ``pathlib`` equivalent are reported (as in ruff's PTH rules):
``os.path.normcase``, ``normpath``, ``relpath``, ``commonpath``, ``expandvars`` and ``split`` have
none and pass. Names are resolved through the file's imports, so ``from os.path import join`` and
``import os.path as osp`` are caught, while a ``path.join(...)`` on some other object is not.

A call whose argument is a URL is not about a filesystem path and is not reported: an argument
named like one (``url``, ``image_url``, ``DUMP_URL``, ``config["url"]``, last word ``url``,
``uri`` or ``href``) or the result of ``urlparse``/``urlsplit``. ``os.path.basename(url)`` is
string surgery on a URL, which ``Path`` would not make right (``urllib.parse`` would).

Fixable (unsafe, :func:`path_fixes`, applied by :mod:`charter.fixes.pathlib`): ``os.path.exists(p)``
and the ``os.path.join(a, b, ...)`` that is the file argument of ``open()`` or the argument of a
fixed ``os.path.exists``; nothing else, since a ``Path`` where a ``str`` was differs for ``+``,
``==``, ``json.dumps`` and string methods.
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from charter.analyzers.base import Emitter
from charter.analyzers.python.common import PythonRule
from charter.analyzers.python.names import ImportMap
from charter.sources import SourceFile

#: the pathlib spelling of the common ``os.path`` functions
REPLACEMENT = {
    "join": "`Path(a) / b`",
    "exists": "`Path.exists()`",
    "isfile": "`Path.is_file()`",
    "isdir": "`Path.is_dir()`",
    "basename": "`Path.name`",
    "dirname": "`Path.parent`",
    "abspath": "`Path.resolve()`",
    "realpath": "`Path.resolve()`",
    "splitext": "`Path.suffix` / `Path.stem`",
    "expanduser": "`Path.expanduser()`",
    "getsize": "`Path.stat().st_size`",
    "isabs": "`Path.is_absolute()`",
    "getmtime": "`Path.stat().st_mtime`",
    "getatime": "`Path.stat().st_atime`",
    "getctime": "`Path.stat().st_ctime`",
    "islink": "`Path.is_symlink()`",
    "samefile": "`Path.samefile()`",
}


#: the last word of a name that holds a URL
URL_WORD = re.compile(r"(?:^|_)(?:url|uri|href)$", re.IGNORECASE)
URL_PARSERS = frozenset({"urlparse", "urlsplit", "urllib.parse.urlparse", "urllib.parse.urlsplit"})


def _url_name(node: ast.expr) -> str | None:
    """The name an argument is known by: a variable, an attribute or a string subscript key."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


#: the calls whose file argument may be a ``Path`` as well as a ``str``
OPENERS = frozenset({"open", "builtins.open", "io.open"})


def _binds_path(tree: ast.AST) -> bool:
    """Whether the module binds the name ``Path`` to anything but ``pathlib.Path`` (a class,
    a variable, a parameter, another module's ``Path``): the fix's ``Path`` would mean that."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "Path" and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if node.name == "Path":
                return True
        elif isinstance(node, ast.arg) and node.arg == "Path":
            return True
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".", 1)[0]
                pathlib = isinstance(node, ast.ImportFrom) and node.module == "pathlib"
                if bound == "Path" and not (pathlib and alias.name == "Path"):
                    return True
                if alias.name == "*" and not pathlib:
                    return True
    return False


def _plain(call: ast.Call, least: int, lines: list[str]) -> bool:
    """Positional arguments only (at least ``least``), none starred, and no comment inside
    the call (a fix rewrites the call's text: a comment between its lines would be lost)."""
    if call.keywords or len(call.args) < least:
        return False
    if any(isinstance(a, ast.Starred) for a in call.args):
        return False
    end = call.end_lineno or call.lineno
    return not any("#" in lines[n - 1] for n in range(call.lineno, end) if n <= len(lines))


def path_fixes(tree: ast.AST, imports: ImportMap, text: str) -> dict[tuple[int, int], str]:
    """(line, column from 1) of each ``os.path`` call that ``charter fix --unsafe-fixes``
    rewrites -> ``"exists"`` (``os.path.exists(p)`` -> ``Path(p).exists()``) or ``"join"``
    (``os.path.join(a, b)`` -> ``Path(a) / b``, only as the file of ``open()`` or the argument
    of a rewritten ``exists``). Columns count UTF-8 bytes, as ``ast`` does. None when the
    module binds ``Path`` to something else."""
    if "os" not in imports.modules or _binds_path(tree):
        return {}
    lines = text.splitlines()
    out: dict[tuple[int, int], str] = {}
    path_args: set[int] = set()
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    for call in calls:
        name = imports.qualify(call.func)
        if name == "os.path.exists" and _plain(call, 1, lines) and len(call.args) == 1:
            out[(call.lineno, call.col_offset + 1)] = "exists"
            path_args.add(id(call.args[0]))
        elif name in OPENERS and call.args and not isinstance(call.args[0], ast.Starred):
            path_args.add(id(call.args[0]))
    for call in calls:
        joined = id(call) in path_args and imports.qualify(call.func) == "os.path.join"
        if joined and _plain(call, 2, lines):
            out[(call.lineno, call.col_offset + 1)] = "join"
    return out


class PathlibOverOsPathAnalyzer(PythonRule):
    """Report each call of an ``os.path`` function."""

    name: ClassVar[str] = "pathlib-over-os-path"
    prefilter: ClassVar[tuple[str, ...]] = ("os.path", "from os import", "posixpath")

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualify(node.func)
        if name is None:
            return
        for module in ("os.path.", "posixpath.", "ntpath."):
            if name.startswith(module):
                func = name[len(module) :]
                if func in REPLACEMENT and not self._on_url(node):
                    fix = self._fixes().get((node.lineno, node.col_offset + 1))
                    message = f"`{name}()` call: use {REPLACEMENT[func]} instead"
                    self.at(node, message, fix="unsafe" if fix else None)
                return

    def begin(self, file: SourceFile, out: Emitter) -> None:
        super().begin(file, out)
        self._fixable: dict[tuple[int, int], str] | None = None

    def _fixes(self) -> dict[tuple[int, int], str]:
        """The file's fixable calls (:func:`path_fixes`), worked out at its first finding."""
        if self._fixable is None:
            tree = self.file.python_ast
            self._fixable = (
                path_fixes(tree, self.imports, self.file.text or "") if tree is not None else {}
            )
        return self._fixable

    def _on_url(self, call: ast.Call) -> bool:
        """Whether an argument is a URL (by its name, or parsed by ``urlparse``)."""
        for arg in call.args:
            target = arg.value if isinstance(arg, ast.Attribute) else arg  # urlparse(u).path
            if isinstance(target, ast.Call):
                parser = self.qualify(target.func) or ""
                if parser in URL_PARSERS or parser.endswith((".urlparse", ".urlsplit")):
                    return True
            name = _url_name(arg)
            if name and URL_WORD.search(name):
                return True
        return False
