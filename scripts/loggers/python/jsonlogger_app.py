# python-json-logger 2.0.1 (Debian bookworm python3-pythonjsonlogger 2.0.1-3), run with /usr/bin/python3.
# Usage: jsonlogger_app.py default|timestamp|asctime   (writes JSON lines to stdout)
#   default   JsonFormatter()                  -> message + extras only (no time, no level)
#   timestamp JsonFormatter(timestamp=True)    -> adds "timestamp" (UTC, +00:00)
#   asctime   JsonFormatter('%(asctime)s %(levelname)s %(name)s %(message)s')
#             -> asctime "YYYY-MM-DD HH:MM:SS,mmm" in local time (no zone), levelname, name
# Runbook fields go in `extra`: event, trace_id and a nested `context` dict.
import logging
import sys

from pythonjsonlogger import jsonlogger

formatters = {
    "default": lambda: jsonlogger.JsonFormatter(),
    "timestamp": lambda: jsonlogger.JsonFormatter(timestamp=True),
    "asctime": lambda: jsonlogger.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"),
}
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(formatters[sys.argv[1]]())
logger = logging.getLogger("graphql_api")
logger.addHandler(handler)
logger.setLevel(logging.INFO)

logger.info("GraphQL request started", extra={"trace_id": "trace_req001", "operation_name": "GetUsers"})
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
logger.info("Query result served from cache", extra={"trace_id": "trace_req002", "cache_hit": True})
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
logger.info("GraphQL request completed", extra={"trace_id": "trace_req003", "status_code": 200, "duration_ms": 42})
