"""rust-no-panic: ``panic!``, ``todo!`` and ``unimplemented!`` in production Rust code where an
error could be returned instead.

A ``panic!`` or ``unimplemented!`` is reported when the enclosing function, closure or async
block can return the failure (it returns ``Result``/``Option``, ``impl Future<Output =
Result<..>>``; a closure or async block that uses ``?`` or ends in ``Ok(..)``/``Some(..)``),
so ``return Err(..)`` is the fix, or when the function answers a request (returns ``impl
IntoResponse``, ``impl Responder``, ``HttpResponse``, ``Response``). ``todo!`` is unfinished
code that production reaches: it is reported wherever it is.

Left out, as for rust-no-unwrap: test code (``#[cfg(test)]`` modules inline or out of line,
``#[test]``-like functions, ``#![cfg(test)]`` files, test-only features, every crate's
``tests/``, ``examples/``, ``benches/`` and ``build.rs``); a panic directly in ``fn main`` (it
ends the process with its message, as a returned error does); a panic inside a closure that
cannot return an error, such as ``.unwrap_or_else(|e| panic!("..: {e}"))``, which is
``.expect("reason")`` by another name (the profile allows ``expect``); a panic in a function
whose doc comment has a ``# Panics`` section (the panic is its documented contract, as clippy's
``missing_panics_doc`` asks) or says in prose when it panics ("panics if .."); a panic
under ``#[allow(clippy::panic)]`` (opted out of clippy's lint, on the item or the statement);
``unreachable!`` and ``assert!`` (an invariant, not an error),
and a ``panic!`` whose message states an invariant ("should not get here", "unexpected
data", "impossible", "bug"): that is ``unreachable!`` in other words.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import tree_sitter

from charter.analyzers.base import Analyzer, Emitter, path_matches
from charter.analyzers.rust.common import is_test_crate_file
from charter.analyzers.rust.no_unwrap import (
    _HANDLER,
    _SCOPES,
    RustNoUnwrapParams,
    _in_test_code,
    _is_main,
    _propagates,
    production_files,
    test_module_names,
)
from charter.analyzers.treesitter import ancestors, captures, preceding_siblings, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

_QUERY = """
(mod_item) @mod
(macro_invocation macro: [(identifier) (scoped_identifier)] @name) @macro
"""
_MACROS = frozenset({"panic", "todo", "unimplemented"})
#: a panic message that states an invariant: ``unreachable!`` in other words
_INVARIANT = re.compile(
    r"(?i)\b(?:should(?:n't| not) (?:get|happen|be reached|reach|be called)|should never"
    r"|should have been|should have never|should only|should always"
    r"|never happens?|unexpected|unreachable|impossible|not possible|can(?:no|')t happen"
    r"|invariant|bug)\b"
)
_PANICS_DOC = re.compile(r"^\s*(?://[/!]|\*)\s*#\s*Panics\b", re.MULTILINE)
#: a doc comment that says in prose when the function panics ("This panics if ...")
_PANICS_PROSE = re.compile(
    r"^\s*(?:///|\*).*(?:\bpanic(?:s|king)?\s+(?:if|when|unless|whenever|on)\b"
    r"|\b(?:then|otherwise)\s+(?:this|it)\s+(?:will\s+)?panics?\b)",
    re.MULTILINE | re.IGNORECASE,
)
#: ``#[allow(clippy::panic)]`` / ``#[expect(clippy::panic)]``: the panic was opted out of the lint
_ALLOWED = re.compile(r"#\s*\[\s*(?:allow|expect)\s*\([^)]*\bclippy::panic\b")


def _allowed(macro: tree_sitter.Node) -> bool:
    """An ``#[allow(clippy::panic)]`` on the statement or on an item around the panic."""
    for node in [macro, *ancestors(macro)]:
        for sibling in preceding_siblings(node):
            if sibling.type == "attribute_item":
                if _ALLOWED.search(text(sibling)):
                    return True
            elif sibling.type not in {"line_comment", "block_comment"}:
                break
    return False


def _documents_panics(scope: tree_sitter.Node) -> bool:
    """The function's doc comment (``///`` lines or ``/** */``) has a ``# Panics`` section or
    says in prose when it panics."""
    function = next((a for a in [scope, *ancestors(scope)] if a.type == "function_item"), None)
    if function is None:
        return False
    for sibling in preceding_siblings(function):
        if sibling.type in {"line_comment", "block_comment"}:
            comment = text(sibling)
            if _PANICS_DOC.search(comment) or _PANICS_PROSE.search(comment):
                return True
        elif sibling.type != "attribute_item":
            break
    return False


def _reported(macro: tree_sitter.Node, name: str) -> bool:
    if name == "todo":
        return True
    if name == "panic" and _INVARIANT.search(text(macro)):
        return False
    if _allowed(macro):
        return False
    scope = next((a for a in ancestors(macro) if a.type in _SCOPES), None)
    if scope is None or _is_main(scope) or _documents_panics(scope):
        return False
    if _propagates(scope) is not None:
        return True
    if scope.type != "function_item":
        return False
    returns = scope.child_by_field_name("return_type")
    return returns is not None and bool(_HANDLER.search(text(returns)))


class RustNoPanicAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-no-panic"
    Params = RustNoUnwrapParams
    params: RustNoUnwrapParams
    kinds: ClassVar[frozenset[str]] = frozenset({"rust"})

    def applies_to(self, file: SourceFile) -> bool:
        return super().applies_to(file) and not path_matches(file.path, self.params.ignore)

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        root = tree.root_node
        found = captures(tree.language, root, _QUERY)
        test_mods = test_module_names(found)
        sites: list[list[Any]] = []
        if not is_test_crate_file(root):
            for macro in found.get("macro", []):
                name = text(macro.child_by_field_name("macro")).split("::")[-1]
                if name in _MACROS and not _in_test_code(macro) and _reported(macro, name):
                    sites.append([macro.start_point[0] + 1, macro.start_point[1] + 1, name])
        out.fact({"panics": sites, "test_mods": test_mods})

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = repo.facts(self)
        if not facts:
            out.not_applicable("no production Rust code")
            return
        production = production_files(facts)
        for path in production:
            for line, column, name in facts[path][0]["panics"]:
                message = (
                    "`todo!()` is unfinished code that production reaches; implement it or "
                    "return an error"
                    if name == "todo"
                    else f"`{name}!` in a function that can return an error takes down the "
                    "task or process; return an `Err` with context instead (or document it "
                    "under `# Panics`)"
                )
                out.report(line, message, path=path, column=column)
        if not production:
            out.not_applicable("no production Rust code (only tests)")
