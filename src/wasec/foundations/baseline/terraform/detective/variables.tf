variable "name" {
  description = "Prefix for the roles and the aggregator."
  type        = string
  default     = "org-security"
}

variable "organization" {
  description = "Turn each service on for every account of the organization (apply from its delegated administrator)."
  type        = bool
  default     = true
}

variable "config_delivery_bucket" {
  description = "The S3 bucket AWS Config delivers snapshots to (the log archive's, for example)."
  type        = string
  default     = "org-audit-config"
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
