provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = {
      service = "orders"
      owner   = "platform"
    }
  }
}

module "queue" {
  source  = "terraform-aws-modules/sqs/aws"
  version = "~> 4.2"

  name                    = "orders-events"
  sqs_managed_sse_enabled = true
}

module "labels" {
  source = "git::https://github.com/cloudposse/terraform-null-label.git?ref=0.25.0"

  namespace = "acme"
  name      = "orders"
}

resource "aws_sns_topic" "order_events" {
  name              = "order-events"
  kms_master_key_id = "alias/aws/sns"
}
