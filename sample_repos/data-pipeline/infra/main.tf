provider "aws" {
  region = var.region

  default_tags {
    tags = {
      service     = "pipeline"
      owner       = "data-platform"
      environment = var.environment
    }
  }
}

# Parquet staging area between the extract, transform and load activities.
resource "aws_s3_bucket" "staging" {
  bucket = "acme-pipeline-staging-${var.environment}"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "staging" {
  bucket = aws_s3_bucket.staging.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "staging" {
  bucket                  = aws_s3_bucket.staging.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# The warehouse the loader upserts into.
resource "aws_db_instance" "warehouse" {
  identifier                  = "pipeline-warehouse-${var.environment}"
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = "db.t4g.medium"
  allocated_storage           = 100
  username                    = "pipeline"
  manage_master_user_password = true
  storage_encrypted           = true
  db_subnet_group_name        = var.db_subnet_group
  vpc_security_group_ids      = [aws_security_group.warehouse.id]
  backup_retention_period     = 7
}

resource "aws_security_group" "warehouse" {
  name   = "pipeline-warehouse-${var.environment}"
  vpc_id = var.vpc_id

  ingress {
    description = "PostgreSQL from the worker subnets"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = var.worker_subnet_cidrs
  }
}

# What the Temporal worker may do: read and write its own staging prefix, nothing else.
data "aws_iam_policy_document" "worker" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.staging.arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.staging.arn]
  }
}

resource "aws_iam_policy" "worker" {
  name   = "pipeline-worker-${var.environment}"
  policy = data.aws_iam_policy_document.worker.json
}
