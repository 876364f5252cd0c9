"""pathlib-over-os-path: ``os.path`` function calls, where ``pathlib.Path`` does the job.

Only functions with a ``pathlib`` equivalent are reported (as in ruff's PTH rules):
``os.path.normcase``, ``normpath``, ``relpath``, ``commonpath``, ``expandvars`` and ``split`` have
none and pass. Names are resolved through the file's imports, so ``from os.path import join`` and
``import os.path as osp`` are caught, while a ``path.join(...)`` on some other object is not.

A call whose argument is a URL is not about a filesystem path and is not reported: an argument
named like one (``url``, ``image_url``, ``DUMP_URL``, ``config["url"]``, last word ``url``,
``uri`` or ``href``) or the result of ``urlparse``/``urlsplit``. ``os.path.basename(url)`` is
string surgery on a URL, which ``Path`` would not make right (``urllib.parse`` would).
"""

from __future__ import annotations

import ast
import re
from typing import ClassVar

from charter.analyzers.python.common import PythonRule

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
                    self.at(node, f"`{name}()` call: use {REPLACEMENT[func]} instead")
                return

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
