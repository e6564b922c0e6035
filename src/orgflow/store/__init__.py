"""The embedded DuckDB workspace file: schema, migrations, transactional idempotent upserts."""

from orgflow.store.database import ImportBatch, ImportCounts, Store, WorkspaceBusy, publish_snapshot

__all__ = ["ImportBatch", "ImportCounts", "Store", "WorkspaceBusy", "publish_snapshot"]
