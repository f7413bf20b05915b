"""The worker runtime: owns everything about SQS so that services own only their business rules."""

from workers.runtime.errors import Retry
from workers.runtime.service import Handler, Outcome, ServiceContext, ServiceDefinition

__all__ = ["Handler", "Outcome", "Retry", "ServiceContext", "ServiceDefinition"]
