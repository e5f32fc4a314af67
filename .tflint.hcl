# tflint with the AWS ruleset (`make lint`). scripts/install_tf_tools.sh builds the plugin at this version and
# puts it where tflint looks (TFLINT_PLUGIN_DIR), so no `tflint --init` download is needed; with a release
# install, `tflint --init` fetches the same version.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.36.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
