data "aws_caller_identity" "current" {}

resource "aws_iam_role" "flow_logs" {
  name = "${local.name}-flow-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

# The deploy role a contractor's CI uses.
resource "aws_iam_role" "deployer" {
  name = "${local.name}-deployer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "deployer_admin" {
  role       = aws_iam_role.deployer.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

data "aws_iam_policy_document" "settlement_worker" {
  statement {
    sid       = "ReadLedger"
    actions   = ["s3:GetObject"]
    resources = ["${module.ledger_bucket.arn}/*"]
  }
  statement {
    sid       = "Queue"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.settlements.arn]
  }
  statement {
    sid       = "Launch"
    actions   = ["iam:PassRole"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "settlement_worker" {
  name   = "${local.name}-settlement-worker"
  policy = data.aws_iam_policy_document.settlement_worker.json
}

resource "aws_cloudtrail" "org" {
  name                          = "${local.name}-trail"
  s3_bucket_name                = aws_s3_bucket.access_logs.id
  is_multi_region_trail         = true
  enable_log_file_validation    = true
  include_global_service_events = true
  kms_key_id                    = aws_kms_key.data.arn
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.flow.arn}:*"

  event_selector {
    read_write_type           = "All"
    include_management_events = true
    data_resource {
      type   = "AWS::S3::Object"
      values = ["arn:aws:s3"]
    }
  }
}
