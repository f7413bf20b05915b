"""One aiobotocore session and one client per service per process, built inside the running loop."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import aiobotocore
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

from orderflow.aws.faults import FaultInjector
from orderflow.tracing.aws import instrument_client

USER_AGENT = f"orderflow/0.1 aiobotocore/{aiobotocore.__version__}"  # botocore appends its own version

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_events import EventBridgeClient
    from types_aiobotocore_sqs import SQSClient

    from orderflow.settings import Settings


@dataclass
class AwsClients:
    """The process's clients. Endpoint comes from botocore's own AWS_ENDPOINT_URL, so the same
    code talks to AWS or to the emulator."""

    sqs: SQSClient
    events: EventBridgeClient
    dynamodb: DynamoDBClient
    _stack: AsyncExitStack
    _session: AioSession
    _config: AioConfig
    faults: FaultInjector | None = None  # set only when ORDERFLOW_FAULTS is
    traced: bool = False  # AWS calls are child spans (orderflow.tracing.aws)

    @classmethod
    async def open(cls, settings: Settings, *, max_pool_connections: int = 50) -> Self:
        config = AioConfig(
            region_name=settings.region,
            # A fixed User-Agent: botocore otherwise rebuilds its metadata string (~40 sanitised
            # components) twice per request, ~25% of a small call's CPU (docs/benchmarks.md, B1).
            user_agent=USER_AGENT,
            max_pool_connections=max_pool_connections,
            # Every request is built by our own code, typed against the service models
            # (types-aiobotocore under mypy --strict), and AWS validates it again anyway: botocore's
            # client-side walk of each request against the model is ~6 % of a call's CPU (B1).
            parameter_validation=False,
            # "standard" retries throttling and 5xx with backoff; partial batch failures
            # (FailedEntryCount, Failed[]) are ours to retry, the SDK does not see them.
            retries={"mode": "standard", "max_attempts": 4},
            connect_timeout=5,
            # Long polls last up to 20 s; leave headroom before the socket gives up.
            read_timeout=30,
        )
        session = get_session()
        stack = AsyncExitStack()
        try:
            sqs = await stack.enter_async_context(session.create_client("sqs", config=config))
            events = await stack.enter_async_context(session.create_client("events", config=config))
            dynamodb = await stack.enter_async_context(session.create_client("dynamodb", config=config))
            faults = FaultInjector.from_spec(settings.faults, seed=settings.faults_seed, ledger=settings.faults_ledger)
            aws = cls(sqs, events, dynamodb, stack, session, config, faults=faults, traced=settings.tracing_enabled)
            for name, client in (("sqs", sqs), ("events", events), ("dynamodb", dynamodb)):
                aws._hook(name, client)
        except BaseException:
            await stack.aclose()
            raise
        return aws

    async def client(self, service_name: str) -> Any:
        """One more client (SES for notification, ECS for the console), closed with the others.

        It shares the process's session and config: a second `get_session()` loads botocore's
        endpoint and service data again (+10 MB of RSS for notification's SES client, B3), and
        would miss the fixed User-Agent, the retry mode and the connection pool settings."""
        session: Any = self._session  # the stubs overload create_client by literal service name
        client = await self._stack.enter_async_context(session.create_client(service_name, config=self._config))
        self._hook(service_name, client)
        return client

    def _hook(self, name: str, client: Any) -> None:
        if self.traced:
            instrument_client(client)  # before the fault hooks: an injected fault is traced too
        if self.faults is not None:
            self.faults.install(name, client)

    async def close(self) -> None:
        await self._stack.aclose()
