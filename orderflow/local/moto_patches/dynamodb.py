"""DynamoDB made fit for a long-running platform: serialised, with cheap and
leak-free transactions, and reads by key that do not grow with the table.

Four defects of moto 5.2.5, the first three found by chaos runs (docs/chaos.md), each fixed here
without touching moto's request handling:

1. **Isolation.** moto serves requests on threads, and its TransactWriteItems neither locks nor
   isolates: on a failed condition it restores a snapshot of each table it touched, taken when it
   began, erasing writes other requests made meanwhile (acknowledged writes vanish). Real DynamoDB
   transactions are serialisable, and our idempotency and no-oversell logic rely on that. One lock
   around each DynamoDB request removes the race; SQS and EventBridge are left concurrent, so long
   polls still overlap.
2. **Cost.** That snapshot is a deep copy of every touched table, per transaction: O(table size),
   so a platform slows down as its tables fill (14 s handler latencies after ~1,000 orders).
   With requests serialised, a transaction only needs the items it touches: they are saved
   before it runs and put back if it fails.
3. **Memory.** Every moto model instance, deep copies included, is appended to a class-level list
   kept for moto's dashboard (`instances_tracked`), never emptied: with (2) that is every item of
   every touched table, per transaction (the emulator grew ~25 MB/s under chaos and was OOM-killed
   at 24 GB). Tracking is switched off; the dashboard data endpoint answers empty lists.
4. **Query by partition key walks the table.** A Query on the table's own key (no index) lists and
   sorts every item of the table (`Table.all_items`), then keeps those of the asked partition:
   O(table · log table) per call, so `GET /orders/{id}` took ~3.4 s with 2,000 orders stored.
   moto already keeps items by partition (`Table.items[hash][range]`): for such a Query,
   `all_items` answers that partition only, sorted as moto sorts.

Proof: tests/integration/test_emulator_isolation.py and test_emulator_dynamodb_by_key.py.
"""

from __future__ import annotations

import threading
from typing import Any

_query = threading.local()  # the (table, partition key) of the base-table Query this thread runs


def stop_instance_tracking() -> None:
    from moto.core.common_models import BaseModel  # noqa: PLC0415 - moto loads in the emulator process only

    def new(cls: type[Any], *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)  # what moto's __new__ does, minus the append

    BaseModel.__new__ = staticmethod(new)  # type: ignore[method-assign]


def serialise_dynamodb() -> None:
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415

    lock = threading.Lock()
    unlocked = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return unlocked(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(table, key, the item's attributes now or None) for each write a transaction asks for."""
    saved = []
    for entry in transact_items:
        try:
            op_type, op = next(iter(entry.items()))
            table_name = op["TableName"]
            if op_type == "ConditionCheck" or table_name not in backend.tables:
                continue
            table = backend.tables[table_name]
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            current = backend.get_item(table_name, key)
        except Exception:  # noqa: BLE001 - a malformed entry: moto rejects it before writing it
            continue
        saved.append((table_name, key, current.to_json()["Attributes"] if current is not None else None))
    return saved


def transactions_by_touched_items() -> None:
    from moto.dynamodb import models  # noqa: PLC0415
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    # moto's transaction "backup" (a deep copy of each touched table) becomes the table itself, and
    # its rollback a reassignment of the same object; the wrapper below saves and restores items.
    Table.__deepcopy__ = lambda self, memo: self  # type: ignore[attr-defined]
    transact = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _touched(self, transact_items)  # requests are serialised: nothing moves meanwhile
        try:
            transact(self, transact_items)
        except Exception:
            for table_name, key, attrs in reversed(saved):
                if attrs is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attrs)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def query_by_partition() -> None:
    from moto.dynamodb.models.table import Table  # noqa: PLC0415

    query = Table.query
    all_items = Table.all_items

    def query_partition(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name is not None or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _query.scope = (self, hash_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _query.scope = None

    def partition_items(self: Any) -> list[Any]:
        scope = getattr(_query, "scope", None)
        if scope is None or scope[0] is not self:
            return all_items(self)
        hash_key = scope[1]
        if self.range_key_attr is None:
            return [self.items[hash_key]] if hash_key in self.items else []
        return sorted(self.items.get(hash_key, {}).values(), key=lambda item: item.range_key)

    Table.query = query_partition  # type: ignore[method-assign]
    Table.all_items = partition_items  # type: ignore[method-assign]


PATCHES = (stop_instance_tracking, serialise_dynamodb, transactions_by_touched_items, query_by_partition)
