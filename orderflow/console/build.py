"""The console's composition root: settings -> clients -> source -> store, sampler and guard."""

from __future__ import annotations

from orderflow.aws.clients import AwsClients
from orderflow.console.aws_source import AwsSource
from orderflow.console.context import Console
from orderflow.console.guard import Guard
from orderflow.console.local_source import LocalSource
from orderflow.console.sampler import Sampler
from orderflow.console.source import Source
from orderflow.console.store import ConsoleStore
from orderflow.settings import Settings


async def build_console(settings: Settings, *, read_only: bool, aws: bool, tick_seconds: float = 1.0) -> Console:
    source: Source
    if aws:
        source = await AwsSource.open(settings)
    else:
        source = LocalSource(settings, await AwsClients.open(settings), read_only=read_only)
    store = ConsoleStore(settings.state_dir / ("console-aws.sqlite" if aws else "console.sqlite"))
    key = settings.dev_api_key.get_secret_value() if settings.dev_api_key else None
    return Console(
        settings=settings,
        source=source,
        store=store,
        sampler=Sampler(source, store, tick_seconds=tick_seconds),
        guard=Guard(api_key=key, read_only=source.read_only),
    )
