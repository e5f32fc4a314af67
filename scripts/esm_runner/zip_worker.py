"""Runs inside the function's own process (``python -I zip_worker.py CODE_DIR HANDLER``), like a Lambda container:
imports the handler once, then serves invocations read as JSON lines from stdin, answering on the original stdout.
Only the standard library is used here: the function's code and the runtime's packages are all it may see."""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = request["function_arn"]
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = request["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "esm-runner"
        self.identity = None
        self.client_context = None
        self._deadline_ms = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_exception(exc)[-5:],
    }


def _invoke(handler: Any, request: dict[str, Any]) -> dict[str, Any]:
    try:
        result = handler(request["event"], LambdaContext(request))
    except Exception as exc:
        return {"error": _error(exc)}
    try:
        return {"result": json.loads(json.dumps(result))}
    except (TypeError, ValueError) as exc:
        return {"error": _error(exc, "Runtime.MarshalError")}


def _parse(line: str) -> dict[str, Any]:
    """A request, parsed with the cyclic garbage collector paused: an event is thousands of new containers, and the
    collections run in the middle of making them took ~40 % of the parse (1,000 ~2 KB records: 46 ms, 28 ms
    paused). This is the runtime's work, which Lambda's runtime does before the handler runs."""
    gc.disable()
    try:
        return json.loads(line)
    finally:
        gc.enable()


def main() -> None:
    code_dir, handler_spec = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # the function's prints go to stderr, which the runner turns into log lines
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    handler = None
    init_error = None
    try:
        module_name, _, function_name = handler_spec.rpartition(".")
        handler = getattr(importlib.import_module(module_name), function_name)
    except Exception as exc:  # reported on the first invocation, as Lambda reports init errors
        init_error = _error(exc, "Runtime.ImportModuleError")
    for line in sys.stdin:
        request = _parse(line)
        if init_error is not None:
            reply: dict[str, Any] = {"error": init_error}
        else:
            reply = _invoke(handler, request)
        protocol.write(json.dumps(reply) + "\n")
        protocol.flush()
        if init_error is not None:
            return


if __name__ == "__main__":
    main()
