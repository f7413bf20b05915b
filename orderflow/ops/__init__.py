"""Operator tools (synchronous boto3): dead-letter queues, stock, simulation switches."""
