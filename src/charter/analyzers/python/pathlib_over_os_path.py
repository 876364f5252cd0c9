"""pathlib-over-os-path: ``os.path`` function calls, where ``pathlib.Path`` does the job.

Only functions with a ``pathlib`` equivalent are reported (as in ruff's PTH rules):
``os.path.normcase``, ``normpath``, ``relpath``, ``commonpath``, ``expandvars`` and ``split`` have
none and pass. Names are resolved through the file's imports, so ``from os.path import join`` and
``import os.path as osp`` are caught, while a ``path.join(...)`` on some other object is not.
"""

from __future__ import annotations

import ast
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
                if func in REPLACEMENT:
                    self.at(node, f"`{name}()` call: use {REPLACEMENT[func]} instead")
                return
