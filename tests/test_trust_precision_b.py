"""health-checks, container-non-root and the Kubernetes rules on the cases real repositories
showed: images whose health is already checked where they run (compose, Kubernetes probes,
platform specs), servers that are not the service's front door, folders their README presents
as examples for a local cluster, non-root images run by Kubernetes workloads, copies of one
image or one workload reported once."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

HEALTH = "health-checks"
NON_ROOT = "container-non-root"
LIMITS = "k8s-resource-limits"
CLUSTER = "k8s-cluster-policies"


def run(policies, root: Path, rule: str, files: dict[str, str], params: dict | None = None):
    write_tree(root, files)
    report = audit_rule(policies, root, rule, params)
    result = next(r for r in report.rules if r.id == rule)
    findings = {f.where: f for f in report.findings if f.rule == rule}
    return result, findings


#: judge every image, whoever runs it (these tests are about what credits an image's health)
ALWAYS = {"dockerfile_healthcheck": "always"}
SERVICE = 'FROM python:3.12-slim\nCOPY . /app\nEXPOSE 8000\nCMD ["python", "-m", "shop"]\n'
EXAMPLES_README = """\
# Kubernetes deployment examples
Below you will find examples of deployments using [kind](https://kind.sigs.k8s.io/).

    $ kind create cluster
    $ kubectl apply -f shop.yaml
"""


def workload(name: str, image: str, extra: str = "", kind: str = "Deployment") -> str:
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}}}
spec:
  template:
    spec:
      containers:
        - name: {name}
          image: {image}
{extra}"""


PROBES = """\
          livenessProbe: {httpGet: {path: /healthz, port: 8000}}
          readinessProbe: {httpGet: {path: /healthz, port: 8000}}
"""

# --- health-checks: images whose health is checked where they run ---------------------------


def test_render_fly_and_railway_health_checks_credit_the_dockerfile_they_build(policies, tmp_path):
    files = {
        "render.yaml": (
            "services:\n  - type: web\n    name: web\n    runtime: docker\n"
            "    dockerfilePath: ./web/Dockerfile\n    healthCheckPath: /healthz\n"
        ),
        "web/Dockerfile": SERVICE,
        "edge/fly.toml": (
            'app = "edge"\n\n[[services]]\n  internal_port = 8080\n\n'
            '  [[services.http_checks]]\n    path = "/healthz"\n'
        ),
        "edge/Dockerfile": SERVICE,
        "railway.toml": '[build]\ndockerfilePath = "jobs/Dockerfile"\n\n'
        '[deploy]\nhealthcheckPath = "/healthz"\n',
        "jobs/Dockerfile": SERVICE,
        # a fly app that deploys a prebuilt image does not build the Dockerfile beside it
        "mirror/fly.toml": '[build]\nimage = "acme/mirror:1"\n\n[checks.alive]\ntype = "tcp"\n',
        "mirror/Dockerfile": SERVICE,
    }
    result, findings = run(policies, tmp_path, HEALTH, files, ALWAYS)
    assert sorted(findings) == ["mirror/Dockerfile:1"]
    evidence = "\n".join(result.evidence)
    assert "web/Dockerfile: no HEALTHCHECK, but its image is checked by the Render" in evidence
    assert "edge/Dockerfile: no HEALTHCHECK, but its image is checked by the Fly.io" in evidence
    assert "jobs/Dockerfile: no HEALTHCHECK, but its image is checked by the Railway" in evidence


def test_probes_on_a_kustomize_renamed_image_credit_its_dockerfile(policies, tmp_path):
    files = {
        "go.mod": "module github.com/acme/shop\n",
        "zarf/docker/dockerfile.auth": 'FROM golang:1.22\nCOPY . /src\nCMD ["/src/auth"]\n',
        "zarf/docker/dockerfile.metrics": (
            'FROM golang:1.22\nCOPY . /src\nEXPOSE 4000\nCMD ["/src/metrics"]\n'
        ),
        "zarf/k8s/base/auth.yaml": workload("auth", "auth-image", PROBES),
        "zarf/k8s/base/metrics.yaml": workload("metrics", "metrics-image", PROBES),
        "zarf/k8s/base/kustomization.yaml": (
            "resources: [auth.yaml, metrics.yaml]\n"
            "images:\n  - name: auth-image\n    newName: localhost/acme/auth\n    newTag: 0.0.1\n"
        ),
    }
    result, findings = run(policies, tmp_path, HEALTH, files, ALWAYS)
    # metrics-image is renamed nowhere: its Dockerfile cannot be told, so it is judged
    assert sorted(findings) == ["zarf/docker/dockerfile.metrics:1"]
    assert any(
        e.startswith("zarf/docker/dockerfile.auth: no HEALTHCHECK, but its image is checked by")
        and "zarf/k8s/base/auth.yaml" in e
        for e in result.evidence
    )


def test_examples_folder_probes_do_not_credit_the_product_image(policies, tmp_path):
    files = {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "Dockerfile": SERVICE,
        "kubernetes/README.md": EXAMPLES_README,
        "kubernetes/shop.yaml": workload("shop", "shop", PROBES, kind="StatefulSet"),
        "kubernetes/Dockerfile": SERVICE,
    }
    _, findings = run(policies, tmp_path, HEALTH, files, ALWAYS)
    # the example folder is path class `example`: its probes credit nothing, it is not judged
    assert sorted(findings) == ["Dockerfile:1"]


def test_a_root_readme_does_not_make_the_repository_an_example(policies, tmp_path):
    files = {
        "README.md": EXAMPLES_README,
        "shop.yaml": workload("shop", "acme/shop:1"),
    }
    _, findings = run(policies, tmp_path, LIMITS, files)
    assert sorted(findings) == ["shop.yaml:8"]


def test_a_dockerfile_copy_is_a_related_place_of_one_finding(policies, tmp_path):
    files = {"Dockerfile": SERVICE, "buildx.Dockerfile": "# syntax=docker/dockerfile:1\n" + SERVICE}
    _, findings = run(policies, tmp_path, HEALTH, files, ALWAYS)
    assert sorted(findings) == ["Dockerfile:1"]
    finding = findings["Dockerfile:1"]
    assert "; so do its copies in this folder (same base and command): buildx.Dockerfile:2" in (
        finding.message
    )
    assert [(r.path, r.line) for r in finding.related] == [("buildx.Dockerfile", 2)]


# --- health-checks: servers that are not the service's front door ----------------------------


GRPC_APART = """\
package main

import (
	"net"
	"net/http"

	"google.golang.org/grpc"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", health)
	go http.ListenAndServe(":8080", mux)
	srv := grpc.NewServer()
	l, _ := net.Listen("tcp", ":9090")
	srv.Serve(l)
}
"""
GRPC_SERVEHTTP = """\
package main

import (
	"net/http"
	"strings"

	"google.golang.org/grpc"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", health)
	grpcServer := grpc.NewServer()
	http.ListenAndServe(":8080", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			grpcServer.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}
"""


def test_grpc_beside_a_health_route_of_its_program_or_on_its_mux_is_not_judged(policies, tmp_path):
    """On its own port, the gRPC server still runs in the process whose /healthz the
    orchestrator probes (a gRPC server of a program without one is judged: see
    test_health_checks)."""
    result, findings = run(policies, tmp_path / "apart", HEALTH, {"main.go": GRPC_APART})
    assert findings == {}
    assert any(
        "runs in the same program (.) as the health route /healthz" in e for e in result.evidence
    )
    alone = GRPC_APART.replace('\tmux.HandleFunc("/healthz", health)\n', "")
    _, findings = run(policies, tmp_path / "alone", HEALTH, {"main.go": alone})
    assert "main.go:13" in findings
    result, findings = run(policies, tmp_path / "mux", HEALTH, {"main.go": GRPC_SERVEHTTP})
    assert findings == {}
    assert any(
        "gRPC server served on the HTTP mux of health route /healthz" in e for e in result.evidence
    )


def test_a_metrics_only_server_is_auxiliary_only_beside_another_server(policies, tmp_path):
    metrics = (
        'package main\n\nimport "net/http"\n\nfunc metrics() {\n'
        '\thttp.Handle("/metrics", handler)\n\thttp.ListenAndServe(":9100", nil)\n}\n'
    )
    api = (
        'package main\n\nimport "net/http"\n\nfunc api() {\n\tmux := http.NewServeMux()\n'
        '\tmux.HandleFunc("/orders", orders)\n\thttp.ListenAndServe(":8080", mux)\n}\n'
    )
    _, findings = run(policies, tmp_path / "alone", HEALTH, {"metrics.go": metrics})
    assert sorted(findings) == ["metrics.go:7"]
    result, findings = run(
        policies, tmp_path / "beside", HEALTH, {"metrics.go": metrics, "api.go": api}
    )
    assert sorted(findings) == ["api.go:6"]
    assert any(
        e.startswith(
            "metrics.go:7: http.ListenAndServe not judged, an auxiliary endpoint that "
            "serves only /metrics beside http.NewServeMux (api.go:6)"
        )
        for e in result.evidence
    )


# --- container-non-root ------------------------------------------------------------------------


def test_a_default_root_image_beside_a_published_non_root_target_is_a_choice(policies, tmp_path):
    files = {
        "Dockerfile": (
            "FROM golang:1.22 AS build\nRUN go build -o /app .\n"
            "FROM scratch AS hardened\nCOPY --from=build /app /app\nUSER nonroot\n"
            'ENTRYPOINT ["/app"]\n'
            'FROM debian:12-slim AS default\nCOPY --from=build /app /app\nENTRYPOINT ["/app"]\n'
        ),
        # a non-root build stage is no target: it runs nothing of its own
        "worker/Dockerfile": (
            "FROM golang:1.22 AS build\nUSER builder\nRUN go build -o /tmp/w .\n"
            'FROM debian:12-slim AS runtime\nCOPY --from=build /tmp/w /w\nENTRYPOINT ["/w"]\n'
        ),
    }
    result, findings = run(policies, tmp_path, NON_ROOT, files)
    assert sorted(findings) == ["worker/Dockerfile:4"]
    assert (
        "Dockerfile:7: the final stage `default` runs as root, and the Dockerfile publishes the "
        "non-root target `hardened` (line 3, USER nonroot)" in result.evidence
    )


def test_a_workload_runs_the_user_of_the_image_this_repository_builds(policies, tmp_path):
    files = {
        "go.mod": "module github.com/acme/shop\n",
        "api/Dockerfile": 'FROM debian:12-slim\nUSER 10001\nENTRYPOINT ["/api"]\n',
        "admin/Dockerfile": 'FROM debian:12-slim\nUSER root\nENTRYPOINT ["/admin"]\n',
        "deploy/api.yaml": workload("api", "ghcr.io/acme/api:1.0"),
        "deploy/admin.yaml": workload("admin", "ghcr.io/acme/admin:1.0"),
    }
    result, findings = run(policies, tmp_path, NON_ROOT, files)
    # the admin image runs as root: its Dockerfile and its workload are both findings
    assert sorted(findings) == ["admin/Dockerfile:2", "deploy/admin.yaml:8"]
    assert (
        "deploy/api.yaml:8: Deployment api: container `api` runs the image of api/Dockerfile, "
        "whose USER is 10001" in result.evidence
    )


def test_copies_of_one_image_are_one_non_root_finding(policies, tmp_path):
    files = {
        "Dockerfile": 'FROM alpine:3.20\nCOPY whoami /\nENTRYPOINT ["/whoami"]\n',
        "buildx.Dockerfile": 'FROM alpine:3.20\nCOPY dist/whoami /\nENTRYPOINT ["/whoami"]\n',
        "other/Dockerfile": 'FROM alpine:3.20\nCOPY whoami /\nENTRYPOINT ["/whoami"]\n',
    }
    _, findings = run(policies, tmp_path, NON_ROOT, files)
    # a Dockerfile of another folder is another image, judged on its own
    assert sorted(findings) == ["Dockerfile:1", "other/Dockerfile:1"]
    finding = findings["Dockerfile:1"]
    assert finding.message.endswith(
        "; so do its copies in this folder (same base and command): buildx.Dockerfile:1"
    )
    assert [(r.path, r.line) for r in finding.related] == [("buildx.Dockerfile", 1)]


# --- numbered copies of a workload -------------------------------------------------------------


def test_numbered_copies_are_one_finding_named_in_its_message(policies, tmp_path):
    files = {
        "k8s/citus.yaml": "---\n".join(
            [
                workload("citus-0", "acme/citus:1", kind="StatefulSet"),
                workload("citus-1", "acme/citus:1", kind="StatefulSet"),
                workload("citus-2", "acme/citus:1", kind="StatefulSet"),
                workload("coordinator", "acme/citus:1", kind="StatefulSet"),
            ]
        )
    }
    _, findings = run(policies, tmp_path, LIMITS, files)
    assert sorted(findings) == ["k8s/citus.yaml:38", "k8s/citus.yaml:8"]
    finding = findings["k8s/citus.yaml:8"]
    assert finding.message.startswith("StatefulSet citus-0: container `citus-0` sets no resources")
    assert "so do its numbered copies citus-1 (line 18), citus-2 (line 28)" in finding.message
    assert [(r.path, r.line) for r in finding.related] == [
        ("k8s/citus.yaml", 18),
        ("k8s/citus.yaml", 28),
    ]


def test_examples_folder_manifests_are_not_judged_by_the_cluster_rules(policies, tmp_path):
    files = {
        "kubernetes/README.md": EXAMPLES_README,
        "kubernetes/shop.yaml": workload("shop", "acme/shop:1"),
    }
    for rule in (LIMITS, CLUSTER, NON_ROOT, HEALTH):
        result, findings = run(policies, tmp_path, rule, files)
        assert findings == {}, rule
        assert result.status.value == "not_applicable", rule
