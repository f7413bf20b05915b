"""Local mode: the emulator, provisioning from the topology file, the demo catalogue, the supervisor."""
