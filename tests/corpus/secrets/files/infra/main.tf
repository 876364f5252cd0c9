provider "aws" {
  region = "eu-west-1"
  access_key = "AKIAO7FAKEJLHJINUVPA"
  secret_key = "NJDwvFAKEW3wcwee4sAn1L/7DkGKu0S/RSNrxFJu"
}

resource "aws_db_instance" "orders" {
  engine   = "postgres"
  username = "orders"
  password = "fake&Lak7KVK7Gz"
}

resource "aws_db_instance" "replica" {
  password = var.db_password
  master_password = "${random_password.db.result}"
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = "IaFAKEXXhwh3qySq7RY0dJxHQpXbs0xe"
}

resource "kubernetes_secret" "orders" {
  metadata { name = "orders" }
  data = {
    api_key = "dIGW6eKTJcdzTkqFAKEpt63mJLSqpJc7"
    db_password = random_password.db.result
  }
}
