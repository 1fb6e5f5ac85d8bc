variable "environment" {
  type    = string
  default = "prod"
}

variable "admin_cidr" {
  description = "Where administrators connect from"
  type        = string
}

variable "db_password" {
  type      = string
  sensitive = true
}
