"""The embedded stack's own contracts: make up/status/down, parts restarted in place when they die, and moto keeping
every stream record."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import boto3
import pytest

from local_stack.opensearch_node import HEAP, QUICK_JIT, opensearch_node
from local_stack.pipeline import clients, deploy
from local_stack.stack import EmbeddedStack
from verify_sync import compare

ROOT = Path(__file__).resolve().parents[2]


def local_stack(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lambda'}{os.pathsep}{ROOT / 'scripts'}"}
    return subprocess.run([sys.executable, "-m", "local_stack", *args], capture_output=True, text=True, env=env,
                          timeout=400)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stack_processes(state: Path) -> list[int]:
    """Every live process whose command line names the state directory (the supervisor and the runner do)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and proc.name != str(os.getpid()):
            try:
                if str(state).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


def jvm_arguments(url: str) -> list[str]:
    """The node's JVM input arguments, as it reports them."""
    with urllib.request.urlopen(f"{url}/_nodes/jvm", timeout=10) as response:
        return next(iter(json.load(response)["nodes"].values()))["jvm"]["input_arguments"]


def wait_for(condition, what: str, timeout: float = 240.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.embedded_only("tests the embedded stack's own `make up` / `make status` / `make down`")
def test_up_status_down_survive_a_killed_runner_and_leave_nothing_running(tmp_path, lambda_zip):
    state = tmp_path / "stack"
    first = local_stack("up", "--state-dir", str(state), "--package", str(lambda_zip))
    assert first.returncode == 0, first.stdout + first.stderr
    pids = []
    try:
        env = dict(line.split("=", 1) for line in (state / "env").read_text().splitlines())
        assert set(env) == {"AWS_ENDPOINT_URL", "OPENSEARCH_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                            "AWS_SECRET_ACCESS_KEY"}
        supervisor = int((state / "pid").read_text())
        parts = json.loads((state / "status.json").read_text())["parts"]
        assert set(parts) == {"opensearch", "esm-runner"}
        pids = [supervisor, *(part["pid"] for part in parts.values())]
        assert all(alive(pid) for pid in pids)
        boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_DEFAULT_REGION"],
                     aws_access_key_id="test", aws_secret_access_key="test").list_tables()
        with urllib.request.urlopen(env["OPENSEARCH_URL"], timeout=10) as response:
            assert response.status == 200

        second = local_stack("up", "--state-dir", str(state), "--package", str(lambda_zip))
        assert second.returncode == 0
        assert f"already running (pid {supervisor})" in second.stdout

        os.kill(parts["esm-runner"]["pid"], signal.SIGKILL)
        restarted = wait_for(lambda: (p := json.loads((state / "status.json").read_text())["parts"]["esm-runner"])
                             ["restarts"] == 1 and p["state"] == "running" and p, "the runner's restart")
        pids.append(restarted["pid"])
        assert restarted["last_exit"]["status"] == "killed by SIGKILL"
        assert alive(supervisor) and alive(parts["opensearch"]["pid"]) and alive(restarted["pid"])
        shown = local_stack("status", "--state-dir", str(state))
        assert shown.returncode == 0, shown.stderr
        assert f"esm-runner: running, pid {restarted['pid']}, restarts 1 (last: pid {parts['esm-runner']['pid']} " \
               f"killed by SIGKILL" in shown.stdout, shown.stdout
        assert f"opensearch: running, pid {parts['opensearch']['pid']}, restarts 0" in shown.stdout, shown.stdout
        assert "esm-runner" in (state / "supervisor.log").read_text()
    finally:
        down = local_stack("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert pids and not [pid for pid in pids if alive(pid)]
    assert stack_processes(state) == []
    assert not (state / "env").exists() and not (state / "pid").exists() and not (state / "status.json").exists()
    assert "not running" in local_stack("down", "--state-dir", str(state)).stdout
    assert local_stack("status", "--state-dir", str(state)).returncode == 1


@pytest.fixture(scope="module")
def own_stack(lambda_zip, tmp_path_factory):
    """A stack that owns its OpenSearch node (the session's `stack` shares one), so tests may kill it."""
    quick = ("--refresh-interval", "0.5", "--retry-delay", "0.2", "--max-retry-delay", "2")
    with EmbeddedStack(tmp_path_factory.mktemp("own-stack"), [lambda_zip], poll_interval_s=0.1,
                       runner_args=quick) as running:
        yield running


def synced(stack: EmbeddedStack, pipeline, what: str) -> None:
    dynamodb = clients(stack.env)["dynamodb"]
    last = None

    def equal() -> bool:
        nonlocal last
        try:
            last = compare(dynamodb, pipeline.table, stack.opensearch_url, pipeline.index)
        except (OSError, ValueError) as exc:  # the node may still be starting
            last = exc
            return False
        return not last
    try:
        wait_for(equal, what, timeout=180)
    except AssertionError:
        raise AssertionError(f"{what}: {last if isinstance(last, Exception) else last.summary()}\n"
                             f"{stack.runner_tail()}") from None


def put(stack: EmbeddedStack, pipeline, key: str, **attributes: str) -> None:
    clients(stack.env)["dynamodb"].put_item(
        TableName=pipeline.table, Item={"pk": {"S": key}, **{k: {"S": v} for k, v in attributes.items()}})


@pytest.mark.embedded_only("kills and pauses the embedded stack's own processes")
def test_a_killed_node_comes_back_on_its_port_with_its_data_and_the_pipeline_syncs(own_stack, lambda_zip):
    stack = own_stack
    pipeline = deploy(stack.env, lambda_zip, stack.opensearch_url)
    put(stack, pipeline, "before", note="written before the crash")
    synced(stack, pipeline, "the first item reaching the index")
    killed = stack.node.process.pid

    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: stack.status()["parts"]["opensearch"]["restarts"] == 1, "the node's restart")
    node = stack.status()["parts"]["opensearch"]
    assert node["pid"] != killed and node["last_exit"]["status"] == "killed by SIGKILL"
    stack.node.wait_until_ready()
    assert stack.node.url == stack.opensearch_url  # same port
    with urllib.request.urlopen(f"{stack.opensearch_url}/{pipeline.index}/_count", timeout=10) as response:
        assert json.load(response)["count"] == 1  # same data directory: the index survived
    assert QUICK_JIT in jvm_arguments(stack.opensearch_url)  # same JVM options (the first JIT tier only)
    put(stack, pipeline, "after", note="written after the restart")
    synced(stack, pipeline, "the pipeline syncing after the node's restart")
    assert json.loads(stack.status_path.read_text())["parts"]["opensearch"]["restarts"] == 1


@pytest.mark.embedded_only("kills and pauses the embedded stack's own processes")
def test_a_killed_runner_is_restarted_from_its_checkpoints(own_stack, lambda_zip):
    stack = own_stack
    pipeline = deploy(stack.env, lambda_zip, stack.opensearch_url)
    put(stack, pipeline, "first")
    synced(stack, pipeline, "the first item reaching the index")
    killed = stack.runner.pid

    os.kill(killed, signal.SIGKILL)
    for number in range(20):  # written while the runner is down or restarting
        put(stack, pipeline, f"while-down-{number}", note=str(number))
    runner = wait_for(lambda: (p := stack.status()["parts"]["esm-runner"])["restarts"] == 1 and p, "the restart")
    assert runner["pid"] != killed and runner["last_exit"]["status"] == "killed by SIGKILL"
    synced(stack, pipeline, "records written while the runner was down reaching the index")
    assert "esm-runner (pid" in stack.supervisor_log.read_text()


@pytest.mark.embedded_only("kills and pauses the embedded stack's own processes")
def test_a_paused_node_is_alive_and_not_restarted(own_stack):
    """SIGSTOP freezes the JVM without ending it: the supervisor must leave it alone (no restart storm)."""
    stack = own_stack
    restarts = stack.status()["parts"]["opensearch"]["restarts"]
    os.kill(stack.node.process.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: stack.status()["parts"]["opensearch"]["state"].startswith("paused"), "the paused state")
        rounds = stack.supervisor.rounds
        wait_for(lambda: stack.supervisor.rounds >= rounds + 6, "six supervisor rounds during the pause")
        assert stack.status()["parts"]["opensearch"]["restarts"] == restarts
    finally:
        os.kill(stack.node.process.pid, signal.SIGCONT)
    wait_for(lambda: stack.status()["parts"]["opensearch"]["state"] == "running", "the node running again")
    stack.node.wait_until_ready()


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def test_moto_keeps_stream_records_while_a_mapping_exists(moto_url):
    """moto would empty the shard on each write while a mapping exists (facts §22); the stack switches that off."""
    kwargs = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test")
    dynamodb, streams = boto3.client("dynamodb", **kwargs), boto3.client("dynamodbstreams", **kwargs)
    lambda_, iam = boto3.client("lambda", **kwargs), boto3.client("iam", **kwargs)
    table = dynamodb.create_table(
        TableName="kept", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]
    role = iam.create_role(RoleName="kept", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = lambda_.create_function(FunctionName="kept", Runtime="python3.12", Role=role, Handler="index.handler",
                                       Code={"ZipFile": _function_zip()})["FunctionArn"]
    lambda_.create_event_source_mapping(EventSourceArn=table["LatestStreamArn"], FunctionName=function,
                                        StartingPosition="TRIM_HORIZON")
    for number in range(3):
        dynamodb.put_item(TableName="kept", Item={"id": {"S": str(number)}})

    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["0", "1", "2"]


def test_stream_record_keys_carry_binary_keys_as_dynamodb_does(moto_url):
    """moto alone encodes a binary key twice in a record's Keys; the stack's moto gives the bytes that were written."""
    kwargs = dict(endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="test",
                  aws_secret_access_key="test")
    dynamodb, streams = boto3.client("dynamodb", **kwargs), boto3.client("dynamodbstreams", **kwargs)
    table = dynamodb.create_table(
        TableName="binary-keys", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "B"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    dynamodb.put_item(TableName="binary-keys", Item={"k": {"B": b"\x01\x02"}})
    dynamodb.delete_item(TableName="binary-keys", Key={"k": {"B": b"\x01\x02"}})

    shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    assert [r["dynamodb"]["Keys"] for r in records] == [{"k": {"B": b"\x01\x02"}}] * 2


@pytest.mark.embedded_only("starts nodes of its own")
def test_the_embedded_node_compiles_with_the_first_jit_tier_and_a_production_like_node_with_the_defaults(
        opensearch_url):
    assert QUICK_JIT == "-XX:TieredStopAtLevel=1"
    assert QUICK_JIT in jvm_arguments(opensearch_url)
    with opensearch_node(production_jit=True) as url:
        arguments = jvm_arguments(url)
    assert f"-Xmx{HEAP}" in arguments  # OPENSEARCH_JAVA_OPTS reached the JVM, without the JIT option
    assert not any(argument.startswith("-XX:TieredStopAtLevel") for argument in arguments)
