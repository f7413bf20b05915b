"""The emulator split in two processes (orderflow/local/emulator.py, `Emulator(split=True)`): DynamoDB
served apart, EventBridge -> SQS delivery kept in one process, and every local tool finding both.

moto uses at most one core (the GIL); under B3's load the one process saturated it while the
busiest worker used 5 %. Local mode, chaos and the benchmarks run the split emulator; production
code finds DynamoDB's process only through botocore's AWS_ENDPOINT_URL_DYNAMODB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from orderflow.aws.clients import AwsClients
from orderflow.local.emulator import LOCAL_CREDENTIALS, Emulator, free_port
from orderflow.local.provision import provision
from orderflow.local.seed import CATALOGUE, seed
from orderflow.local.state import write_state
from orderflow.settings import Settings


@pytest.fixture(scope="module")
def split() -> Iterator[Emulator]:
    os.environ.update(LOCAL_CREDENTIALS)
    server = Emulator(free_port(), split=True, threads=16).start()
    yield server
    server.stop()


@pytest.fixture
def platform(split: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    """A provisioned, seeded platform on the split emulator; this process's botocore clients pointed
    at it the way local mode points its children (the endpoint variables only)."""
    split.reset()
    for key, value in split.endpoints().items():
        monkeypatch.setenv(key, value)
    settings = Settings(local_mode=True, resource_prefix=f"split{uuid.uuid4().hex[:6]}", state_dir=tmp_path)
    provision(settings, endpoint_url=split.url, dynamodb_url=split.dynamodb_url)
    seed(settings, endpoint_url=split.url, dynamodb_url=split.dynamodb_url)
    return settings


def test_tables_live_in_dynamodb_s_process_and_the_rest_in_the_main_one(split: Emulator, platform: Settings) -> None:
    # GIVEN a platform provisioned on the split emulator
    main_ddb = boto3.client("dynamodb", endpoint_url=split.url)
    apart_ddb = boto3.client("dynamodb", endpoint_url=split.dynamodb_url)
    apart_sqs = boto3.client("sqs", endpoint_url=split.dynamodb_url)
    # THEN every table is in DynamoDB's process, none in the main one
    tables = set(apart_ddb.list_tables()["TableNames"])
    assert {platform.table_name(t) for t in platform.topology.tables} <= tables
    assert main_ddb.list_tables()["TableNames"] == []
    # AND the queues are in the main process only (EventBridge delivers to them there)
    assert "QueueUrls" not in apart_sqs.list_queues()
    assert split.processes().keys() == {"emulator", "emulator-dynamodb"}
    assert split.endpoints() == {"AWS_ENDPOINT_URL": split.url, "AWS_ENDPOINT_URL_DYNAMODB": split.dynamodb_url}


async def test_production_clients_reach_both_processes_by_the_endpoint_variables(
    split: Emulator, platform: Settings
) -> None:
    # GIVEN the platform's own clients, configured by the environment alone (no endpoint_url)
    aws = await AwsClients.open(platform)
    try:
        # WHEN one reads the catalogue and another publishes an event a rule routes to a queue
        stock = await aws.dynamodb.get_item(
            TableName=platform.table_name("inventory"), Key={"pk": {"S": "SKU#LAPTOP-001"}, "sk": {"S": "STOCK"}}
        )
        detail = json.dumps({"probe": str(uuid.uuid4())})
        entry = {"EventBusName": platform.bus, "Source": "orderflow.probe", "DetailType": "Probe", "Detail": detail}
        answer = await aws.events.put_events(Entries=[entry])  # audit's rule takes every orderflow.* source
        queue = (await aws.sqs.get_queue_url(QueueName=platform.queue_name("audit")))["QueueUrl"]
        got = await aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=5)
    finally:
        await aws.close()
    # THEN DynamoDB answered from its process and the event reached the queue in the main one
    assert stock["Item"]["sk"]["S"] == "STOCK"
    assert answer["FailedEntryCount"] == 0
    assert [json.loads(m["Body"])["detail"] for m in got.get("Messages", [])] == [json.loads(detail)]


@pytest.mark.parametrize("named", [False, True], ids=["found", "named-with-endpoint-url"])
def test_the_cli_finds_dynamodb_s_process_from_the_dev_state_file(
    split: Emulator, platform: Settings, tmp_path: Path, named: bool
) -> None:
    # GIVEN the state file a running `orderflow dev` writes (this process stands for it: its pid is alive)
    state = tmp_path / "dev-state.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(
        LOCAL_CREDENTIALS, ORDERFLOW_DEV_STATE_FILE=str(state), ORDERFLOW_RESOURCE_PREFIX=platform.resource_prefix
    )
    os.environ["ORDERFLOW_DEV_STATE_FILE"] = str(state)
    try:
        write_state(emulatorUrl=split.url, endpoints=split.endpoints(), apiUrl="http://127.0.0.1:1", apiKey="k")
    finally:
        del os.environ["ORDERFLOW_DEV_STATE_FILE"]
    # WHEN a CLI command that reads DynamoDB runs with no endpoint variables, finding the
    # emulator by itself or told its main endpoint
    argv = [sys.executable, "-m", "orderflow", "inventory", "list", "--json"]
    argv += ["--endpoint-url", split.url] if named else []
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env)
    # THEN it reads the stock from DynamoDB's process
    assert done.returncode == 0, done.stderr
    assert {row["sku"] for row in json.loads(done.stdout)} == set(CATALOGUE)


def test_an_unsplit_emulator_keeps_one_endpoint(emulator: Emulator) -> None:
    # GIVEN the tests' own emulator (one process) THEN it names one endpoint for every service
    assert emulator.endpoints() == {"AWS_ENDPOINT_URL": emulator.url}
    assert emulator.dynamodb_url == emulator.url
    with pytest.raises(ClientError):
        boto3.client("dynamodb", endpoint_url=emulator.url).describe_table(TableName=f"none-{uuid.uuid4().hex}")
