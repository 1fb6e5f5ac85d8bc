variable "security_contact" {
  description = "Who AWS contacts about security events in this account."
  type = object({
    name  = string
    title = string
    email = string
    phone = string
  })
  default = {
    name  = "Security team"
    title = "Security"
    email = "security@example.com"
    phone = "+1-555-0100"
  }
}

variable "support_trusted_role" {
  description = "The role allowed to assume the support role (incident responders)."
  type        = string
  default     = "SecurityResponder"
}

variable "password_min_length" {
  description = "Minimum length of IAM user passwords."
  type        = number
  default     = 14
}
