"""ECS task scale-in protection: a busy worker asks ECS not to stop its task while scaling in.

Uses the ECS agent's endpoint (`$ECS_AGENT_URI/task-protection/v1/state`); outside ECS the
variable is unset and no request is made. Protection is taken when work arrives, renewed before it
expires, and dropped after a short idle spell, so scale-in picks idle tasks. `holding` follows the
same rule everywhere (in ECS and locally), so the dev supervisor honours it as ECS does.
"""

from __future__ import annotations

import os
import time

import httpx
import structlog

log = structlog.get_logger("orderflow.worker")


class TaskProtection:
    def __init__(
        self,
        agent_uri: str | None = None,
        *,
        expires_minutes: int = 5,
        idle_seconds: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._uri = agent_uri if agent_uri is not None else os.environ.get("ECS_AGENT_URI")
        self._expires_minutes = expires_minutes
        self._idle_seconds = idle_seconds
        self._client = client
        self._protected_until = 0.0
        self._last_busy = 0.0
        self._holding = False
        self.calls = 0

    @property
    def enabled(self) -> bool:
        return bool(self._uri)

    @property
    def protected(self) -> bool:
        return self._protected_until > time.monotonic()

    @property
    def holding(self) -> bool:
        """Holds scale-in protection: ECS granted it, or (outside ECS) the same rule says it would."""
        return self.protected if self.enabled else self._holding

    async def update(self, *, busy: bool) -> None:
        """Called about once a second by the worker with whether it holds messages."""
        now = time.monotonic()
        if busy:
            self._last_busy = now
        self._holding = busy or (self._holding and now - self._last_busy < self._idle_seconds)
        if not self.enabled:
            return
        if busy:
            # Renew a minute before expiry; a crashed worker's protection lapses by itself.
            if self._protected_until - now < 60:
                await self._set(True)
        elif self._protected_until and now - self._last_busy >= self._idle_seconds:
            await self._set(False)

    async def release(self) -> None:
        self._holding = False
        if self.enabled and self._protected_until:
            await self._set(False)

    async def _set(self, enabled: bool) -> None:
        body: dict[str, object] = {"ProtectionEnabled": enabled}
        if enabled:
            body["ExpiresInMinutes"] = self._expires_minutes
        self.calls += 1
        try:
            client = self._client or httpx.AsyncClient(timeout=5)
            try:
                response = await client.put(f"{self._uri}/task-protection/v1/state", json=body)
            finally:
                if self._client is None:
                    await client.aclose()
            response.raise_for_status()
        except httpx.HTTPError as exc:
            # Losing protection only risks a drain during scale-in, which the runtime handles.
            log.warning("task_protection_failed", enabled=enabled, error=str(exc))
            return
        self._protected_until = time.monotonic() + self._expires_minutes * 60 if enabled else 0.0
        log.info("task_protection", enabled=enabled)
