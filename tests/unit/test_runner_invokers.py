"""The zip invoker runs the deployed code in a separate, warm process with the function's settings; the Invoke-API
invoker maps the service's answers."""

from __future__ import annotations

import gc
import io
import json
import zipfile

import pytest

from esm_runner import invokers
from esm_runner.invokers import LambdaApiInvoker, NotInvoked, ZipInvoker, code_sha256
from esm_runner.logs import JsonLog

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
HANDLER = '''
import os, sys, time
STARTED = time.time()

def handler(event, context):
    print("this goes to the log, not into the protocol")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    if event.get("unserialisable"):
        return {"x": object()}
    return {"pid": os.getpid(), "started": STARTED, "env": {k: os.environ.get(k) for k in event.get("env", [])},
            "remaining": context.get_remaining_time_in_millis(), "name": context.function_name,
            "request_id": context.aws_request_id, "sys_path_0": sys.path[0]}
'''


def make_zip(tmp_path, source=HANDLER, name="fn.zip"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fn.py", source)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return path


class FakeLambda:
    def __init__(self, package, timeout=2, handler="fn.handler", location="https://example.invalid/code"):
        self.config = {"FunctionName": "f", "FunctionArn": ARN, "Handler": handler, "Timeout": timeout,
                       "MemorySize": 256, "Runtime": "python3.11", "CodeSha256": code_sha256(package.read_bytes()),
                       "Environment": {"Variables": {"OPENSEARCH_INDEX": "products"}}}
        self.location = location

    def get_function(self, FunctionName):
        return {"Configuration": dict(self.config), "Code": {"Location": self.location}}


@pytest.fixture
def invoker_for(tmp_path):
    made = []

    def make(client, packages, **kwargs):
        base_env = {"AWS_ACCESS_KEY_ID": "k", "PATH": "/usr/bin", "PYTHONPATH": "/somewhere/else"}
        invoker = ZipInvoker(client, packages, tmp_path / "cache", endpoint_url="http://127.0.0.1:1",
                             region="eu-west-1", log=JsonLog(io.StringIO()), base_env=base_env, **kwargs)
        made.append(invoker)
        return invoker

    yield make
    for invoker in made:
        invoker.close()


def test_runs_the_handler_with_the_functions_environment_in_a_warm_process(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    invoker = invoker_for(FakeLambda(package), [package])
    env = ["OPENSEARCH_INDEX", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "PYTHONPATH"]
    first = invoker.invoke(ARN, {"env": env}).payload
    second = invoker.invoke(ARN, {}).payload
    assert first["env"] == {"OPENSEARCH_INDEX": "products", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
                            "AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "k", "PYTHONPATH": None}
    assert (first["pid"], first["started"]) == (second["pid"], second["started"])  # reused like a container
    assert 0 < first["remaining"] <= 2000 and first["name"] == "f"
    assert first["request_id"] != second["request_id"]
    assert first["sys_path_0"].endswith("code")


def test_timeout_kills_the_process_and_is_a_function_error(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    invoker = invoker_for(FakeLambda(package, timeout=1), [package])
    before = invoker.invoke(ARN, {}).payload["pid"]
    timed_out = invoker.invoke(ARN, {"sleep": 5})
    assert timed_out.error_type == "Sandbox.Timedout" and "timed out after 1.00 seconds" in timed_out.error
    assert invoker.invoke(ARN, {}).payload["pid"] != before  # a fresh process after the kill


def test_handler_errors_and_unserialisable_results_are_function_errors(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    invoker = invoker_for(FakeLambda(package), [package])
    failed = invoker.invoke(ARN, {"fail": True})
    assert failed.error_type == "ValueError" and "asked to fail" in failed.error
    assert invoker.invoke(ARN, {"unserialisable": True}).error_type == "Runtime.MarshalError"


def test_import_error_is_reported_as_a_function_error(tmp_path, invoker_for):
    package = make_zip(tmp_path, "import not_installed_anywhere\n")
    invoker = invoker_for(FakeLambda(package), [package])
    result = invoker.invoke(ARN, {})
    assert result.error_type == "Runtime.ImportModuleError" and "not_installed_anywhere" in result.error


def test_no_package_matching_the_code_sha_is_a_clear_error(tmp_path, invoker_for):
    deployed = make_zip(tmp_path, HANDLER + "\n# deployed\n", "deployed.zip")
    other = make_zip(tmp_path, HANDLER + "\n# other build\n", "other.zip")
    client = FakeLambda(deployed)
    with pytest.raises(NotInvoked) as error:
        invoker_for(client, [other]).invoke(ARN, {})
    message = str(error.value)
    assert client.config["CodeSha256"] in message and str(other) in message
    assert code_sha256(other.read_bytes()) in message


def test_a_non_python_runtime_is_refused_with_the_alternative(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    client = FakeLambda(package)
    client.config["Runtime"] = "nodejs20.x"
    with pytest.raises(NotInvoked, match="runtime 'nodejs20.x'.*--invoker lambda-api"):
        invoker_for(client, [package]).invoke(ARN, {})


def test_code_location_served_by_the_endpoint_is_downloaded_and_checked(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    client = FakeLambda(package, location="http://127.0.0.1:1/code.zip")
    fetched = []
    invoker = invoker_for(client, [], fetch=lambda url: fetched.append(url) or package.read_bytes())
    assert invoker.invoke(ARN, {}).payload["name"] == "f"
    assert fetched == ["http://127.0.0.1:1/code.zip"]


def test_code_location_on_another_host_is_not_fetched(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    invoker = invoker_for(FakeLambda(package), [package], fetch=lambda url: pytest.fail(f"fetched {url}"))
    assert invoker.invoke(ARN, {}).payload["name"] == "f"


class FakeInvokeApi:
    def __init__(self, response=None, error=None):
        self.response, self.error = response, error

    def invoke(self, FunctionName, Payload):
        if self.error:
            raise self.error
        return self.response


def test_invoke_api_function_error_and_success():
    error = {"FunctionError": "Unhandled",
             "Payload": io.BytesIO(json.dumps({"errorMessage": "bad", "errorType": "KeyError"}).encode())}
    assert LambdaApiInvoker(FakeInvokeApi(error)).invoke(ARN, {}).error == "bad"
    ok = {"Payload": io.BytesIO(b'{"batchItemFailures": []}')}
    assert LambdaApiInvoker(FakeInvokeApi(ok)).invoke(ARN, {}).payload == {"batchItemFailures": []}
    assert LambdaApiInvoker(FakeInvokeApi({"Payload": io.BytesIO(b"")})).invoke(ARN, {}).payload is None
    with pytest.raises(NotInvoked, match="throttled"):
        LambdaApiInvoker(FakeInvokeApi(error=RuntimeError("throttled"))).invoke(ARN, {})


class CountingLambda(FakeLambda):
    def __init__(self, package):
        super().__init__(package)
        self.calls = 0

    def get_function(self, FunctionName):
        self.calls += 1
        return super().get_function(FunctionName)


def test_the_configuration_is_reused_for_its_ttl_then_read_again(tmp_path, invoker_for, monkeypatch):
    package = make_zip(tmp_path)
    client = CountingLambda(package)
    clock = [100.0]
    monkeypatch.setattr(invokers.time, "monotonic", lambda: clock[0])
    invoker = invoker_for(client, [package], config_ttl=5.0)
    index = lambda: invoker.invoke(ARN, {"env": ["OPENSEARCH_INDEX"]}).payload["env"]["OPENSEARCH_INDEX"]  # noqa: E731
    assert index() == "products"
    client.config["Environment"] = {"Variables": {"OPENSEARCH_INDEX": "renamed"}}
    clock[0] += 4.9
    assert (index(), client.calls) == ("products", 1)
    clock[0] += 0.2  # older than the TTL: the update is picked up, in a new process
    assert (index(), client.calls) == ("renamed", 2)


def test_without_a_ttl_every_invocation_reads_the_configuration(tmp_path, invoker_for):
    package = make_zip(tmp_path)
    client = CountingLambda(package)
    invoker = invoker_for(client, [package])
    for _ in range(3):
        invoker.invoke(ARN, {})
    assert client.calls == 3


def test_the_function_process_parses_an_event_without_a_garbage_collection_and_leaves_the_collector_on():
    from esm_runner import zip_worker

    line = json.dumps({"event": {"Records": [{"dynamodb": {"NewImage": {f"a{i}": {"M": {"x": {"L": [{"N": "1"}]}}}
                                                                        for i in range(20)}}}] * 1000},
                       "request_id": "r", "function_arn": "f", "deadline_ms": 0})
    collections = []
    callback = lambda phase, info: collections.append(info["generation"]) if phase == "start" else None  # noqa: E731
    gc.callbacks.append(callback)
    try:
        request = zip_worker._parse(line)
    finally:
        gc.callbacks.remove(callback)
    assert len(request["event"]["Records"]) == 1000 and collections == []  # ~100,000 containers made
    assert gc.isenabled()


def test_the_runner_collects_garbage_less_often_than_by_default():
    from esm_runner import cli

    before = gc.get_threshold()
    try:
        with pytest.raises(SystemExit):
            cli.main(["--region", "us-east-1", "--state-dir", "unused", "--poll-interval", "0"])  # refused after
        assert gc.get_threshold() == (10_000, 10, 1_000)
    finally:
        gc.set_threshold(*before)
