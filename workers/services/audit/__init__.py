"""audit: appends every event on the bus to its order's (or SKU's) stream, with expected-version appends."""

from orderflow.contracts import EVENT_TYPES
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.audit.handlers import AuditDeps, append_event
from workers.services.audit.store import AuditStore


async def build_deps(ctx: ServiceContext) -> AuditDeps:
    return AuditDeps(store=AuditStore(ctx.aws.dynamodb, ctx.settings.table_name("audit")))


SERVICE = ServiceDefinition(
    name="audit",
    description=__doc__ or "",
    # Every event this build knows; one it does not know goes to the DLQ like anywhere else.
    handlers=dict.fromkeys(EVENT_TYPES.values(), append_event),
    build_deps=build_deps,
)
