variable "name" {
  description = "The VPC's name."
  type        = string
  default     = "workload"
}

variable "cidr" {
  description = "The VPC's address range."
  type        = string
  default     = "10.20.0.0/16"
}

variable "availability_zones" {
  description = "One private subnet per zone."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b", "us-east-1c"]
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow logs are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
