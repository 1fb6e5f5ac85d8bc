locals {
  name = "payments-${var.environment}"
  tags = {
    Service            = "payments"
    DataClassification = "restricted"
  }
}

resource "aws_kms_key" "data" {
  description         = "payments data"
  enable_key_rotation = true
  tags                = local.tags
}

# Access logs land here (SSE-S3: S3 server access logging cannot use SSE-KMS).
resource "aws_s3_bucket" "access_logs" {
  bucket = "${local.name}-access-logs"
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

module "ledger_bucket" {
  source      = "../modules/secure_bucket"
  name        = "${local.name}-ledger"
  log_bucket  = aws_s3_bucket.access_logs.id
  kms_key_arn = aws_kms_key.data.arn
}

module "exports_bucket" {
  source      = "../modules/secure_bucket"
  name        = "${local.name}-exports"
  log_bucket  = aws_s3_bucket.access_logs.id
  kms_key_arn = aws_kms_key.data.arn
}

# A marketing bucket created by hand long ago and imported as-is.
resource "aws_s3_bucket" "marketing" {
  bucket = "${local.name}-marketing-assets"
  tags   = merge(local.tags, { DataClassification = "public" })
}

resource "aws_s3_bucket_acl" "marketing" {
  bucket = aws_s3_bucket.marketing.id
  acl    = "public-read"
}

resource "aws_db_instance" "ledger" {
  identifier              = "${local.name}-ledger"
  engine                  = "postgres"
  engine_version          = "16.4"
  instance_class          = "db.r6g.large"
  allocated_storage       = 100
  username                = "ledger"
  password                = var.db_password
  storage_encrypted       = false
  publicly_accessible     = true
  backup_retention_period = 1
  deletion_protection     = true
  vpc_security_group_ids  = [aws_security_group.db.id]
  tags                    = local.tags
}

resource "aws_dynamodb_table" "sessions" {
  name         = "${local.name}-sessions"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  deletion_protection_enabled = true
  tags                        = local.tags
}

resource "aws_sqs_queue" "settlements" {
  name              = "${local.name}-settlements"
  kms_master_key_id = aws_kms_key.data.arn
}
