"""rust-clippy-pedantic: every crate turns on ``clippy::pedantic`` (``clippy::all`` is default).

Accepted, per crate (a ``Cargo.toml`` with ``[package]``):

- a crate-level ``#![warn(...)]``/``#![deny(...)]``/``#![forbid(...)]`` naming ``clippy::pedantic``
  in ``src/lib.rs``, ``src/main.rs`` or the ``[lib] path``;
- ``[lints.clippy] pedantic = "warn"`` (or deny/forbid, or ``{ level = ... }``) in its Cargo.toml;
- ``[lints] workspace = true`` with ``[workspace.lints.clippy] pedantic`` in the workspace root;
- ``-W clippy::pedantic`` (or ``-D``) in the rustflags of a ``.cargo/config.toml``;
- a curated set instead of the whole group: at least five lints of the pedantic group turned on
  one by one (in the crate's or the workspace's lints table, or a crate-level attribute): the
  team went through the group and chose what fits it, which is what the standard asks for.

One verdict per workspace (the fix is one ``[workspace.lints.clippy]`` table), at the workspace
manifest, naming the member crates that miss it; a crate outside any workspace gets its own, at
its ``[package]`` header. Crates that are mostly generated code (``@generated``) are left out.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, ClassVar

from charter.analyzers.base import Analyzer, Emitter
from charter.analyzers.treesitter import text
from charter.repo import RepoIndex

_LEVELS = frozenset({"warn", "deny", "forbid"})
_INNER = re.compile(r"^#!\[\s*(warn|deny|forbid)\s*\((?P<lints>.*)\)\s*\]$", re.DOTALL)
_FLAG = re.compile(r"(?:-[WDF]|--(?:warn|deny|forbid))[\s=]*clippy::pedantic")
_CURATED_PEDANTIC = 5
#: the lints of clippy's pedantic group (current and recent names)
_PEDANTIC_NAMES = """
    assigning_clones bool_to_int_with_if borrow_as_ptr case_sensitive_file_extension_comparisons
    cast_lossless cast_possible_truncation cast_possible_wrap cast_precision_loss
    cast_ptr_alignment cast_sign_loss checked_conversions cloned_instead_of_copied
    comparison_chain copy_iterator default_trait_access doc_comment_double_space_linebreaks
    doc_link_with_quotes doc_markdown elidable_lifetime_names empty_enum enum_glob_use
    expl_impl_clone_on_copy explicit_deref_methods explicit_into_iter_loop explicit_iter_loop
    filter_map_next flat_map_option float_cmp fn_params_excessive_bools
    from_iter_instead_of_collect if_not_else ignored_unit_patterns implicit_clone
    implicit_hasher inconsistent_struct_constructor index_refutable_slice inefficient_to_string
    inline_always into_iter_without_iter invalid_upcast_comparisons items_after_statements
    iter_filter_is_ok iter_filter_is_some iter_not_returning_iterator iter_without_into_iter
    large_digit_groups large_futures large_stack_arrays large_types_passed_by_value linkedlist
    macro_use_imports manual_assert manual_instant_elapsed manual_is_power_of_two
    manual_is_variant_and manual_let_else manual_midpoint manual_ok_or manual_string_new
    many_single_char_names map_unwrap_or match_bool match_on_vec_items match_same_arms
    match_wild_err_arm match_wildcard_for_single_variants maybe_infinite_iter
    mismatching_type_param_order missing_errors_doc missing_fields_in_debug missing_panics_doc
    module_name_repetitions must_use_candidate mut_mut naive_bytecount needless_bitwise_bool
    needless_continue needless_for_each needless_pass_by_value needless_raw_string_hashes
    no_effect_underscore_binding no_mangle_with_rust_abi option_as_ref_cloned option_option
    ptr_as_ptr ptr_cast_constness pub_underscore_fields range_minus_one range_plus_one
    redundant_closure_for_method_calls redundant_else ref_as_ptr ref_binding_to_reference
    ref_option ref_option_ref return_self_not_must_use same_functions_in_if_condition
    semicolon_if_nothing_returned should_panic_without_expect similar_names single_char_pattern
    single_match_else stable_sort_primitive str_split_at_newline string_add_assign
    struct_excessive_bools struct_field_names too_many_lines transmute_ptr_to_ptr
    trivially_copy_pass_by_ref unchecked_duration_subtraction unchecked_time_subtraction
    unicode_not_nfc uninlined_format_args unnecessary_box_returns unnecessary_join
    unnecessary_literal_bound unnecessary_semicolon unnecessary_wraps unnested_or_patterns
    unreadable_literal unsafe_derive_deserialize unused_async unused_self used_underscore_binding
    used_underscore_items verbose_bit_mask wildcard_imports zero_sized_map_values
"""
PEDANTIC = frozenset(_PEDANTIC_NAMES.split())


def _level_on(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("level")
    return isinstance(value, str) and value in _LEVELS


def _folder(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _join(folder: str, rel: str) -> str:
    return str(PurePosixPath(folder) / rel) if folder else str(PurePosixPath(rel))


def _enabled_lints(table: Any) -> set[str]:
    """The clippy lints a ``[lints.clippy]`` table turns on (warn, deny or forbid)."""
    if not isinstance(table, dict):
        return set()
    return {str(k).replace("-", "_") for k, v in table.items() if _level_on(v)}


def _curated(lints: set[str]) -> bool:
    """A hand-picked set: enough lints of the pedantic group turned on one by one (the team
    went through the group and chose), with or without restriction lints besides."""
    return len(lints & PEDANTIC) >= _CURATED_PEDANTIC


class RustClippyPedanticAnalyzer(Analyzer):
    name: ClassVar[str] = "rust-clippy-pedantic"

    def check_repo(self, repo: RepoIndex, out: Emitter) -> None:
        manifests: dict[str, dict[str, Any]] = {}
        for path in repo.named("Cargo.toml"):
            data = repo.source(path).toml
            if data is not None:
                manifests[path] = data
        crates = [p for p, data in manifests.items() if "package" in data]
        if not crates:
            out.not_applicable("no Cargo crate")
            return
        if self._rustflags_enable(repo):
            out.evidence("clippy::pedantic enabled in .cargo/config.toml rustflags")
            return
        workspaces = sorted(
            (p for p, data in manifests.items() if isinstance(data.get("workspace"), dict)),
            key=len,
            reverse=True,
        )
        # per workspace manifest (or the crate's own for a crate outside any): crates missing it
        missing: dict[str, list[str]] = {}
        for path in sorted(crates):
            data = manifests[path]
            if self._generated(repo, _folder(path)):
                out.evidence(f"{path}: generated crate, left out")
                continue
            reason = self._enabled_by(repo, path, data, manifests)
            if reason:
                out.evidence(reason)
                continue
            missing.setdefault(self._workspace_of(path, workspaces), []).append(path)
        for owner, paths in sorted(missing.items()):
            if (
                owner in paths
                and len(paths) == 1
                and not isinstance(manifests[owner].get("workspace"), dict)
            ):
                self._report_crate(repo, out, owner, manifests[owner])
                continue
            if self._workspace_enables(manifests[owner]):
                for crate in paths:  # the table exists: each of these crates must opt in
                    out.report(
                        self._package_line(repo, crate),
                        f"crate `{self._crate_name(crate, manifests[crate])}` does not use the "
                        f"clippy::pedantic lints of workspace {owner}; add `[lints] workspace = "
                        "true` to its Cargo.toml",
                        path=crate,
                    )
                continue
            names = [self._crate_name(p, manifests[p]) for p in paths]
            shown = ", ".join(f"`{n}`" for n in names[:5])
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            lines = repo.source(owner).lines
            header = next(
                (i for i, t in enumerate(lines, 1) if t.strip() == "[workspace.lints.clippy]"),
                None,
            ) or next((i for i, t in enumerate(lines, 1) if t.strip() == "[workspace]"), 1)
            out.report(
                header,
                f"workspace {_folder(owner) or 'at the repository root'}: {len(paths)} crate(s) "
                f"do not enable clippy::pedantic ({shown}{more}); add "
                '`pedantic = { level = "warn", priority = -1 }` under [workspace.lints.clippy] '
                "and `[lints] workspace = true` to each member",
                path=owner,
                related=tuple((p, self._package_line(repo, p)) for p in paths if p != owner)[:12],
            )

    @staticmethod
    def _workspace_enables(data: dict[str, Any]) -> bool:
        """Whether ``[workspace.lints.clippy]`` turns pedantic (or a curated set) on."""
        workspace = data.get("workspace")
        lints = workspace.get("lints", {}) if isinstance(workspace, dict) else {}
        clippy = lints.get("clippy", {}) if isinstance(lints, dict) else {}
        if not isinstance(clippy, dict):
            return False
        return _level_on(clippy.get("pedantic")) or _curated(_enabled_lints(clippy))

    @staticmethod
    def _workspace_of(path: str, workspaces: list[str]) -> str:
        """The nearest workspace manifest at or above the crate, else the crate's own."""
        here = PurePosixPath(_folder(path))
        for candidate in workspaces:
            ws = PurePosixPath(_folder(candidate))
            if str(ws) in {"", "."} or ws == here or ws in here.parents:
                return candidate
        return path

    @staticmethod
    def _package_line(repo: RepoIndex, path: str) -> int:
        lines = repo.source(path).lines
        return next((i for i, t in enumerate(lines, 1) if t.strip() == "[package]"), 1)

    @staticmethod
    def _crate_name(path: str, data: dict[str, Any]) -> str:
        package = data.get("package")
        name = package.get("name") if isinstance(package, dict) else None
        return str(name) if name else (_folder(path) or "crate")

    def _report_crate(self, repo: RepoIndex, out: Emitter, path: str, data: dict[str, Any]) -> None:
        out.report(
            self._package_line(repo, path),
            f"crate `{self._crate_name(path, data)}` does not enable clippy::pedantic; add "
            "`#![warn(clippy::all, clippy::pedantic)]` to its crate root or "
            '`[lints.clippy] pedantic = { level = "warn", priority = -1 }` to Cargo.toml',
            path=path,
        )

    @staticmethod
    def _generated(repo: RepoIndex, folder: str) -> bool:
        """A crate whose Rust files are mostly generated (``@generated`` headers)."""
        prefix = f"{folder}/" if folder else ""
        generated = sum(
            1
            for rel, kind in repo.classes.items()
            if kind == "generated" and rel.startswith(prefix) and rel.endswith(".rs")
        )
        if not generated:
            return False
        own = sum(1 for rel in repo.files if rel.startswith(prefix) and rel.endswith(".rs"))
        return generated > own

    def _enabled_by(
        self,
        repo: RepoIndex,
        path: str,
        data: dict[str, Any],
        manifests: dict[str, dict[str, Any]],
    ) -> str | None:
        lints = data.get("lints", {})
        if not isinstance(lints, dict):
            lints = {}
        clippy = lints.get("clippy", {})
        if _level_on(clippy.get("pedantic") if isinstance(clippy, dict) else None):
            return f"{path}: [lints.clippy] pedantic"
        enabled = _enabled_lints(clippy)
        if lints.get("workspace") is True:
            here = PurePosixPath(_folder(path))
            for candidate, other in manifests.items():
                ws = PurePosixPath(_folder(candidate))
                in_workspace = str(ws) in {"", "."} or ws == here or ws in here.parents
                workspace = other.get("workspace", {})
                ws_lints = workspace.get("lints", {}) if isinstance(workspace, dict) else {}
                ws_clippy = ws_lints.get("clippy", {}) if isinstance(ws_lints, dict) else {}
                if not in_workspace or not isinstance(ws_clippy, dict):
                    continue
                if _level_on(ws_clippy.get("pedantic")):
                    return f"{path}: workspace lints from {candidate}"
                if _curated(_enabled_lints(ws_clippy)):
                    return f"{path}: curated pedantic lints from {candidate}"
        if _curated(enabled):
            return f"{path}: curated pedantic lints in [lints.clippy]"
        folder = _folder(path)
        lib = data.get("lib", {})
        lib_path = lib.get("path") if isinstance(lib, dict) else None
        roots = [_join(folder, "src/lib.rs"), _join(folder, "src/main.rs")]
        if isinstance(lib_path, str):
            roots.insert(0, _join(folder, lib_path))
        for crate_root in roots:
            if repo.has(crate_root) and self._crate_attribute(repo, crate_root):
                return f"{crate_root}: crate-level clippy::pedantic"
        return None

    def _crate_attribute(self, repo: RepoIndex, path: str) -> bool:
        tree = repo.source(path).syntax_tree
        if tree is None:
            return False
        for child in tree.root_node.children:
            if child.type != "inner_attribute_item":
                continue
            match = _INNER.match(text(child))
            if match and "clippy::pedantic" in match["lints"].replace(" ", ""):
                return True
        return False

    def _rustflags_enable(self, repo: RepoIndex) -> bool:
        for path in (".cargo/config.toml", ".cargo/config"):
            data = repo.source(path).toml if repo.has(path) else None
            if not data:
                continue
            tables = [data.get("build", {})]
            targets = data.get("target", {})
            if isinstance(targets, dict):
                tables.extend(t for t in targets.values() if isinstance(t, dict))
            for table in tables:
                flags = table.get("rustflags", []) if isinstance(table, dict) else []
                joined = flags if isinstance(flags, str) else " ".join(map(str, flags))
                if _FLAG.search(joined):
                    return True
        return False
