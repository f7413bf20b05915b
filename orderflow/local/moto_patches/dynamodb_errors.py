"""DynamoDB's "table not found" error worded as AWS words it.

moto 5.2.5's `DynamoDBBackend.get_table` raises `ResourceNotFoundException` with the bare message
"Requested resource not found"; AWS answers DescribeTable, DeleteTable and the other table calls
for a missing table with "Requested resource not found: Table: <name> not found". The Terraform
AWS provider recognises an already deleted table by that wording: when a DeleteTable is sent a
second time (an SDK retry after the first was carried out, or a table removed outside Terraform),
AWS's answer ends the destroy cleanly, moto's failed `terraform destroy` with "deleting AWS
DynamoDB Table (...): ResourceNotFoundException".

Proof: tests/integration/test_emulator_terraform_patches.py.
"""

from __future__ import annotations

from typing import Any


def table_not_found_names_the_table() -> None:
    """get_table's ResourceNotFoundException carries AWS's message, naming the table."""
    from moto.dynamodb.exceptions import ResourceNotFoundException  # noqa: PLC0415 - emulator process only
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    get_table = DynamoDBBackend.get_table

    def get_table_named(self: Any, table_name: str) -> Any:
        try:
            return get_table(self, table_name)
        except ResourceNotFoundException:
            raise ResourceNotFoundException(table_name=table_name) from None

    DynamoDBBackend.get_table = get_table_named  # type: ignore[method-assign]


PATCHES = (table_not_found_names_the_table,)
