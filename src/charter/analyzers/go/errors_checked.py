"""go-errors-checked: a call whose ``error`` result is thrown away (errcheck, without types).

A call counts when it stands alone as a statement (``os.Remove(p)``) or is started with ``go``
(``go srv.ListenAndServe()``), so every result, the error included, is dropped. Assigning the
error to ``_`` is an explicit, visible decision and is not reported (errcheck's default).

Without type information a call is known to return an error when it is

- a function of the standard library that does (``os.WriteFile``, ``io.Copy``,
  ``json.Unmarshal``, ``http.ListenAndServe``, ``fmt.Sscanf`` ...; the table below), or a
  method chained on its constructor (``json.NewEncoder(w).Encode(v)``,
  ``exec.Command(..).Run()``);
- a function of the repository whose last result is ``error``: ``Foo(..)`` declared in the same
  package (folder), ``pkg.Foo(..)`` declared in the folder that the import path of ``pkg`` ends
  with;
- a method ``x.Foo(..)`` when every method and interface method named ``Foo`` declared in the
  repository returns an ``error`` last and the name is not one the standard library uses for a
  method that returns none (``Wait``, ``Lock``, ``Add`` ...).

Left out, as golangci-lint's default exclusions (EXC0001) and errcheck's defaults leave them:
``defer``-red calls (cleanup whose error has no caller left to return to), ``Close``/``Flush``,
``os.Remove``/``RemoveAll``, ``os.Setenv``/``Unsetenv``, the ``print`` family
(``fmt.Fprintf``), writes to ``os.Stdout``/``Stderr``. Test files, test build tags, vendored,
copied and generated files are not judged.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

import tree_sitter

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.go.common import imports, is_copied, is_foreign, is_test_code
from charter.analyzers.treesitter import ancestors, captures, descendants, text
from charter.repo import RepoIndex
from charter.sources import SourceFile

#: standard-library functions whose last result is ``error`` (import path -> names)
_STD: dict[str, frozenset[str]] = {
    "os": frozenset(
        [
            "Chdir",
            "Chmod",
            "Chown",
            "Chtimes",
            "Lchown",
            "Link",
            "Mkdir",
            "MkdirAll",
            "MkdirTemp",
            "Rename",
            "Symlink",
            "Truncate",
            "WriteFile",
            "Create",
            "CreateTemp",
            "Open",
            "OpenFile",
            "ReadFile",
            "ReadDir",
        ]
    ),
    "io": frozenset(
        ["Copy", "CopyN", "CopyBuffer", "ReadFull", "ReadAll", "ReadAtLeast", "WriteString"]
    ),
    "io/ioutil": frozenset(["WriteFile", "ReadFile", "ReadAll", "ReadDir", "TempFile", "TempDir"]),
    "encoding/json": frozenset({"Unmarshal"}),
    "encoding/xml": frozenset({"Unmarshal"}),
    "encoding/binary": frozenset({"Read", "Write"}),
    "net/http": frozenset(["ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"]),
    "fmt": frozenset(
        ["Sscan", "Sscanf", "Sscanln", "Fscan", "Fscanf", "Fscanln", "Scan", "Scanf", "Scanln"]
    ),
    "path/filepath": frozenset({"Walk", "WalkDir"}),
    "io/fs": frozenset({"WalkDir"}),
    "syscall": frozenset(
        ["Kill", "Chdir", "Chmod", "Mkdir", "Rename", "Unlink", "Setpgid", "Setsid"]
    ),
}
#: ``pkg.Constructor(..).Method(..)``: standard-library methods returning an error, by the
#: constructor that gives their receiver
_STD_CHAINS: dict[tuple[str, str], frozenset[str]] = {
    ("encoding/json", "NewEncoder"): frozenset({"Encode"}),
    ("encoding/json", "NewDecoder"): frozenset({"Decode"}),
    ("encoding/xml", "NewEncoder"): frozenset({"Encode"}),
    ("encoding/xml", "NewDecoder"): frozenset({"Decode"}),
    ("encoding/gob", "NewEncoder"): frozenset({"Encode"}),
    ("encoding/gob", "NewDecoder"): frozenset({"Decode"}),
    ("os/exec", "Command"): frozenset({"Run", "Start", "Wait"}),
    ("os/exec", "CommandContext"): frozenset({"Run", "Start", "Wait"}),
}
#: golangci-lint's default exclusion EXC0001 and errcheck's defaults: errors nobody checks
_EXCLUDED_NAME = re.compile(r"^(?:\w*Close|\w*Flush|\w*[Pp]rint(?:f|ln)?)$")
_EXCLUDED_STD = frozenset(
    {("os", "Remove"), ("os", "RemoveAll"), ("os", "Setenv"), ("os", "Unsetenv")}
)
#: standard-library method names that return no error: a repository method of the same name
#: does not make ``x.Wait()`` a call of it
_STD_METHODS_WITHOUT_ERROR = frozenset(
    [
        "Wait",
        "Lock",
        "Unlock",
        "RLock",
        "RUnlock",
        "TryLock",
        "Add",
        "Done",
        "Do",
        "Go",
        "Store",
        "Load",
        "Swap",
        "Set",
        "Get",
        "Del",
        "Delete",
        "Reset",
        "Stop",
        "Start",
        "Signal",
        "Broadcast",
        "Cancel",
        "Inc",
        "Dec",
        "Observe",
        "Info",
        "Warn",
        "Debug",
        "Error",
        "Errorf",
        "Fatal",
        "Fatalf",
        "Log",
        "Logf",
        "Helper",
        "Run",
        "Len",
        "Cap",
        "String",
        "Push",
        "Pop",
        "Init",
        "Next",
        "Release",
        "Put",
        "Range",
        "Clear",
        "Write",
        "WriteString",
        "WriteByte",
        "WriteRune",
        "WriteHeader",
        "Header",
        "Seek",
        "Sub",
        "Handle",
        "HandleFunc",
    ]
)

_QUERY = """
(expression_statement (call_expression) @call)
(go_statement (call_expression) @call)
(function_declaration name: (identifier) @fn) @fdecl
(method_declaration name: (field_identifier) @method) @mdecl
(method_elem name: (field_identifier) @imethod) @idecl
(package_clause (package_identifier) @package)
"""


_LOGGER = re.compile(r"(?i)log")
_LOG_LEVELS = frozenset(
    [
        "Error",
        "Errorf",
        "Errorw",
        "Errorln",
        "Warn",
        "Warnf",
        "Warnw",
        "Warning",
        "Warningf",
        "Fatal",
        "Fatalf",
        "Panic",
        "Panicf",
    ]
)


def _can_fail_silently(decl: tree_sitter.Node) -> bool:
    """A declared function whose dropped error would go unseen: some ``return`` gives an error
    other than ``nil`` (a function that only ever returns ``nil`` cannot fail) and the function
    does not log a failure itself (``log.Errorf(..)``, ``p.logger.Warn(..)``: the failure is
    already visible). Interface methods have no body and count as failing silently."""
    body = decl.child_by_field_name("body")
    if body is None:
        return True
    for call in descendants(body, ("call_expression",)):
        fn = call.child_by_field_name("function")
        if fn is not None and fn.type == "selector_expression":
            field = text(fn.child_by_field_name("field"))
            if field in _LOG_LEVELS and _LOGGER.search(text(fn.child_by_field_name("operand"))):
                return False
    for ret in descendants(body, ("return_statement",)):
        values = next((c for c in ret.named_children if c.type == "expression_list"), None)
        if values is None:
            return True  # a bare return of named results
        last = [c for c in values.named_children if c.type != "comment"]
        if not last or last[-1].type != "nil":
            return True
    return False


def _returns_error(decl: tree_sitter.Node) -> bool:
    """The declaration's last result is ``error``."""
    result = decl.child_by_field_name("result")
    if result is None:
        return False
    if result.type == "parameter_list":
        params = [c for c in result.named_children if c.type == "parameter_declaration"]
        if not params:
            return False
        result = params[-1].child_by_field_name("type")
    return result is not None and text(result) == "error"


def _callee(call: tree_sitter.Node) -> dict[str, Any] | None:
    """What a call statement calls, as a JSON-able description for the repo phase."""
    fn = call.child_by_field_name("function")
    if fn is None:
        return None
    if fn.type == "identifier":
        return {"kind": "local", "name": text(fn)}
    if fn.type != "selector_expression":
        return None
    operand = fn.child_by_field_name("operand")
    name = text(fn.child_by_field_name("field"))
    if operand is None:
        return None
    if operand.type == "identifier":
        return {"kind": "selector", "operand": text(operand), "name": name}
    if operand.type == "call_expression":
        inner = operand.child_by_field_name("function")
        if inner is not None and inner.type == "selector_expression":
            pkg = inner.child_by_field_name("operand")
            if pkg is not None and pkg.type == "identifier":
                return {
                    "kind": "chain",
                    "operand": text(pkg),
                    "ctor": text(inner.child_by_field_name("field")),
                    "name": name,
                }
    operand_text = text(operand)
    return {"kind": "method", "operand": operand_text, "name": name}


def _first_argument(call: tree_sitter.Node | None) -> tree_sitter.Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    named = [a for a in args.named_children if a.type != "comment"] if args is not None else []
    return named[0] if named else None


def _writes_response(call: tree_sitter.Node) -> bool:
    """``json.NewEncoder(w).Encode(v)`` where ``w`` is the handler's ``http.ResponseWriter``: the
    status line is sent, the client may be gone, and nobody is left to report the error to (as
    with the print family)."""
    fn = call.child_by_field_name("function")
    operand = fn.child_by_field_name("operand") if fn is not None else None
    if operand is None or operand.type != "call_expression":
        return False
    writer = _first_argument(operand)
    if writer is None or writer.type != "identifier":
        return False
    function = next((a for a in ancestors(call) if a.type in _FUNCTIONS), None)
    params = function.child_by_field_name("parameters") if function is not None else None
    if params is None:
        return False
    for decl in params.named_children:
        names = {text(n) for n in decl.children_by_field_name("name")}
        if text(writer) in names and text(decl.child_by_field_name("type")).endswith(
            "ResponseWriter"
        ):
            return True
    return False


def _drains(call: tree_sitter.Node, names: dict[str, str]) -> bool:
    """``io.Copy(io.Discard, body)``: draining a body so the connection can be reused."""
    target = _first_argument(call)
    if target is None or target.type != "selector_expression":
        return False
    pkg = target.child_by_field_name("operand")
    return text(target.child_by_field_name("field")) == "Discard" and names.get(text(pkg), "") in {
        "io",
        "io/ioutil",
    }


def _cleanup_before_failing(call: tree_sitter.Node) -> bool:
    """A call right before ``return .., err``: cleanup on the way out of a failure that the
    function already reports; a second error from the cleanup has nowhere to go."""
    statement = call.parent
    following = statement.next_named_sibling if statement is not None else None
    while following is not None and following.type == "comment":
        following = following.next_named_sibling
    if following is None or following.type != "return_statement":
        return False
    values = next((c for c in following.named_children if c.type == "expression_list"), None)
    last = [c for c in values.named_children if c.type != "comment"] if values is not None else []
    return bool(last) and last[-1].type != "nil"


_FUNCTIONS = ("function_declaration", "method_declaration", "func_literal")


class GoErrorsCheckedAnalyzer(Analyzer):
    name: ClassVar[str] = "go-errors-checked"
    kinds: ClassVar[frozenset[str]] = frozenset({"go"})

    def applies_to(self, file: SourceFile) -> bool:
        return (
            super().applies_to(file)
            and not is_foreign(file)
            and not is_copied(file)
            and not is_test_code(file)
        )

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.syntax_tree
        if tree is None:
            return
        found = captures(tree.language, tree.root_node, _QUERY)
        functions = {
            text(decl.child_by_field_name("name")): _returns_error(decl)
            and _can_fail_silently(decl)
            for decl in found.get("fdecl", [])
        }
        methods: dict[str, list[bool]] = {}
        for decl in [*found.get("mdecl", []), *found.get("idecl", [])]:
            methods.setdefault(text(decl.child_by_field_name("name")), []).append(
                _returns_error(decl) and _can_fail_silently(decl)
            )
        names = imports(tree.root_node)
        calls = []
        for call in found.get("call", []):
            what = _callee(call)
            if (
                what is None
                or _writes_response(call)
                or _drains(call, names)
                or _cleanup_before_failing(call)
            ):
                continue
            operand = what.get("operand")
            if operand is not None and operand in names:
                what["import"] = names[operand]
            fn = call.child_by_field_name("function")
            where = fn.child_by_field_name("field") if fn is not None else None
            target = where if where is not None else call
            what["at"] = [target.start_point[0] + 1, target.start_point[1] + 1]
            shown = text(fn) if fn is not None else ""
            if what["kind"] == "chain":
                shown = f"{what['operand']}.{what['ctor']}(..).{what['name']}"
            what["text"] = shown[:80]
            calls.append(what)
        package = found.get("package", [])
        out.fact(
            {
                "package": text(package[0]) if package else "",
                "functions": functions,
                "methods": methods,
                "calls": calls,
            }
        )

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        facts = repo.facts(self)
        if not facts:
            out.not_applicable("no production Go code")
            return
        by_dir: dict[str, dict[str, bool]] = {}
        methods: dict[str, list[bool]] = {}
        for path, items in facts.items():
            fact = items[0]
            folder = str(PurePosixPath(path).parent)
            for name, errs in fact["functions"].items():
                by_dir.setdefault(folder, {})[name] = (
                    by_dir.get(folder, {}).get(name, True) and errs
                )
            for name, flags in fact["methods"].items():
                methods.setdefault(name, []).extend(flags)
        folders = sorted(by_dir, key=len, reverse=True)
        for path in sorted(facts):
            folder = str(PurePosixPath(path).parent)
            for call in facts[path][0]["calls"]:
                if self._drops_error(call, folder, by_dir, folders, methods):
                    line, column = call["at"]
                    out.report(
                        line,
                        f"the error returned by `{call['text']}(..)` is dropped; check it, "
                        "return it wrapped, or assign it to `_` with a comment saying why it "
                        "can be ignored",
                        path=path,
                        column=column,
                    )

    @staticmethod
    def _drops_error(
        call: dict[str, Any],
        folder: str,
        by_dir: dict[str, dict[str, bool]],
        folders: list[str],
        methods: dict[str, list[bool]],
    ) -> bool:
        name = call["name"]
        if _EXCLUDED_NAME.match(name):
            return False
        kind = call["kind"]
        if kind == "local":
            return by_dir.get(folder, {}).get(name, False)
        imported = call.get("import")
        if kind == "chain":
            return imported is not None and name in _STD_CHAINS.get((imported, call["ctor"]), ())
        if kind == "selector" and imported is not None:
            if (imported, name) in _EXCLUDED_STD:
                return False
            if imported in _STD:
                return name in _STD[imported]
            # a package of this repository: the folder its import path ends with
            for candidate in folders:
                if candidate != "." and (
                    imported == candidate or imported.endswith("/" + candidate)
                ):
                    return by_dir[candidate].get(name, False)
            return False
        # a method call on a value (or on a package the file does not import by that name)
        if call.get("operand", "").split(".")[0] in {"os"} or name in _STD_METHODS_WITHOUT_ERROR:
            return False
        declared = methods.get(name) or []
        return bool(declared) and all(declared)
