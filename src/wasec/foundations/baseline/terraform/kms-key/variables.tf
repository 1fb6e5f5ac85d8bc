variable "alias" {
  description = "The key's alias (alias/...)."
  type        = string
  default     = "alias/workload"
}

variable "description" {
  description = "What the key protects."
  type        = string
  default     = "Workload data key"
}

variable "environment" {
  description = "The environment the key serves (prod, staging, dev): its key policy names that environment's roles."
  type        = string
  default     = "prod"
}

variable "admin_roles" {
  description = "Names of the roles, per environment, that administer the key (they cannot use it)."
  type        = map(list(string))
  default = {
    prod    = ["KeyAdmin"]
    staging = ["KeyAdmin"]
    dev     = ["KeyAdmin"]
  }
}

variable "user_roles" {
  description = "Names of the roles, per environment, that encrypt and decrypt with the key."
  type        = map(list(string))
  default = {
    prod    = ["workload"]
    staging = ["workload"]
    dev     = ["workload", "developer"]
  }
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
