output "trail_arn" {
  description = "The organization trail."
  value       = aws_cloudtrail.org.arn
}

output "bucket" {
  description = "The archive bucket."
  value       = aws_s3_bucket.logs.id
}

output "kms_key_arn" {
  description = "The key that encrypts the logs."
  value       = aws_kms_key.logs.arn
}
