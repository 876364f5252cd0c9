"""terraform-no-open-ingress: no ingress from the whole internet except on public web ports.

Checked, each at the line of the block or resource that opens the range:

- ``aws_security_group`` inline ``ingress`` blocks (and the ``ingress = [{...}]`` attribute form);
- ``aws_security_group_rule`` with ``type = "ingress"`` and ``aws_vpc_security_group_ingress_rule``;
- ``google_compute_firewall`` (direction INGRESS, the default) ``allow`` blocks with
  ``source_ranges`` holding ``0.0.0.0/0`` or ``::/0``;
- ``aws_subnet`` with ``map_public_ip_on_launch = true`` (instances there get public addresses).

A port that is an expression (``var.port``) cannot be evaluated and is not reported.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from charter.analyzers.base import Emitter
from charter.analyzers.terraform.counted import CountedTerraformAnalyzer
from charter.analyzers.terraform.hcl import Block, top_blocks
from charter.sources import SourceFile

WORLD = frozenset({"0.0.0.0/0", "::/0"})
ALL_PROTOCOLS = frozenset({"-1", "all"})
ICMP = frozenset({"icmp", "icmpv6", "1", "58"})
MAX_PORT = 65535
#: resource types this rule looks at (for "not applicable")
NETWORK_TYPES = frozenset(
    {
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "google_compute_firewall",
        "aws_subnet",
    }
)


class OpenIngressParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: ports that may be open to the internet (public web traffic)
    allowed_public_ports: tuple[int, ...] = (80, 443)
    #: also report ``aws_subnet`` with ``map_public_ip_on_launch = true``
    report_public_subnets: bool = True


def _port(value: Any) -> int | None:
    """A literal port number; None for an expression."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 8:
        return int(value.strip())
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def _world(*values: Any) -> str | None:
    """The internet-wide range among the CIDR values, if any."""
    for value in values:
        for cidr in _strings(value):
            if cidr.strip() in WORLD:
                return cidr.strip()
    return None


def _range(protocol: Any, from_port: Any, to_port: Any) -> tuple[int, int] | None:
    """The port range an AWS rule opens; (0, 65535) for every protocol; None when unknown."""
    name = str(protocol).strip().lower() if isinstance(protocol, str | int) else ""
    if name in ALL_PROTOCOLS:
        return 0, MAX_PORT
    if name in ICMP:
        return None  # from/to are an ICMP type and code, not ports
    low, high = _port(from_port), _port(to_port)
    if low is None or high is None:
        return None
    if low < 0:
        return 0, MAX_PORT
    return low, max(low, high)


def _describe(low: int, high: int) -> str:
    if (low, high) == (0, MAX_PORT):
        return "all ports"
    return f"port {low}" if low == high else f"ports {low}-{high}"


class NoOpenIngressAnalyzer(CountedTerraformAnalyzer):
    """Ingress open to ``0.0.0.0/0`` or ``::/0`` on a port outside ``allowed_public_ports``."""

    name: ClassVar[str] = "terraform-no-open-ingress"
    subject: ClassVar[str] = "security groups, firewall rules or subnets"
    Params = OpenIngressParams
    params: OpenIngressParams
    prefilter: ClassVar[tuple[str, ...]] = tuple(sorted(NETWORK_TYPES))

    def check_file(self, file: SourceFile, out: Emitter) -> None:
        tree = file.hcl
        if tree is None:
            return
        checked = 0
        for block in top_blocks(tree):
            if block.type != "resource" or len(block.labels) < 2:
                continue
            rtype = block.labels[0]
            if rtype not in NETWORK_TYPES:
                continue
            checked += 1
            address = f"{rtype}.{block.labels[1]}"
            if rtype == "aws_security_group":
                self._security_group(address, block, out)
            elif rtype == "aws_security_group_rule":
                if str(block.value("type")).strip().lower() == "ingress":
                    self._rule(address, block.line, _plain_attrs(block), out)
            elif rtype == "aws_vpc_security_group_ingress_rule":
                attrs = _plain_attrs(block)
                attrs["protocol"] = attrs.get("ip_protocol")
                attrs["cidr_blocks"] = attrs.get("cidr_ipv4")
                attrs["ipv6_cidr_blocks"] = attrs.get("cidr_ipv6")
                self._rule(address, block.line, attrs, out)
            elif rtype == "google_compute_firewall":
                self._firewall(address, block, out)
            elif rtype == "aws_subnet" and self.params.report_public_subnets:
                attr = block.attrs.get("map_public_ip_on_launch")
                if attr is not None and attr.value in (True, "true"):
                    out.report(
                        attr.line,
                        f"{address} sets `map_public_ip_on_launch = true`: instances in it get "
                        "public IP addresses; keep subnets private by default",
                    )
        if checked:
            out.fact(checked)

    def _security_group(self, address: str, block: Block, out: Emitter) -> None:
        for ingress in block.children("ingress"):
            self._rule(address, ingress.line, _plain_attrs(ingress), out)
        attr = block.attrs.get("ingress")
        if attr is not None and isinstance(attr.value, list):
            for item in attr.value:
                if isinstance(item, dict):
                    self._rule(address, attr.line, item, out)

    def _rule(self, address: str, line: int, attrs: dict[str, Any], out: Emitter) -> None:
        world = _world(attrs.get("cidr_blocks"), attrs.get("ipv6_cidr_blocks"))
        if world is None:
            return
        ports = _range(attrs.get("protocol"), attrs.get("from_port"), attrs.get("to_port"))
        if ports is None or self._allowed(*ports):
            return
        out.report(
            line,
            f"{address} allows ingress from `{world}` on {_describe(*ports)}; restrict the "
            "source to known ranges or security groups",
        )

    def _firewall(self, address: str, block: Block, out: Emitter) -> None:
        direction = block.value("direction")
        if isinstance(direction, str) and direction.strip().upper() != "INGRESS":
            return
        world = _world(block.value("source_ranges"))
        if world is None:
            return
        for allow in block.children("allow"):
            protocol = str(allow.value("protocol") or "").strip().lower()
            ports = _strings(allow.value("ports"))
            if protocol in {"icmp", "ipip", "esp", "ah", "sctp"} and not ports:
                continue  # no ports to speak of (ICMP) or rarely used: not this rule's business
            opened: list[tuple[int, int]] = []
            if not ports:
                opened.append((0, MAX_PORT))
            for spec in ports:
                low, _, high = spec.partition("-")
                first, last = _port(low), _port(high or low)
                if first is not None and last is not None:
                    opened.append((first, max(first, last)))
            bad = [p for p in opened if not self._allowed(*p)]
            if bad:
                out.report(
                    allow.line,
                    f"{address} allows ingress from `{world}` on "
                    f"{', '.join(_describe(*p) for p in bad)}; restrict `source_ranges`",
                )

    def _allowed(self, low: int, high: int) -> bool:
        allowed = set(self.params.allowed_public_ports)
        return high - low < len(allowed) and all(p in allowed for p in range(low, high + 1))


def _plain_attrs(block: Block) -> dict[str, Any]:
    return {name: attr.value for name, attr in block.attrs.items()}
