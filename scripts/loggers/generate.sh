#!/usr/bin/env bash
# Regenerates fixtures/loggers/* by running each logging library for real, then
# rebuilds fixtures/loggers/expected.json from what was written.
#   Node fixtures: always (npm devDependencies).
#   Python:  only if /usr/bin/python3 has Debian's python3-structlog / python3-pythonjsonlogger.
#   Rust:    only if cargo and Debian's librust-tracing-subscriber-dev sources are present.
#   Java:    only if java and mvn are present (Maven Central needed for the first build).
# Skipped fixtures keep their committed files.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/loggers
out=fixtures/loggers
mkdir -p "$out"

# gen FILE CMD... : run CMD, its stdout becomes $out/FILE (replaced only on success)
gen() {
  local file=$1; shift
  "$@" > "$out/$file.tmp"
  mv "$out/$file.tmp" "$out/$file"
  echo "wrote $out/$file"
}

# --- Node ---------------------------------------------------------------------
gen pino-default.ndjson                   node $here/node/pino-default.mjs
gen bunyan-default.ndjson                 node $here/node/bunyan-default.mjs
gen winston-timestamp-json.ndjson         node $here/node/winston-timestamp-json.mjs
gen winston-json.ndjson                   node $here/node/winston-json.mjs
gen ecs-pino-format-own-fields.ndjson     node $here/node/ecs-pino-own-fields.mjs
gen ecs-pino-format-ecs-fields.ndjson     node $here/node/ecs-pino-ecs-fields.mjs
gen ecs-winston-format-own-fields.ndjson  node $here/node/ecs-winston-own-fields.mjs
gen otel-js-sdk-logs-otlp-http.ndjson     node $here/node/otel-sdk-logs.mjs
gen otel-js-winston-transport-otlp-http.ndjson node $here/node/otel-winston-transport.mjs

# --- Python (Debian packages; naive local times are written in UTC) -------------
py=/usr/bin/python3
if [ -x $py ] && $py -c 'import structlog' 2>/dev/null; then
  for v in iso epoch iso-local; do gen structlog-$v.ndjson env TZ=UTC $py $here/python/structlog_app.py $v; done
else
  echo "skip structlog fixtures: /usr/bin/python3 lacks structlog (apt-get install python3-structlog)"
fi
if [ -x $py ] && $py -c 'import pythonjsonlogger' 2>/dev/null; then
  for v in default timestamp asctime; do gen python-json-logger-$v.ndjson env TZ=UTC $py $here/python/jsonlogger_app.py $v; done
else
  echo "skip python-json-logger fixtures: /usr/bin/python3 lacks pythonjsonlogger (apt-get install python3-pythonjsonlogger)"
fi
if [ -x $py ] && [ -f $here/python/fraiseql_docs_formatters.py ]; then
  gen fraiseql-v1-monitoring-formatter.ndjson env TZ=UTC $py $here/python/fraiseql_v1_formatters.py monitoring
  gen fraiseql-v1-loki-formatter.ndjson       env TZ=UTC $py $here/python/fraiseql_v1_formatters.py loki
else
  echo "skip FraiseQL v1 formatter fixtures: paste FraiseQL's doc formatters into $here/python/fraiseql_docs_formatters.py (see fraiseql_v1_formatters.py)"
fi

# --- Rust (offline, Debian crate sources) --------------------------------------
if command -v cargo >/dev/null && [ -d /usr/share/cargo/registry/tracing-subscriber-0.3.16 ]; then
  (cd $here/rust && cargo build --release --offline --locked -q)
  gen tracing-subscriber-fraiseql-v2-json.ndjson env -u RUST_LOG $here/rust/target/release/memtrail-fixture-tracing
else
  echo "skip tracing-subscriber fixture: needs cargo + apt-get install librust-tracing-subscriber-dev librust-tracing-dev"
fi

# --- Java (Maven) ---------------------------------------------------------------
if command -v java >/dev/null && command -v mvn >/dev/null; then
  if ! (cd $here/java && mvn -q -B package dependency:build-classpath -Dmdep.outputFile=target/classpath.txt) > /tmp/memtrail-fixtures-mvn.log 2>&1; then
    cat /tmp/memtrail-fixtures-mvn.log >&2; exit 1
  fi
  cp="$here/java/target/classes:$(cat $here/java/target/classpath.txt)"
  gen otel-java-otlp-json-wrapper.ndjson java -cp "$cp" memtrail.fixtures.OtelJavaLogs wrapper
  # OtlpJsonLoggingLogRecordExporter prints through java.util.logging (stderr);
  # the format property makes JUL print only the exporter's JSON line.
  java '-Djava.util.logging.SimpleFormatter.format=%5$s%n' -cp "$cp" memtrail.fixtures.OtelJavaLogs plain \
    2> "$out/otel-java-otlp-json-plain.ndjson.tmp" >/dev/null
  mv "$out/otel-java-otlp-json-plain.ndjson.tmp" "$out/otel-java-otlp-json-plain.ndjson"
  echo "wrote $out/otel-java-otlp-json-plain.ndjson"
else
  echo "skip OpenTelemetry Java fixtures: needs java + mvn"
fi

node $here/expected.mjs
