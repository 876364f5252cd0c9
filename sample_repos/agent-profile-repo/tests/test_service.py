from orders.service import apply_discount, subtotal


def test_subtotal() -> None:
    assert subtotal([1.0, 2.5]) == 3.5


def test_discount() -> None:
    assert apply_discount(200.0, 10) == 180.0
