# structlog 22.3.0 (Debian bookworm python3-structlog 22.3.0-2), run with /usr/bin/python3.
# Usage: structlog_app.py iso|epoch|iso-local   (writes JSON lines to stdout)
#   iso       TimeStamper(fmt="iso")            -> "2026-...T...Z" (UTC, microseconds)
#   epoch     TimeStamper()                     -> float epoch seconds
#   iso-local TimeStamper(fmt="iso", utc=False) -> ISO local time, no zone
# The positional argument is structlog's `event`; the trace id is bound per
# request with structlog.contextvars, the runbook context is passed as kwargs.
import sys

import structlog

stampers = {
    "iso": structlog.processors.TimeStamper(fmt="iso"),
    "epoch": structlog.processors.TimeStamper(),
    "iso-local": structlog.processors.TimeStamper(fmt="iso", utc=False),
}
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        stampers[sys.argv[1]],
        structlog.processors.JSONRenderer(),
    ]
)
log = structlog.get_logger()

structlog.contextvars.bind_contextvars(trace_id="trace_req001")
log.info("GraphQL request started", operation_name="GetUsers")

structlog.contextvars.bind_contextvars(trace_id="trace_mem123")
log.warning(
    "system.high_memory",
    message="Application memory usage exceeds threshold",
    memory_used_bytes=1610612736,
    memory_limit_bytes=2147483648,
    memory_usage_percent=75.0,
    threshold_percent=70.0,
)

structlog.contextvars.bind_contextvars(trace_id="trace_req002")
log.info("Query result served from cache", cache_hit=True)

structlog.contextvars.bind_contextvars(trace_id="trace_mem456")
log.error(
    "system.memory_critical",
    message="Critical memory usage - OOM risk",
    memory_used_bytes=2013265920,
    memory_limit_bytes=2147483648,
    memory_usage_percent=93.75,
    swap_used_bytes=524288000,
)

structlog.contextvars.bind_contextvars(trace_id="trace_big789")
log.warning(
    "graphql.request.start",
    message="GraphQL request started",
    request_size_bytes=2000000,
    operation_name="BulkImport",
)

structlog.contextvars.bind_contextvars(trace_id="trace_req003")
log.info("GraphQL request completed", status_code=200, duration_ms=42)
