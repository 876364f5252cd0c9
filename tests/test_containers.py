"""container-non-root and k8s-resource-limits: findings on the right line, with their words."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import SAMPLES, audit_rule, write_tree


def run(policies, root: Path, rule: str, params: dict | None = None):
    report = audit_rule(policies, root, rule, params)
    status = next(r for r in report.rules if r.id == rule)
    return status, {f"{f.path}:{f.line}": f.message for f in report.findings if f.rule == rule}


DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
"""


def test_user_root_is_named_at_its_line(policies, tmp_path):
    write_tree(tmp_path, {"Dockerfile": "FROM alpine:3.20\nUSER 0:0\n"})
    _, got = run(policies, tmp_path, "container-non-root")
    assert got == {"Dockerfile:2": "USER 0:0 runs the container as root; use a non-root user"}


def test_container_without_security_context_names_workload_and_container(policies, tmp_path):
    write_tree(tmp_path, {"k8s/deploy.yaml": DEPLOY})
    _, got = run(policies, tmp_path, "container-non-root")
    assert got == {
        "k8s/deploy.yaml:8": "Deployment api: container `api` may run as root: set "
        "securityContext.runAsNonRoot: true (or a non-zero runAsUser) on the pod or the container"
    }


def test_memory_limit_suffices_unless_cpu_limit_is_required(policies, tmp_path):
    write_tree(tmp_path, {"k8s/deploy.yaml": DEPLOY})
    status, got = run(policies, tmp_path, "k8s-resource-limits")
    assert (status.status.value, got) == ("pass", {})
    _, got = run(policies, tmp_path, "k8s-resource-limits", {"require_cpu_limit": True})
    assert got == {
        "k8s/deploy.yaml:8": "Deployment api: container `api` sets no resources limits.cpu"
    }


def test_compliant_sample_evidence(policies):
    status, got = run(policies, SAMPLES / "compliant-service", "container-non-root")
    assert got == {}
    # the sample's files grow; the lines are not what this asserts
    assert [re.sub(r":\d+:", ":N:", e) for e in status.evidence] == [
        "Dockerfile:N: USER app",
        "deploy/k8s/deployment.yaml:N: Deployment orders: container `api` runs as non-root",
    ]


def test_tool_image_is_left_out_only_while_it_is_a_packaged_tool(policies, tmp_path):
    """A pinned install (``jq=1.6-2``) still names the program; a COPY, a port or the
    repository's own project name makes the image a workload to judge."""
    tool = 'FROM debian:12-slim\nRUN apt-get install -y jq=1.6-2\nENTRYPOINT ["jq"]\n'
    write_tree(tmp_path, {"jq/Dockerfile": tool})
    status, got = run(policies, tmp_path, "container-non-root")
    assert got == {}
    assert any("command-line tool image" in e for e in status.evidence)
    write_tree(
        tmp_path,
        {
            "served/Dockerfile": tool + "EXPOSE 8080\n",
            "copied/Dockerfile": tool + "COPY jq.conf /etc/jq.conf\n",
            "pyproject.toml": '[project]\nname = "jq"\n',
        },
    )
    _, got = run(policies, tmp_path, "container-non-root")
    assert sorted(got) == ["copied/Dockerfile:1", "jq/Dockerfile:1", "served/Dockerfile:1"]
