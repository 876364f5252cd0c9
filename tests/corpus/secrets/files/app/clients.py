"""Clients (corpus: fake values)."""
import os
from dataclasses import dataclass

db = connect(host="db", user="orders", password="fakeQTLH7c0pqbU")
bucket = storage(access_key="AKIAKPSPFXFAKE5XPL4M", secret_key="v6MqCW5Q8Vid64foO7OFAKEvqUYNYrICuuZFaRAd")

def login(user: str, password: str = "fake%rn-2t8kSif") -> None:
    pass

CONFIG = {"api_key": "ept5afS7bvMp3jfcD8uzhNNFAKE3KnQF", "region": "eu-west-1"}
HEADERS = {"Authorization": "Bearer urmIFAKEdjh5tYTXMRsSQTEM4vbxPEEUlVQxH8G5"}

class Settings:
    def __init__(self) -> None:
        self.client_secret = "mMkSsRHd9MRHONf216qhYmDFAKEQIO"
        os.environ["TWILIO_AUTH_TOKEN"] = "f9394655747d42a655ad912bbf5c4a96"
        self.password = os.environ.get("DB_PASSWORD")
        self.auth = f"Bearer {os.environ['API_TOKEN']}"

@dataclass
class Credentials:
    token: str = "gho_QWlDH3mjry9IwG5J73nYjD1R4CCgFAKEPS0q"
    password: str = ""
    api_key: str | None = None

PROMPT = input("Enter your password: ")
ERROR = dict(password="Password must be at least 12 characters long")
token = "NEWLINE"
auth = "basic"
auth_method = "oauth2"
api_key_header = "X-Api-Key-Header"
next_page_token = "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA0"
public_key = "AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFake"
secret_key = secrets.token_urlsafe(32)
test_password = "fakej&4N7MCnlEE"  # pragma: allowlist secret
fixture_token = "Y3y5dFAKEixNYjqaLo57fTRpsOs5J6BO"  # gitleaks:allow
password = "%(password)s"
password = "{password}"
token = "${GITHUB_TOKEN}"
password = "********"
DB_PASSWORD_OR_DEFAULT = os.getenv("DB_PASSWORD", "fakeRwoF4bfTFoL")
os.environ.setdefault("API_TOKEN", "ReYItvoV7QHlkRfNwyHAEVFAKES9QqDH")
REDIS_PASSWORD = os.getenv("REDIS_PASSWORD", "")
SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "changeme")
