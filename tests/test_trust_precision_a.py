"""Trust work on rust-no-unwrap, no-silent-failures, docstrings, context-managers and
db-pool-configured (Go side): the limits of the cases the ecosystem check found wrong, as a user
sees them (path:line), where a rule's YAML example cannot say it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import audit_rule, write_tree

from charter.models import Report
from charter.policy import PolicySet


def audit(
    policies: PolicySet,
    root: Path,
    rule: str,
    files: dict[str, str],
    **params: object,
) -> Report:
    # the first line of each text is line 1 of the file
    write_tree(root, {path: textwrap.dedent(text).lstrip("\n") for path, text in files.items()})
    return audit_rule(policies, root, rule, dict(params))


def where(report: Report, rule: str) -> list[str]:
    return sorted(f.where for f in report.findings if f.rule == rule)


# --- rust-no-unwrap -----------------------------------------------------------------------------


def test_unwrap_a_check_does_not_cover_is_reported(policies: PolicySet, tmp_path: Path) -> None:
    report = audit(
        policies,
        tmp_path,
        "rust-no-unwrap",
        {
            "src/worker.rs": """
                pub async fn next(pool: &Pool) -> Result<Job, Error> {
                    let task = dequeue(pool).await?;
                    if task.is_none() {
                        tracing::info!("empty queue");
                    }
                    let other = peek(pool).await?;
                    if other.is_none() {
                        return Err(Error::Empty);
                    }
                    let job = task.unwrap();
                    let rows = load(pool).await?;
                    if rows.len() > 1 {
                        return Ok(rows.into_iter().next().unwrap());
                    }
                    if rows.is_empty() {
                        Ok(job)
                    } else {
                        Ok(rows.into_iter().next().unwrap())
                    }
                }
            """,
        },
    )
    # no early exit (line 3) and a check of another value (line 7) leave `task` unchecked
    # (line 10); a length check (line 13) and the else of `is_empty()` (line 18) make the
    # element there
    assert where(report, "rust-no-unwrap") == ["src/worker.rs:10"]


def test_unwrap_in_closures_follows_what_the_closure_returns(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "rust-no-unwrap",
        {
            "src/lib.rs": """
                pub fn ports(raw: &[String]) -> Result<Vec<u16>, Error> {
                    let plain: Vec<u16> = raw.iter().map(|r| r.parse().unwrap()).collect();
                    let task = async move {
                        let first = fetch().await?;
                        Ok::<u16, Error>(first.parse().unwrap())
                    };
                    Ok(plain)
                }
            """,
        },
    )
    # a closure passed to map returns a plain value (line 2); the async block uses `?` (line 5)
    assert where(report, "rust-no-unwrap") == ["src/lib.rs:5"]


def test_unwrap_fixme_must_be_near_and_about_the_unwrap(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "rust-no-unwrap",
        {
            "src/sign.rs": """
                pub fn sign(key: &Key, bytes: &[u8]) -> Vec<u8> {
                    let secret = key.decrypt().unwrap();
                    // FIXME: remove unwrap
                    secret.sign(bytes)
                }

                pub fn verify(key: &Key, bytes: &[u8]) -> bool {
                    // TODO: support more algorithms
                    let secret = key.decrypt().unwrap();
                    secret.verify(bytes)
                }
            """,
        },
    )
    assert where(report, "rust-no-unwrap") == ["src/sign.rs:2"]


# --- no-silent-failures -------------------------------------------------------------------------


def test_silent_failure_pragmas_and_comments_outside_the_handler_do_not_count(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-silent-failures",
        {
            "app/jobs.py": """
                def sync(client) -> None:
                    try:
                        client.push()
                    except Exception:  # type: ignore[misc]  # noqa: BLE001
                        pass
                    # optional step, may be missing on old servers
                    try:
                        client.refresh()
                    except Exception:
                        pass
                    try:
                        client.compact()
                    except Exception:
                        pass  # best effort: compaction runs again tomorrow
            """,
        },
    )
    # "ignore" inside a pragma and a comment above the `try` say nothing about the handler
    assert where(report, "no-silent-failures") == ["app/jobs.py:4", "app/jobs.py:9"]


def test_silent_failure_answers_must_mirror_the_success_or_come_from_a_predicate(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-silent-failures",
        {
            "app/api.py": """
                async def push(manager, item: str, data: str) -> dict:
                    try:
                        await manager.send(item, data)
                        return {"sent": True, "data": data}
                    except Exception:
                        return {"sent": False}


                def charge(order) -> bool:
                    try:
                        gateway.charge(order)
                        return True
                    except Exception:
                        return False


                def has_access(user, doc) -> bool:
                    try:
                        return acl.check(user, doc)
                    except Exception:
                        return False
            """,
        },
    )
    # a different payload (line 5) and a non-predicate's False (line 13) hide the error
    assert where(report, "no-silent-failures") == ["app/api.py:13", "app/api.py:5"]


def test_silent_failure_a_file_written_or_looped_over_is_not_a_lookup(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "no-silent-failures",
        {
            "app/state.py": """
                import json


                def load(path: str) -> list:
                    try:
                        with open(path) as f:
                            pending = json.load(f)
                    except Exception:
                        pending = []
                    return pending


                def save(path: str, pending: list) -> None:
                    try:
                        with open(path, "w") as f:
                            json.dump(pending, f)
                    except Exception:
                        pass


                def lines(path: str) -> list:
                    found = []
                    try:
                        with open(path) as f:
                            for line in f:
                                found.append(line.strip())
                    except Exception:
                        pass
                    return found
            """,
        },
    )
    assert where(report, "no-silent-failures") == ["app/state.py:17", "app/state.py:27"]


# --- docstrings ---------------------------------------------------------------------------------


def test_docstrings_subclass_explained_by_overrides_but_not_by_a_constructor(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "docstrings",
        {
            "src/shop/base.py": '''
                """Handlers."""


                class Handler:
                    """Handles one event."""

                    def handle(self, event: str) -> None:
                        """Process ``event``."""
                        raise NotImplementedError
            ''',
            "src/shop/mail.py": '''
                """Mail."""

                from shop.base import Handler


                class MailHandler(Handler):
                    def handle(self, event: str) -> None:
                        body = event.upper()
                        self.send(body)


                class SmsHandler(Handler):
                    def __init__(self, gateway: str) -> None:
                        self.gateway = connect(gateway)
                        self.sent = 0

                    def handle(self, event: str) -> None:
                        self.sent += 1
                        self.push(event)
            ''',
        },
        threshold=100,
    )
    # MailHandler: its one method overrides the documented base; SmsHandler's constructor of
    # two statements (a connection, not an argument stored as it is) is behaviour the class
    # docstring should explain
    assert where(report, "docstrings") == ["src/shop/mail.py:12"]


def test_docstrings_getters_need_a_type_and_hooks_a_base(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "docstrings",
        {
            "src/shop/views.py": '''
                """Views."""


                def get_total(order):
                    amount = sum(order.lines)
                    return amount - order.discount


                def get_net(order) -> int:
                    amount = sum(order.lines)
                    return amount - order.discount


                def is_paid(order):
                    balance = order.total - order.paid
                    return balance <= 0


                class Checker:
                    """Checks orders."""

                    def validate_total(self, total: int) -> int:
                        if total < 0:
                            raise ValueError(total)
                        return total

                    def main(self) -> None:
                        self.validate_total(1)
                        self.done = True
            ''',
        },
        threshold=100,
        min_body_lines=0,
    )
    # an untyped get_ (line 4); a validate_ hook needs a framework base (line 22); only a
    # module-level main() is an entry point (line 27)
    assert where(report, "docstrings") == [
        "src/shop/views.py:22",
        "src/shop/views.py:27",
        "src/shop/views.py:4",
    ]


# --- context-managers ---------------------------------------------------------------------------


def test_context_managers_worker_session_must_serve_the_final_loop(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "context-managers",
        {
            "app/poll.py": """
                import tempfile

                import requests


                def poll(stop) -> None:
                    session = requests.Session()
                    while not stop.is_set():
                        session.get("https://example.com/health", timeout=5)
                        stop.wait(60)
                    print("stopped")


                def scratch() -> str:
                    tmp = tempfile.NamedTemporaryFile(delete=False)
                    tmp.write(b"x")
                    return tmp.name
            """,
        },
    )
    # a loop followed by more work is not the worker's whole life (line 7); a temporary file
    # kept in a variable and written is not a temporary of one expression (line 15)
    assert where(report, "context-managers") == ["app/poll.py:15", "app/poll.py:7"]


# --- db-pool-configured (Go) --------------------------------------------------------------------


def test_db_pool_go_handles_that_leave_their_function_are_reported(
    policies: PolicySet, tmp_path: Path
) -> None:
    report = audit(
        policies,
        tmp_path,
        "db-pool-configured",
        {
            "store/open.go": """
                package store

                import (
                    "database/sql"
                    "testing"
                )

                func Open(dsn string) (*sql.DB, error) {
                    db, err := sql.Open("pgx", dsn)
                    if err != nil {
                        return nil, err
                    }
                    return db, nil
                }

                func Migrate(dsn string) error {
                    db, err := sql.Open("pgx", dsn)
                    if err != nil {
                        return err
                    }
                    defer db.Close()
                    return runMigrations(db)
                }

                func Check(dsn string) error {
                    db, err := sql.Open("pgx", dsn)
                    if err != nil {
                        return err
                    }
                    defer db.Close()
                    return db.Ping()
                }

                func MustOpen(t *testing.T, dsn string) *sql.DB {
                    db, _ := sql.Open("pgx", dsn)
                    return db
                }
            """,
        },
    )
    # returned (line 9) or passed on (line 17): reported; only used as a receiver (line 26) or
    # opened by a test helper (line 35): not
    assert where(report, "db-pool-configured") == ["store/open.go:17", "store/open.go:9"]
