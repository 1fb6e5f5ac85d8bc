# A customer managed KMS key with yearly rotation and a key policy that names its principals: the
# environment's administrators manage it, its workload roles use it, nobody else (not even the
# account's other administrators through IAM). Written by `wasec init baseline`.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  role_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role"
  admins   = [for name in var.admin_roles[var.environment] : "${local.role_arn}/${name}"]
  users    = [for name in var.user_roles[var.environment] : "${local.role_arn}/${name}"]
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = merge(var.tags, { Environment = var.environment })
}

resource "aws_kms_alias" "this" {
  name          = var.alias
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "key" {
  statement {
    sid     = "KeyAdministrators"
    actions = ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
      "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = local.admins
    }
  }

  # so auditors' IAM policies (SecurityAudit, wasec) can check rotation and this policy
  statement {
    sid       = "AccountReadsKeyMetadata"
    actions   = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:ListKeyPolicies"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  statement {
    sid       = "KeyUsers"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = local.users
    }
  }

  statement {
    sid       = "KeyUsersGrantsForAwsServices"
    actions   = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = local.users
    }
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
}
