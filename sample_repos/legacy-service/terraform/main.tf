terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 4.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "google_storage_bucket" "exports" {
  name     = "legacy-exports"
  location = "EU"
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

module "dns" {
  source = "git::https://github.com/acme/terraform-dns.git?ref=master"
}

resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.t3.micro"
}
