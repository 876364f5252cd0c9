import sqlite3


class Store:
    def __init__(self, path):
        self.conn = sqlite3.connect(path)

    def insert(self, sku: str, quantity: int):
        cur = self.conn.execute("insert into orders values (?, ?)", (sku, quantity))
        return cur.lastrowid

    def fetch(self, order_id: int) -> dict:
        row = self.conn.execute("select * from orders where id = ?", (order_id,)).fetchone()
        return dict(row)


_store = Store("orders.db")


def insert(sku, quantity, *tags, **meta):
    return _store.insert(sku, quantity)


def fetch(order_id: int) -> dict:
    return _store.fetch(order_id)
