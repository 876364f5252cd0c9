"""terraform-no-open-ingress, terraform-iam-least-privilege and k8s-cluster-policies: what a
user sees (finding at path:line, its message, the rule status) beyond the rules' own examples."""

from __future__ import annotations

from pathlib import Path

from helpers import audit_rule, write_tree

from charter.policy import load_policies

POLICIES = load_policies()


def _run(
    tmp_path: Path, rule: str, files: dict[str, str], params: dict | None = None
) -> tuple[str, dict[str, str]]:
    write_tree(tmp_path, files)
    report = audit_rule(POLICIES, tmp_path, rule, params)
    status = next(r for r in report.rules if r.id == rule).status.value
    found = {f"{f.path}:{f.line}": f.message for f in report.findings if f.rule == rule}
    return status, found


# --- terraform-no-open-ingress -------------------------------------------------------------------

SG = """resource "aws_security_group" "db" {{
  ingress {{
    from_port   = {low}
    to_port     = {high}
    protocol    = "{protocol}"
    cidr_blocks = {cidrs}
  }}
}}
"""


def _sg(low: object, high: object, protocol: str = "tcp", cidrs: str = '["0.0.0.0/0"]') -> str:
    return SG.format(low=low, high=high, protocol=protocol, cidrs=cidrs)


def test_open_ingress_names_the_port_range(tmp_path: Path) -> None:
    status, found = _run(tmp_path, "terraform-no-open-ingress", {"main.tf": _sg(5432, 5439)})
    assert status == "fail"
    assert list(found) == ["main.tf:2"]
    assert "`0.0.0.0/0`" in found["main.tf:2"] and "ports 5432-5439" in found["main.tf:2"]


def test_open_ingress_all_protocols_is_all_ports(tmp_path: Path) -> None:
    _, found = _run(tmp_path, "terraform-no-open-ingress", {"main.tf": _sg(0, 0, "-1")})
    assert "all ports" in found["main.tf:2"]


def test_open_ingress_world_among_other_ranges_and_ipv6(tmp_path: Path) -> None:
    files = {"a/main.tf": _sg(22, 22, cidrs='["10.0.0.0/8", "0.0.0.0/0"]')}
    files["b/main.tf"] = (
        _sg(3306, 3306).replace("cidr_blocks", "ipv6_cidr_blocks").replace("0.0.0.0/0", "::/0")
    )
    _, found = _run(tmp_path, "terraform-no-open-ingress", files)
    assert sorted(found) == ["a/main.tf:2", "b/main.tf:2"]
    assert "`::/0` on port 3306" in found["b/main.tf:2"]


def test_open_ingress_icmp_and_variable_ports_are_not_reported(tmp_path: Path) -> None:
    files = {"a/main.tf": _sg(8, 0, "icmp"), "b/main.tf": _sg("var.port", "var.port")}
    status, found = _run(tmp_path, "terraform-no-open-ingress", files)
    assert (status, found) == ("pass", {})


def test_open_ingress_firewall_egress_is_not_ingress(tmp_path: Path) -> None:
    tf = """resource "google_compute_firewall" "out" {
  direction          = "EGRESS"
  destination_ranges = ["0.0.0.0/0"]
  source_ranges      = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
  }
}
"""
    status, found = _run(tmp_path, "terraform-no-open-ingress", {"main.tf": tf})
    assert (status, found) == ("pass", {})


def test_open_ingress_firewall_without_ports_opens_everything(tmp_path: Path) -> None:
    tf = """resource "google_compute_firewall" "any" {
  source_ranges = ["0.0.0.0/0"]
  allow {
    protocol = "tcp"
  }
  allow {
    protocol = "tcp"
    ports    = ["443"]
  }
}
"""
    _, found = _run(tmp_path, "terraform-no-open-ingress", {"main.tf": tf})
    assert list(found) == ["main.tf:3"]
    assert "all ports" in found["main.tf:3"]


def test_public_subnets_can_be_allowed(tmp_path: Path) -> None:
    tf = 'resource "aws_subnet" "lb" {\n  map_public_ip_on_launch = true\n}\n'
    assert _run(tmp_path, "terraform-no-open-ingress", {"main.tf": tf})[0] == "fail"
    status, found = _run(
        tmp_path, "terraform-no-open-ingress", {"main.tf": tf}, {"report_public_subnets": False}
    )
    assert (status, found) == ("pass", {})


# --- terraform-iam-least-privilege ---------------------------------------------------------------


def test_iam_indented_heredoc_reports_the_statement_line(tmp_path: Path) -> None:
    tf = """resource "aws_iam_user_policy" "ops" {
  user   = "ops"
  policy = <<-EOT
    {
      "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {
          "Effect": "Allow",
          "Action": ["dynamodb:*"],
          "Resource": ["*"]
        }
      ]
    }
  EOT
}
"""
    status, found = _run(tmp_path, "terraform-iam-least-privilege", {"main.tf": tf})
    assert status == "fail"
    assert list(found) == ["main.tf:7"]
    assert "`dynamodb:*` on `*`" in found["main.tf:7"]


def test_iam_role_inline_policy_and_managed_policy_arns(tmp_path: Path) -> None:
    tf = """resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]

  inline_policy {
    name = "all"
    policy = jsonencode({
      Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
    })
  }
}
"""
    _, found = _run(tmp_path, "terraform-iam-least-privilege", {"main.tf": tf})
    assert sorted(found) == ["main.tf:4", "main.tf:9"]
    assert "AdministratorAccess" in found["main.tf:4"]


def test_iam_wildcard_on_a_named_resource_passes(tmp_path: Path) -> None:
    tf = """data "aws_iam_policy_document" "d" {
  statement {
    effect    = "Allow"
    actions   = ["*"]
    resources = [aws_sqs_queue.jobs.arn]
  }
}
"""
    status, found = _run(tmp_path, "terraform-iam-least-privilege", {"main.tf": tf})
    assert (status, found) == ("pass", {})


def test_iam_azure_owner_assignment(tmp_path: Path) -> None:
    tf = """resource "azurerm_role_assignment" "ci" {
  scope                = azurerm_resource_group.main.id
  role_definition_name = "Owner"
  principal_id         = var.ci_principal
}
"""
    _, found = _run(tmp_path, "terraform-iam-least-privilege", {"main.tf": tf})
    assert list(found) == ["main.tf:3"]


# --- k8s-cluster-policies ------------------------------------------------------------------------

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
"""
NETPOL = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny
spec:
  podSelector: {}
"""


def test_cluster_each_overlay_namespace_needs_a_policy(tmp_path: Path) -> None:
    files = {
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT,
        "prod/kustomization.yaml": "namespace: prod\nresources: [../base, netpol.yaml]\n",
        "prod/netpol.yaml": NETPOL,
        "staging/kustomization.yaml": "namespace: staging\nresources: [../base]\n",
    }
    status, found = _run(tmp_path, "k8s-cluster-policies", files, {"require_hpa": False})
    assert status == "fail"
    assert list(found) == ["base/deployment.yaml:1"]
    message = found["base/deployment.yaml:1"]
    assert "namespace `staging`" in message and "`prod`" not in message
    assert "sets no namespace" not in message


def test_cluster_workload_in_a_list_with_a_keda_scaler(tmp_path: Path) -> None:
    manifest = """apiVersion: v1
kind: List
items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: worker, namespace: jobs}
    spec: {}
  - apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    metadata: {name: worker, namespace: jobs}
    spec:
      scaleTargetRef: {name: worker}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: deny, namespace: jobs}
    spec: {podSelector: {}}
"""
    status, found = _run(tmp_path, "k8s-cluster-policies", {"k8s/all.yaml": manifest})
    assert (status, found) == ("pass", {})
    without_scaler = manifest.replace("kind: ScaledObject", "kind: ConfigMap")
    _, found = _run(tmp_path, "k8s-cluster-policies", {"k8s/all.yaml": without_scaler})
    assert list(found) == ["k8s/all.yaml:4"]
    assert found["k8s/all.yaml:4"] == "Deployment worker: no HorizontalPodAutoscaler targets it"


def test_cluster_helm_chart_without_a_policy(tmp_path: Path) -> None:
    files = {
        "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
        "chart/templates/ds.yaml": DEPLOYMENT.replace("Deployment", "DaemonSet"),
    }
    _, found = _run(tmp_path, "k8s-cluster-policies", files)
    assert list(found) == ["chart/templates/ds.yaml:1"]
    assert "release namespace of Helm chart `chart`" in found["chart/templates/ds.yaml:1"]


def test_cluster_manifests_under_tests_are_ignored(tmp_path: Path) -> None:
    status, found = _run(tmp_path, "k8s-cluster-policies", {"tests/k8s/app.yaml": DEPLOYMENT})
    assert (status, found) == ("not_applicable", {})
