variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "db_subnet_group" {
  type = string
}

variable "worker_subnet_cidrs" {
  type = list(string)
}
