variable "function_name" {
  description = "Name of the function the package is for; a new name rebuilds the package (the new function needs the file)."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime the package is built for: python3.12 or python3.13."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  description = "CPU architecture the package is built for: arm64 or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "source_dir" {
  description = "Root of this repository (holding lambda/ and scripts/package_lambda.py). Default: the module's own checkout."
  type        = string
  default     = null
}

variable "output_dir" {
  description = "Directory to write the zip to. Default: .terraform/ddb-opensearch-sync under the root module."
  type        = string
  default     = null
}

variable "python" {
  description = "Python 3.11+ interpreter to run the build (pip only if lambda/requirements.txt ever lists a dependency: today it lists none). Default \"python3\"."
  type        = string
  default     = "python3"
}
