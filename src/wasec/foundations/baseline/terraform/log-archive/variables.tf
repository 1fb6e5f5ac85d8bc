variable "name" {
  description = "Prefix of the trail, the archive bucket and its key."
  type        = string
  default     = "org-audit"
}

variable "organization_trail" {
  description = "Log every account of the organization (apply from the management account or a delegated administrator)."
  type        = bool
  default     = true
}

variable "retention_days" {
  description = "Days every log object is locked against deletion (Object Lock, compliance mode)."
  type        = number
  default     = 365
}

variable "log_group_retention_days" {
  description = "Days the trail's CloudWatch Logs copy is kept (for alarms and queries)."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
