"""Order totals."""

from __future__ import annotations


def subtotal(prices: list[float]) -> float:
    """Sum of the line prices."""
    return sum(prices)


def apply_discount(total, percent):
    """The total after a percentage discount."""
    return total * (1 - percent / 100)
