import os

from flask import Flask, jsonify, request

from orders import db

app = Flask(__name__)


@app.route("/orders", methods=["POST"])
def create_order():
    payload = request.get_json()
    order_id = db.insert(payload["sku"], payload["quantity"])
    return jsonify({"id": order_id}), 201


@app.route("/orders/<int:order_id>")
def get_order(order_id):
    return jsonify(db.fetch(order_id))


def config_path(name, default=None) -> str:
    return os.path.join(os.getcwd(), name or default)
