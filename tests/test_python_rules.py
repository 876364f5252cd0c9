"""Python code-pattern rules: what the YAML examples do not already pin down.

Name resolution (aliases, relative imports, builtins), coroutine detection across nested
definitions, the generic banned-import/banned-call analyzers used from a YAML-only policy, and
the docstring coverage result.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter.analyzers.python.names import ImportMap
from charter.policy import PolicySet, load_policies


def qualified_calls(source: str) -> list[str | None]:
    tree = ast.parse(textwrap.dedent(source))
    names = ImportMap(tree)
    calls = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    return [names.qualify(call.func) for call in calls]


def findings(report, rule_id: str) -> list[str]:
    return sorted(f"{f.path}:{f.line}" for f in report.findings if f.rule == rule_id)


def status(report, rule_id: str) -> str:
    return next(r for r in report.rules if r.id == rule_id).status.value


# --- names.py ------------------------------------------------------------------------------


def test_aliases_resolve_to_the_qualified_name() -> None:
    source = """
        from requests import get as fetch
        import os.path as osp
        import urllib.request
        import numpy as np
        fetch(url)
        osp.join(a, b)
        urllib.request.urlopen(url)
        np.array([1])
        open(path)
        self.client.get(url)
        factory()()
    """
    assert qualified_calls(source) == [
        "requests.get",
        "os.path.join",
        "urllib.request.urlopen",
        "numpy.array",
        "open",
        "self.client.get",
        None,
        "factory",
    ]


def test_relative_imports_stay_relative_and_imports_in_functions_count() -> None:
    source = """
        from . import util
        from ..core import get
        def handler():
            import requests as r
            util.run()
            get()
            r.post(url)
    """
    assert qualified_calls(source) == [".util.run", "..core.get", "requests.post"]


def test_a_module_level_def_shadows_the_builtin() -> None:
    source = """
        from os import path
        def open(name):
            return name
        class print:
            pass
        open("x")
        print()
        len([])
    """
    assert qualified_calls(source) == ["<module>.open", "<module>.print", "len"]


def test_modules_record_every_parent_package() -> None:
    names = ImportMap(ast.parse("import a.b.c\nfrom x.y import z\nfrom . import local"))
    assert {"a", "a.b", "a.b.c", "x", "x.y", "x.y.z"} <= names.modules
    assert names.imports_any(["x"])
    assert not names.imports_any(["local", "a.bc"])


# --- rules, through the engine ---------------------------------------------------------------


def run(policies: PolicySet, tmp_path: Path, rule_id: str, code: str, **params: object):
    write_tree(tmp_path, {"app.py": textwrap.dedent(code)})
    return audit_rule(policies, tmp_path, rule_id, dict(params))


def test_aliased_requests_call_is_seen_by_every_http_rule(policies: PolicySet, tmp_path: Path):
    code = """
        from requests import get as fetch

        async def pull(url: str) -> bytes:
            return fetch(url).content
    """
    for rule_id in ("http-timeouts", "no-blocking-in-async", "retry-with-backoff"):
        report = run(policies, tmp_path, rule_id, code)
        assert findings(report, rule_id) == ["app.py:5"], rule_id


def test_a_session_call_is_named_as_written_not_as_a_shadowed_import(
    policies: PolicySet, tmp_path: Path
):
    code = """
        import requests
        from flask import session

        def check() -> None:
            session = requests.Session()
            session.post("https://example.org/ping")
    """
    report = run(policies, tmp_path, "http-timeouts", code)
    messages = [f.message for f in report.findings if f.rule == "http-timeouts"]
    assert messages == ["session call `session.post()` without `timeout=`: it can wait forever"]
    assert findings(report, "http-timeouts") == ["app.py:7"]


def test_a_local_function_named_like_a_library_call_is_not_that_call(
    policies: PolicySet, tmp_path: Path
):
    code = """
        def get(url: str) -> str:
            return url

        async def pull(url: str) -> str:
            return get(url)
    """
    report = run(policies, tmp_path, "no-blocking-in-async", code)
    assert findings(report, "no-blocking-in-async") == []
    assert status(report, "no-blocking-in-async") == "pass"


def test_coroutine_detection_follows_the_innermost_function(policies: PolicySet, tmp_path: Path):
    code = """
        import time

        async def outer() -> None:
            def sync_helper() -> None:
                time.sleep(1)

                async def inner_coroutine() -> None:
                    time.sleep(2)

            class Local:
                def method(self) -> None:
                    time.sleep(3)

            callback = lambda: time.sleep(4)
            time.sleep(5)
    """
    report = run(policies, tmp_path, "no-blocking-in-async", code)
    assert findings(report, "no-blocking-in-async") == ["app.py:16", "app.py:9"]


def test_sql_variable_is_followed_only_within_its_function(policies: PolicySet, tmp_path: Path):
    code = """
        def build(uid: int) -> str:
            query = f"SELECT * FROM users WHERE id = {uid}"
            return query

        def run(cursor, query: str) -> None:
            cursor.execute(query)

        def both(cursor, uid: int) -> None:
            query = f"SELECT * FROM users WHERE id = {uid}"
            query = "SELECT * FROM users WHERE id = %s"
            cursor.execute(query, (uid,))
    """
    report = run(policies, tmp_path, "parameterized-sql", code)
    assert findings(report, "parameterized-sql") == []
    assert status(report, "parameterized-sql") == "pass"


def test_one_raw_value_among_escaped_identifiers_is_reported(policies: PolicySet, tmp_path: Path):
    code = """
        def find(cursor, table: str, uid: str) -> None:
            cursor.execute(f"SELECT * FROM {escape_sqlite(table)} WHERE id = {uid}")
            cursor.execute("SELECT * FROM {} WHERE id = ?".format(quote_ident(table)), (uid,))
    """
    report = run(policies, tmp_path, "parameterized-sql", code)
    assert findings(report, "parameterized-sql") == ["app.py:3"]


def test_docstring_coverage_is_the_result_message(policies: PolicySet, tmp_path: Path):
    code = '''
        """Module."""

        def documented() -> None:
            """Yes."""

        def bare() -> None:
            pass
    '''
    passing = run(policies, tmp_path, "docstrings", code, threshold=60)
    result = next(r for r in passing.rules if r.id == "docstrings")
    assert result.status.value == "pass"
    assert result.message == "2/3 public items documented (66.7%, threshold 60%)"
    assert result.metrics["documented_percent"] == 66.67

    failing = run(policies, tmp_path, "docstrings", code, threshold=70)
    assert findings(failing, "docstrings") == ["app.py:7"]
    message = next(f.message for f in failing.findings if f.rule == "docstrings")
    assert message == "public function `bare` has no docstring"


# --- generic analyzers in a YAML-only policy -------------------------------------------------

BANNED_POLICY = {
    "rules/no-pickle.yaml": """\
        id: no-pickle
        title: No unpickling of untrusted data
        severity: high
        category: security
        analyzer: python-banned-call
        params:
          banned:
            pickle.loads: "unpickling runs arbitrary code: use json"
            subprocess.*: ""
        applicability: The repository has no Python code.
        docs:
          what: Reports calls of pickle.loads and of anything in subprocess.
          why: Unpickling untrusted bytes runs arbitrary code.
        sources:
          - profile: backend-polyglot
            quote: "Input validation: Strict schemas"
    """,
    "rules/no-pandas.yaml": """\
        id: no-pandas
        title: No pandas
        severity: low
        analyzer: python-banned-import
        params:
          banned:
            pandas: "use Polars"
            yaml.load: ""
        applicability: The repository has no Python code.
        docs:
          what: Reports imports of pandas and of yaml.load.
          why: One dataframe library; yaml.load is unsafe.
        sources:
          - profile: backend-data-infra
            quote: Use Python with Polars for data transformations
    """,
}


@pytest.fixture(scope="module")
def custom_policies(tmp_path_factory: pytest.TempPathFactory) -> PolicySet:
    folder = tmp_path_factory.mktemp("policy")
    write_tree(folder, {k: textwrap.dedent(v) for k, v in BANNED_POLICY.items()})
    return load_policies([folder])


def test_banned_call_by_qualified_name(custom_policies: PolicySet, tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": textwrap.dedent(
                """\
                import pickle
                import subprocess as sp
                from pickle import loads as load_it

                load_it(b"")
                pickle.loads(b"")
                pickle.dumps({})
                sp.run(["ls"], check=True)
                """
            )
        },
    )
    report = audit_rule(custom_policies, tmp_path, "no-pickle")
    assert findings(report, "no-pickle") == ["app.py:5", "app.py:6", "app.py:8"]
    messages = {f.line: f.message for f in report.findings if f.rule == "no-pickle"}
    assert messages[5] == "`pickle.loads()` called: unpickling runs arbitrary code: use json"
    assert messages[8] == "`subprocess.run()` called: banned"


def test_banned_import_of_module_submodule_and_name(
    custom_policies: PolicySet, tmp_path: Path
) -> None:
    write_tree(
        tmp_path,
        {
            "app.py": "import pandas.io.sql\nfrom yaml import load\nfrom yaml import safe_load\n"
            "import pandasql\n",
            "tests/test_app.py": "import pandas\n",
        },
    )
    report = audit_rule(custom_policies, tmp_path, "no-pandas")
    assert findings(report, "no-pandas") == ["app.py:1", "app.py:2"]


def test_banned_analyzer_rejects_an_empty_ban_list(tmp_path: Path) -> None:
    from charter.errors import PolicyError

    rule = textwrap.dedent(BANNED_POLICY["rules/no-pandas.yaml"]).replace(
        'banned:\n    pandas: "use Polars"\n    yaml.load: ""', "banned: {}"
    )
    write_tree(tmp_path, {"rules/no-pandas.yaml": rule})
    with pytest.raises(PolicyError, match=r"params\.banned"):
        load_policies([tmp_path])


# --- polars-lazy: what counts as a path ---------------------------------------------------------


def test_polars_lazy_parameter_annotation_outweighs_its_name(policies: PolicySet, tmp_path: Path):
    code = """
        from typing import BinaryIO, Optional
        from pathlib import Path

        import polars as pl

        def a(path: bytes) -> None:
            pl.read_csv(path)

        def b(source: "str | BinaryIO") -> None:
            pl.read_csv(source)

        def c(orders: Optional[Path]) -> None:
            pl.read_parquet(orders)

        def d(staged: "os.PathLike[str]", name: str, orders_path) -> None:
            pl.read_ipc(staged)
            pl.read_ipc(name)
            pl.read_ipc(orders_path)
    """
    report = run(policies, tmp_path, "polars-lazy", code)
    assert findings(report, "polars-lazy") == ["app.py:14", "app.py:17", "app.py:19"]


def test_polars_lazy_follows_bindings_in_order_and_loops_over_listings(
    policies: PolicySet, tmp_path: Path
):
    code = """
        import glob
        import io
        from pathlib import Path

        import polars as pl

        def load(root: Path, raw: bytes) -> list:
            data = root / "a.csv"
            first = pl.read_csv(data)
            data = io.BytesIO(raw)
            second = pl.read_csv(data)
            frames = [pl.read_parquet(p) for p in root.glob("*.parquet")]
            for name in glob.glob("in/*.ndjson"):
                frames.append(pl.read_ndjson(name))
            for chunk in raw.splitlines():
                frames.append(pl.read_ndjson(chunk))
            return [first, second, *frames]
    """
    report = run(policies, tmp_path, "polars-lazy", code)
    assert findings(report, "polars-lazy") == ["app.py:10", "app.py:13", "app.py:15"]
    message = next(f.message for f in report.findings if f.line == 10)
    assert "`pl.scan_csv()`" in message


def test_polars_lazy_source_keyword_and_unknown_sources(policies: PolicySet, tmp_path: Path):
    code = """
        import polars as pl

        def load(client, cfg) -> None:
            pl.read_csv(source="regions.csv")
            pl.read_csv(client.download("regions.csv"))
            pl.read_csv(cfg["regions"])
            pl.read_csv(cfg.regions_path)
            pl.read_csv("a,b\\n1,2\\n")
    """
    report = run(policies, tmp_path, "polars-lazy", code)
    assert findings(report, "polars-lazy") == ["app.py:5", "app.py:8"]


# --- parameterized-sql: readers resolved by qualified name --------------------------------------


def test_sql_readers_imported_by_name_are_checked(policies: PolicySet, tmp_path: Path):
    code = """
        from pandas import read_sql
        from polars import read_database as rd

        def daily(conn, day: str) -> None:
            read_sql(f"SELECT * FROM orders WHERE day = '{day}'", conn)
            rd(query="SELECT * FROM orders WHERE day = '%s'" % day, connection=conn)
            rd("SELECT * FROM orders WHERE day = ?", conn, execute_options={"parameters": [day]})
    """
    report = run(policies, tmp_path, "parameterized-sql", code)
    assert findings(report, "parameterized-sql") == ["app.py:6", "app.py:7"]
    messages = {f.line: f.message for f in report.findings}
    assert "`pandas.read_sql()`" in messages[6]
    assert "`polars.read_database()`" in messages[7]


# --- retry-with-backoff: Temporal activities ----------------------------------------------------


def test_temporal_activity_covers_nested_code_and_methods_but_not_siblings(
    policies: PolicySet, tmp_path: Path
):
    code = """
        import httpx
        import temporalio.activity as act

        class Activities:
            @act.defn
            async def sync(self, url: str) -> None:
                def pull() -> bytes:
                    return httpx.get(url, timeout=10).content
                pull()

            def helper(self, url: str) -> bytes:
                return httpx.get(url, timeout=10).content
    """
    report = run(policies, tmp_path, "retry-with-backoff", code)
    assert findings(report, "retry-with-backoff") == ["app.py:13"]


def test_polars_lazy_paths_from_tempfile_and_path_named_functions(
    policies: PolicySet, tmp_path: Path
):
    code = """
        import tempfile

        import polars as pl

        def roundtrip(frame: pl.DataFrame, name: str) -> None:
            out = tempfile.mktemp(suffix=".parquet")
            frame.write_parquet(out)
            pl.read_parquet(out)
            pl.read_parquet(get_table_path(name))
            pl.read_parquet(fetch_table(name))
    """
    report = run(policies, tmp_path, "polars-lazy", code)
    assert findings(report, "polars-lazy") == ["app.py:10", "app.py:9"]
