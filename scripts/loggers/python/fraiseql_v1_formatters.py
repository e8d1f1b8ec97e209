# FraiseQL v1 documentation log formatters, run with /usr/bin/python3 (3.11, stdlib
# logging only). Usage: fraiseql_v1_formatters.py monitoring|loki  (JSON lines to stdout)
#
# The two formatter classes are FraiseQL's own (github.com/fraiseql/fraiseql, MIT), and are
# not copied into this repository. To regenerate these two fixtures, paste them into
# scripts/loggers/python/fraiseql_docs_formatters.py (git-ignored):
#   StructuredFormatter: docs/production/monitoring.md, "Logging > Structured Logging"
#                        (identical at commits 2e9e1df6b4e8 and 4cab69d53b5f)
#   JSONFormatter:       docs/production/loki_integration.md (commit 7b9031e907fd),
#                        "FraiseQL Log Format > Configure Python Logging"
# The committed fixtures were written by exactly those classes. Only the handler differs
# from the docs: both write to stdout here (monitoring.md uses logging.basicConfig's
# StreamHandler -> stderr, loki_integration.md a FileHandler on /var/log/fraiseql/app.log).
# The app logs the runbook events the way the docs log everything else: message plus
# fields in `extra=` (event, trace_id, context). Both formatters copy only a fixed set of
# attributes; everything else in `extra` is dropped (see fixtures/loggers/expected.json).
import logging
import sys

try:
    from fraiseql_docs_formatters import JSONFormatter, StructuredFormatter
except ImportError:
    sys.stderr.write("skip: scripts/loggers/python/fraiseql_docs_formatters.py is missing (see the comment at the top)\n")
    sys.exit(3)


def main(variant: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(StructuredFormatter() if variant == "monitoring" else JSONFormatter())
    logger = logging.getLogger("fraiseql")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    logger.info("GraphQL request started", extra={"trace_id": "trace_req001", "context": {"operation_name": "GetUsers"}})
    logger.warning(
        "Application memory usage exceeds threshold",
        extra={
            "event": "system.high_memory",
            "trace_id": "trace_mem123",
            "context": {
                "memory_used_bytes": 1610612736,
                "memory_limit_bytes": 2147483648,
                "memory_usage_percent": 75.0,
                "threshold_percent": 70.0,
            },
        },
    )
    logger.info("Query result served from cache", extra={"trace_id": "trace_req002", "context": {"cache_hit": True}})
    logger.error(
        "Critical memory usage - OOM risk",
        extra={
            "event": "system.memory_critical",
            "trace_id": "trace_mem456",
            "context": {
                "memory_used_bytes": 2013265920,
                "memory_limit_bytes": 2147483648,
                "memory_usage_percent": 93.75,
                "swap_used_bytes": 524288000,
            },
        },
    )
    logger.warning(
        "GraphQL request started",
        extra={
            "event": "graphql.request.start",
            "trace_id": "trace_big789",
            "context": {"request_size_bytes": 2000000, "operation_name": "BulkImport"},
        },
    )
    logger.info(
        "GraphQL request completed",
        extra={"trace_id": "trace_req003", "duration": 42, "context": {"status_code": 200}},
    )


if __name__ == "__main__":
    main(sys.argv[1])
