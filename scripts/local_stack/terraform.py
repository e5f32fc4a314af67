"""Running Terraform against the embedded stack: init (from the offline mirror when there is one), apply, outputs.

State and the provider cache go where the caller says, so several applies of one example (the demo, parallel
tests) never share state.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path


class TerraformError(RuntimeError):
    pass


class Terraform:
    def __init__(self, config_dir: Path, work_dir: Path, env: dict[str, str] | None = None) -> None:
        if shutil.which("terraform") is None:
            raise TerraformError("terraform is not on PATH; see the README's prerequisites")
        self.config_dir = Path(config_dir).resolve()
        self.work_dir = Path(work_dir).resolve()
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.state = self.work_dir / "terraform.tfstate"
        self.env = {**os.environ, **(env or {}), "TF_DATA_DIR": str(self.work_dir / ".terraform"),
                    "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(["terraform", f"-chdir={self.config_dir}", *args], env=self.env,
                                capture_output=True, text=True)
        if check and result.returncode != 0:
            raise TerraformError(f"terraform {args[0]} in {self.config_dir} failed ({result.returncode}):\n"
                                 f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result

    def init(self) -> None:
        mirror = os.environ.get("TF_PLUGIN_MIRROR")
        self.run("init", "-input=false", *([f"-plugin-dir={mirror}"] if mirror else []))

    def _var_args(self, variables: dict[str, object]) -> list[str]:
        return [f"-var={key}={value if isinstance(value, str) else json.dumps(value)}"
                for key, value in variables.items()]

    def apply(self, variables: dict[str, object]) -> None:
        self.run("apply", "-auto-approve", "-input=false", f"-state={self.state}", *self._var_args(variables))

    def plan_exit_code(self, variables: dict[str, object]) -> tuple[int, str]:
        """`plan -detailed-exitcode`: 0 no changes, 2 changes (the plan text comes back to show which)."""
        result = self.run("plan", "-detailed-exitcode", "-input=false", f"-state={self.state}",
                          *self._var_args(variables), check=False)
        if result.returncode == 1:
            raise TerraformError(f"terraform plan failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
        return result.returncode, result.stdout

    def outputs(self) -> dict[str, object]:
        result = self.run("output", "-json", f"-state={self.state}")
        return {name: value["value"] for name, value in json.loads(result.stdout).items()}
