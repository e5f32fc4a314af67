variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Base name of the resources."
  type        = string
  default     = "vpc-search"
}

variable "domain_name" {
  description = "Name of the VPC-only OpenSearch domain. Its security group must accept HTTPS from the function's security group (output security_group_id)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the domain."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (at least two, in different zones) to run the function in."
  type        = list(string)
}

variable "route_table_ids" {
  description = "Route tables of subnet_ids, for the DynamoDB gateway endpoint."
  type        = list(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
