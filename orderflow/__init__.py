"""orderflow: shared pieces of the platform — contracts, settings, topology, AWS wiring, local mode, CLI."""

__version__ = "0.1.0"
