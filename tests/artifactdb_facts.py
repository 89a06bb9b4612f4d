"""What the ArtifactDB example declares, shared by the tests that build it."""

from __future__ import annotations

from pathlib import Path

ARTIFACTDB_DIR = Path(__file__).resolve().parent.parent / "examples/artifactdb"

# Every component of examples/artifactdb, in declared order; s3_inventory is the last one and
# the only one skipped by artifactdb.yaml, which has no s3_inventory section.
ALL_COMPONENTS = [
    "storage_manager",
    "sequence_manager",
    "revision_manager",
    "es",
    "schema_manager",
    "permissions_manager",
    "lock_manager",
    "tasks",
    "plugins",
    "queues",
    "inspectors_manager",
    "s3_inventory",
]
