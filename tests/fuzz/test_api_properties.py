"""Properties of the API's front door, no I/O: key entries round-trip and admit only their key,
the token bucket never lets more through than rate × time + burst, and Retry-After is honest."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.guard import is_json, presented_key
from api.ratelimit import RateLimiter
from orderflow.auth import Keyring, create_key, parse_api_keys

client_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True).filter(lambda c: c != "dev")


@settings(max_examples=50)
@given(client_ids, st.text(max_size=80))
def test_a_configured_entry_admits_its_key_and_nothing_else(client_id: str, other: str) -> None:
    key, entry = create_key(client_id)
    [parsed] = parse_api_keys(f" {entry} ,")
    keyring = Keyring((parsed,))
    assert keyring.client_for(key) == client_id
    if other != key:
        assert keyring.client_for(other) is None


@given(
    st.sampled_from(["Bearer", "bearer", "BEARER"]), st.text(st.characters(codec="latin-1"), min_size=1, max_size=40)
)
def test_the_key_is_read_from_either_header(scheme: str, key: str) -> None:
    token = key.strip()
    found = presented_key({b"authorization": f"{scheme} {key}".encode("latin-1")})
    assert found == (token or None)
    assert presented_key({b"x-api-key": key.encode("latin-1")}) == (token or None)
    assert presented_key({b"authorization": f"Basic {key}".encode("latin-1")}) is None


@given(st.sampled_from(["application/json", "Application/JSON; charset=utf-8", " application/json ;x=y"]))
def test_json_media_types_are_recognised(content_type: str) -> None:
    assert is_json(content_type.encode())
    assert not is_json(content_type.lower().replace("json", "jsonx").encode())


@settings(max_examples=200)
@example(rate=1.0, burst=1, gaps=[1.3559589774358474, 0.0])  # float refill fell short of 1 token
@given(
    rate=st.floats(0.5, 100),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 2), min_size=1, max_size=200),
)
def test_the_bucket_admits_at_most_rate_times_time_plus_burst(rate: float, burst: int, gaps: list[float]) -> None:
    now = [0.0]
    limiter = RateLimiter(per_second=rate, burst=burst, clock=lambda: now[0])
    admitted: list[float] = []
    for gap in gaps:
        now[0] += gap
        wait = limiter.check("client")
        if wait:
            # Retry-After is honest: a client that waits that long gets through.
            assert wait >= 1
            now[0] += wait
            assert limiter.check("client") == 0
        admitted.append(now[0])
    for i, start in enumerate(admitted):
        for j in range(i, len(admitted)):
            assert j - i + 1 <= burst + rate * (admitted[j] - start) + 1e-6


def test_clients_do_not_share_a_bucket() -> None:
    limiter = RateLimiter(per_second=1, burst=2, clock=lambda: 0.0)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 1]
    assert limiter.check("b") == 0
