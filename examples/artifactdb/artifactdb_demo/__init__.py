"""Stand-ins for ArtifactDB's own backend components, built on the standard library only.

Each module holds one component (two for revisions and indexing, which belong together) that
does a small but real job on one machine: a local folder instead of S3, SQLite instead of
PostgreSQL, dicts, locks and queues in the process instead of Elasticsearch, Redis and Celery.
"""
