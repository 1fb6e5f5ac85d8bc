variable "name" {
  description = "The bucket's name (globally unique)."
  type        = string
  default     = "example-data"
}

variable "kms_key_arn" {
  description = "A customer managed KMS key for the bucket; null creates one with rotation on."
  type        = string
  default     = null
}

variable "access_log_bucket" {
  description = "The bucket that receives this bucket's server access logs; null creates one (SSE-S3, as S3 requires)."
  type        = string
  default     = null
}

variable "noncurrent_days" {
  description = "Days a replaced or deleted object version is kept before it expires."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
