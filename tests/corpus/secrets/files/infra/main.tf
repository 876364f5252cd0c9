provider "aws" {
  region = "eu-west-1"
  access_key = "AKIATAMFAKE7IACOVHZ5"
  secret_key = "tOERz5hFAKEXvlO8cJ8kgXSxA6aeQgAos9G6uCGC"
}

resource "aws_db_instance" "orders" {
  engine   = "postgres"
  username = "orders"
  password = "fake%aVq58M-f-X"
}

resource "aws_db_instance" "replica" {
  password = var.db_password
  master_password = "${random_password.db.result}"
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = "Jz7uK1x5IjGFsfFAKE3BXeQwwYY8GzdA"
}

resource "kubernetes_secret" "orders" {
  metadata { name = "orders" }
  data = {
    api_key = "lYQH1PnKJeBmVZAeFAKEii98WwhL7Ley"
    db_password = random_password.db.result
  }
}
