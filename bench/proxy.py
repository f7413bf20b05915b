"""A counting TCP proxy in front of the emulator: every consumer's SQS calls, counted the same way.

A connection carries one request (`Connection: close`) or many (keep-alive): the proxy counts
every `X-Amz-Target` header (JSON protocol: boto3, aiobotocore) or `Action=` parameter (query
protocol: kombu's pycurl client) in what clients send, across reads. It runs in the benchmark's
own process, so its CPU is charged to neither the consumer nor the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections import Counter

_OPERATION = re.compile(rb"X-Amz-Target: *AmazonSQS\.(\w+)|[?&\n]Action=(\w+)", re.IGNORECASE)


class CountingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="counting-proxy", daemon=True)

    def start(self) -> CountingProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def reset(self) -> Counter[str]:
        with self._lock:
            calls, self.calls = self.calls, Counter()
        return calls

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_writer, first=True), self._pipe(up_reader, writer, first=False))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, first: bool) -> None:
        tail = b""  # the end of what was read, kept so that a header split across reads is still seen
        tail_start = 0  # stream offset of tail[0]
        counted_to = 0  # stream offset just past the last operation counted
        try:
            while data := await reader.read(65536):
                if first:
                    tail += data
                    for match in _OPERATION.finditer(tail):
                        end = tail_start + match.end()
                        # A header at the very end of a read may go on in the next one; a query
                        # body's Action may be its last parameter (a read split inside it is rare).
                        if end > counted_to and (match.group(2) or match.end() < len(tail)):
                            counted_to = end
                            with self._lock:
                                self.calls[(match.group(1) or match.group(2)).decode()] += 1
                    cut = max(0, len(tail) - 8192)
                    tail, tail_start = tail[cut:], tail_start + cut
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()
