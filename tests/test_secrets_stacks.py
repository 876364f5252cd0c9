"""``no-hardcoded-secrets``: credentials a compose stack or a CI job gives to the containers it
starts itself stay quiet; the same password aimed at anything else, in a deployment's stack or
in code, is still reported (docs/secrets.md, "Credentials of a stack's own containers")."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import audit_rule, write_tree

from charter.analyzers.secrets.stacks import url_host_password
from charter.policy import PolicySet

RULE = "no-hardcoded-secrets"
PASSWORD = "Hq4!vTz82mLw"


def found(policies: PolicySet, tmp_path: Path, files: dict[str, str]) -> list[str]:
    write_tree(tmp_path, files)
    report = audit_rule(policies, tmp_path, RULE)
    return sorted(f.where for f in report.findings if f.rule == RULE)


DEV_COMPOSE = f"""\
x-db-env: &db-env
  POSTGRES_USER: shop
  POSTGRES_PASSWORD: "{PASSWORD}"
services:
  db:
    image: docker.io/library/postgres:16-alpine
    environment:
      <<: *db-env
  mongo:
    image: mongo
    environment:
      - MONGO_INITDB_ROOT_PASSWORD={PASSWORD}x
  api:
    build: .
    environment:
      DATABASE_URL: "postgres://shop:{PASSWORD}@db:5432/shop"
      MONGO_URL: "mongodb://root:{PASSWORD}x@mongo:27017/"
  ui:
    image: mongo-express
    environment:
      ME_CONFIG_MONGODB_ADMINPASSWORD: "{PASSWORD}x"
"""


def test_a_compose_stacks_own_databases_and_their_clients_are_quiet(
    policies: PolicySet, tmp_path: Path
) -> None:
    assert found(policies, tmp_path, {"docker-compose.yml": DEV_COMPOSE}) == []


@pytest.mark.parametrize(
    "path", ["deploy/docker-compose.yml", "docker-compose.prod.yml", "staging/compose.yaml"]
)
def test_a_deployments_own_database_password_is_still_reported(
    policies: PolicySet, tmp_path: Path, path: str
) -> None:
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_PASSWORD: {PASSWORD}\n"
    )
    assert found(policies, tmp_path, {path: compose}) == [f"{path}:5"]


def test_a_compose_password_for_anything_the_stack_does_not_start_is_reported(
    policies: PolicySet, tmp_path: Path
) -> None:
    compose = (
        "services:\n"
        "  db:\n    image: postgres:16\n    environment:\n"
        f"      POSTGRES_PASSWORD: {PASSWORD}\n"
        "  api:\n    image: shop/api:1.2\n    environment:\n"
        "      DATABASE_URL: postgres://shop:Zk7-q2Lx9fWp@orders.db.example.net:5432/shop\n"
        "      PAYMENTS_PASSWORD: Vn3#kq8LzR2t\n"
        # a service built from this repository is not a self-provisioning image
        "  cache:\n    build: ./cache\n    environment:\n"
        "      CACHE_PASSWORD: Jw5!mT7xQe2r\n"
    )
    assert found(policies, tmp_path, {"docker-compose.yml": compose}) == sorted(
        ["docker-compose.yml:9", "docker-compose.yml:10", "docker-compose.yml:14"]
    )


WORKFLOW = f"""\
jobs:
  test:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres
        env:
          POSTGRES_PASSWORD: {PASSWORD}
      ldap:
        image: osixia/openldap
    env:
      PGPASSWORD: {PASSWORD}
    steps:
      - run: pytest
        env:
          LDAP_SERVER_URL: ldap://localhost:10389
          LDAP_QUERY_PASSWORD: Wm6!fakeQp3x
      - run: ./publish.sh
        env:
          REGISTRY_PASSWORD: Tq9#fakeLx4v
  release:
    runs-on: ubuntu-latest
    env:
      DB_HOST: localhost
      DEPLOY_TOKEN_PASSWORD: Rk2%fakeWz7n
"""


def test_a_ci_jobs_service_credentials_are_quiet_and_other_steps_are_judged(
    policies: PolicySet, tmp_path: Path
) -> None:
    # the service's own password and the same value in the job's env: quiet; the step that
    # addresses localhost in a job with services: quiet; a publishing step's password and a
    # job without services: reported
    assert found(policies, tmp_path, {".github/workflows/backend.yml": WORKFLOW}) == [
        ".github/workflows/backend.yml:20",
        ".github/workflows/backend.yml:25",
    ]


def test_stripe_test_mode_keys_are_not_secrets_and_live_keys_are(
    policies: PolicySet, tmp_path: Path
) -> None:
    files = {
        "app/settings.py": (
            'STRIPE_SECRET_KEY = SECRETS.get("stripe", "sk_test_8fakeQw3Lm9Zp2Xr7Tn4Kd")\n'
            'STRIPE_RESTRICTED = "rk_test_5fakeWq8Lm2Zp9Xr3Tn7Kd"\n'
            # split, so that this file itself holds no live-format key
            'STRIPE_LIVE = "sk_' 'live_7fakeRt2Lm9Zp4Xq8Tn3KdW5"\n'
        ),
    }
    assert found(policies, tmp_path, files) == ["app/settings.py:3"]


def test_a_real_looking_password_in_application_code_is_still_reported(
    policies: PolicySet, tmp_path: Path
) -> None:
    files = {
        "docker-compose.yml": DEV_COMPOSE,
        # the same value as the dev stack's database, written into the code: judged on its own
        "app/db.py": f'DB_PASSWORD = "{PASSWORD}"\n',
    }
    assert found(policies, tmp_path, files) == ["app/db.py:1"]


@pytest.mark.parametrize(
    ("url", "host", "password"),
    [
        ("postgres://user:myAwEsOm3pa55@w0rd@db:5432/db", "db", "myAwEsOm3pa55@w0rd"),
        ("postgres://shop:Lq7#fakeVw2z@db:5432/shop", "db", "Lq7#fakeVw2z"),
        ("mongodb://root:pw@[::1]:27017/", "::1", "pw"),
        ("ldap://localhost:10389", "localhost", ""),
        ("redis://:s3cr3t@cache", "cache", "s3cr3t"),
    ],
)
def test_connection_urls_are_read_as_written(url: str, host: str, password: str) -> None:
    assert url_host_password(url) == (host, password)
