# charter: ignore-file[no-hardcoded-secrets] -- fake credentials planted on purpose
"""no-hardcoded-secrets: classes of false findings seen on the ecosystem set that are wrong
wherever they are (an error message read as a pair, one value reported twice, an elided
example value, a Kubernetes Secret's base64 word, a product's default password), Django's
development key, and what is reported outside the project's source (issued provider keys by
default; everything, at a lower severity, with ``outside_source: all``).

Each case is a small file written for the test (docs/secrets.md, "Look-alikes")."""

from __future__ import annotations

import base64
from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Severity
from charter.policy import PolicySet

RULE = "no-hardcoded-secrets"
AWS_ID = "AKIAQ7FAKE2TESTQ7Z3M"
OTHER_AWS_ID = "AKIAZ7FAKE3TESTW4X5N"
PASSWORD = "Vq7-fake!Lm2x"
#: the sweep outside the project's source: the look-alike classes below matter there only when
#: secret-named literals are judged in tests, docs and examples (the default reports only
#: issued provider formats there)
SWEEP = {"outside_source": "all"}


def findings(
    policies: PolicySet, tmp_path: Path, files: dict[str, str], params: dict | None = None
) -> list[tuple[str, str, str]]:
    """(where, severity, message) of the rule's findings."""
    write_tree(tmp_path, files)
    report = audit_rule(policies, tmp_path, RULE, params)
    return sorted((f.where, f.severity.value, f.message) for f in report.findings if f.rule == RULE)


def where(
    policies: PolicySet, tmp_path: Path, files: dict[str, str], params: dict | None = None
) -> list[str]:
    return [w for w, _, _ in findings(policies, tmp_path, files, params)]


def test_a_word_in_an_error_message_before_a_quoted_key_is_no_pair(
    policies: PolicySet, tmp_path: Path
) -> None:
    files = {
        "tests/test_api.py": (
            "def test_drop(client):\n"
            "    assert client.post('/drop').json() == {\n"
            "        'ok': False,\n"
            "        'message': 'Pass \"confirm\": true to confirm',\n"
            "    }\n"
            f'    body = \'{{"password": "{PASSWORD}", "user": "ana"}}\'\n'
        ),
    }
    # the JSON body's password is still found; the error message is not a pair
    assert where(policies, tmp_path, files, SWEEP) == ["tests/test_api.py:6"]


def test_one_value_twice_on_a_line_is_one_finding(policies: PolicySet, tmp_path: Path) -> None:
    files = {
        "tests/data/page.html": (
            f'<a href="/x?k={AWS_ID}">a</a><a href="/y?k={AWS_ID}">b</a>\n'
            f'<a href="/x?k={AWS_ID}">a</a><a href="/y?k={OTHER_AWS_ID}">b</a>\n'
        ),
    }
    assert where(policies, tmp_path, files) == [
        "tests/data/page.html:1",
        "tests/data/page.html:2",
        "tests/data/page.html:2",
    ]


def test_an_elided_example_value_is_no_credential(policies: PolicySet, tmp_path: Path) -> None:
    files = {
        "docs/setup.md": (
            "```yaml\n"
            "auth:\n"
            "  passphrase: Tx7qRm...\n"
            '  api_token: "k7Fq2…"\n'
            "  secret: ...9Xw2LqT7\n"
            f"  password: {PASSWORD}\n"
            "```\n"
        ),
    }
    assert where(policies, tmp_path, files, SWEEP) == ["docs/setup.md:6"]


def _secret(values: dict[str, str], kind: str = "Secret", data: str = "data") -> str:
    lines = ["apiVersion: v1", f"kind: {kind}", "metadata:", "  name: demo", f"{data}:"]
    lines += [f"  {k}: {v}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_a_kubernetes_secret_is_judged_by_the_text_it_encodes(
    policies: PolicySet, tmp_path: Path
) -> None:
    files = {
        # a demo manifest: base64 of a word and of two placeholder words
        "examples/demo-secret.yaml": _secret(
            {"superuser-password": _b64("zalando"), "replication-password": _b64("rep-pass")}
        ),
        # base64 of a random password: found, masked as written (base64)
        "examples/real-secret.yaml": _secret({"db-password": _b64(PASSWORD)}),
        # not a Secret: its value is judged as written
        "examples/not-secret.yaml": _secret({"password": _b64("zalando")}, kind="ConfigMap"),
    }
    found = findings(policies, tmp_path, files, SWEEP)
    assert [w for w, _, _ in found] == [
        "examples/not-secret.yaml:6",
        "examples/real-secret.yaml:6",
    ]
    assert f"{_b64(PASSWORD)[:4]}…({len(_b64(PASSWORD))} chars)" in found[1][2]


def test_a_products_default_password_is_no_secret(policies: PolicySet, tmp_path: Path) -> None:
    files = {
        "tests/s3_test.go": (
            "package s3\n\n"
            "func mc(host string) string {\n"
            '\treturn fmt.Sprintf("http://minioadmin:minioadmin@%s:9000", host)\n'
            "}\n"
        ),
        "tests/test_db.py": (
            "def test_connect(db):\n"
            "    db.connect(user='postgres', password='postgres')\n"
            "    db.connect(user='ana', password='pizzeria')\n"
        ),
    }
    # a test's own password is still found by the sweep; the products' defaults are not
    assert where(policies, tmp_path, files, SWEEP) == ["tests/test_db.py:3"]


def test_djangos_development_key_is_reported_low_and_named(
    policies: PolicySet, tmp_path: Path
) -> None:
    files = {
        "mysite/settings.py": (
            "SECRET_KEY = 'django-insecure-q7#fake(2lm9zx!4w8vn@kr3t^pe6b%yj1hu0c&d5g'\n"
        ),
        "mysite/production.py": "SECRET_KEY = 'q7#fake(2lm9zx!4w8vn@kr3t^pe6b%yj1hu0c&d5g'\n",
    }
    found = findings(policies, tmp_path, files)
    assert [(w, s) for w, s, _ in found] == [
        ("mysite/production.py:1", "critical"),
        ("mysite/settings.py:1", "low"),
    ]
    assert "Django's generated development key djan…" in found[1][2]
    assert "security.W009" in found[1][2]


PLACES = {
    "app/db.py": f"client = connect(password='{PASSWORD}')\n",
    "tests/test_login.py": f"def test_login(c):\n    c.login(password='{PASSWORD}')\n",
    "tests/test_s3.py": f"KEY_ID = '{AWS_ID}'\n",
    "docs/deploy.md": f"```sh\nexport DB_PASSWORD={PASSWORD}\n```\n",
}


def test_outside_source_only_issued_keys_are_reported_by_default(
    policies: PolicySet, tmp_path: Path
) -> None:
    found = {w: s for w, s, _ in findings(policies, tmp_path, PLACES)}
    assert found == {
        "app/db.py:1": "critical",  # the project's source: judged as ever
        "tests/test_s3.py:1": "critical",  # an issued AWS key: reported and gating everywhere
    }


def test_the_sweep_reports_a_credential_outside_source_low_unless_an_issued_key(
    policies: PolicySet, tmp_path: Path
) -> None:
    found = {w: s for w, s, _ in findings(policies, tmp_path, PLACES, SWEEP)}
    assert found == {
        "app/db.py:1": "critical",  # the project's source: the rule's severity
        "tests/test_login.py:2": "low",  # a test's own password
        "tests/test_s3.py:1": "critical",  # an issued AWS key gates everywhere
        "docs/deploy.md:2": "low",
    }


def test_outside_source_severity_rule_keeps_the_rules_severity(
    policies: PolicySet, tmp_path: Path
) -> None:
    found = findings(
        policies, tmp_path, PLACES, {**SWEEP, "outside_source_severity": "rule"}
    )
    assert {w: s for w, s, _ in found} == {
        where: Severity.CRITICAL.value
        for where in (
            "app/db.py:1", "tests/test_login.py:2", "tests/test_s3.py:1", "docs/deploy.md:2"
        )
    }


def test_a_profiles_severity_for_the_rule_still_caps_the_lowered_one(
    policies: PolicySet, tmp_path: Path
) -> None:
    from charter.engine import run_audit
    from charter.policy import Profile, ProfileRuleRef

    write_tree(tmp_path, PLACES)
    ref = ProfileRuleRef(id=RULE, severity=Severity.MEDIUM, params=SWEEP)
    report = run_audit(tmp_path, policies, [Profile(id="example", title="one rule", rules=(ref,))])
    found = {f.where: f.severity.value for f in report.findings if f.rule == RULE}
    assert found == {
        "app/db.py:1": "medium",
        "tests/test_login.py:2": "low",
        "tests/test_s3.py:1": "medium",
        "docs/deploy.md:2": "low",
    }
