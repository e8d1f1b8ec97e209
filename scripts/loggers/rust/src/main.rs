//! Writes the memtrail runbook events through tracing-subscriber's JSON
//! formatter, set up like fraiseql-server's `init_tracing` when
//! FRAISEQL_LOG_FORMAT=json: registry + EnvFilter + fmt::layer().json().
//! Every event is logged inside a request span carrying `trace_id`.
use tracing::{error, info, info_span, warn};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

fn main() {
    tracing_subscriber::registry()
        .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with(tracing_subscriber::fmt::layer().json())
        .init();

    info_span!("graphql_request", trace_id = "trace_req001").in_scope(|| {
        info!(operation_name = "GetUsers", "GraphQL request started");
    });

    info_span!("memory_monitor", trace_id = "trace_mem123").in_scope(|| {
        warn!(
            event = "system.high_memory",
            memory_used_bytes = 1_610_612_736_u64,
            memory_limit_bytes = 2_147_483_648_u64,
            memory_usage_percent = 75.0,
            threshold_percent = 70.0,
            "Application memory usage exceeds threshold"
        );
    });

    info_span!("graphql_request", trace_id = "trace_req002").in_scope(|| {
        info!(cache_hit = true, "Query result served from cache");
    });

    info_span!("memory_monitor", trace_id = "trace_mem456").in_scope(|| {
        error!(
            event = "system.memory_critical",
            memory_used_bytes = 2_013_265_920_u64,
            memory_limit_bytes = 2_147_483_648_u64,
            memory_usage_percent = 93.75,
            swap_used_bytes = 524_288_000_u64,
            "Critical memory usage - OOM risk"
        );
    });

    info_span!("graphql_request", trace_id = "trace_big789").in_scope(|| {
        warn!(
            event = "graphql.request.start",
            request_size_bytes = 2_000_000_u64,
            operation_name = "BulkImport",
            "GraphQL request started"
        );
    });

    info_span!("graphql_request", trace_id = "trace_req003").in_scope(|| {
        info!(status_code = 200, duration_ms = 42, "GraphQL request completed");
    });
}
