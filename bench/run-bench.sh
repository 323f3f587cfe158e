#!/usr/bin/env bash
# Streamail load bench: builds the tool (and, with --start-gateway, the distribution), optionally starts a
# throw-away gateway wired to the bench's SMTP sink, runs the measurements and prints the figures.
#
#   bench/run-bench.sh [--start-gateway] [MODE] [streamail-bench options...]
#
#   MODE   all (default: ceiling if Postfix's smtp-source is installed, else smtp; then scan)
#          smtp | scan | ceiling | sink     (see: java -jar bench/target/streamail-bench.jar --help)
#
# Environment
#   STREAMAIL_ADMIN_PASSWORD  admin password for POST /scan (with --start-gateway a random one is made
#                             when unset, and used for the fresh instance's first boot)
#   SINK_PORT   port of the bench's SMTP sink, the gateway's relay target   [2626]
#   BENCH_RCPT  envelope recipient (must be a registered address)           [bench@example.com]
#   GATEWAY_DIR where --start-gateway unpacks the distribution              [bench/target/gateway]
#   GATEWAY_BOOT_TIMEOUT  seconds to wait for :2525 and /health         [180]
#   GATEWAY_CONFIG  extra settings for the --start-gateway instance, written before it boots: entries
#               <file.cfg>:<key>=<value> separated by spaces, e.g.
#               "org.streamail.delivery.cfg:relay.reuse.seconds=0"                          []
#   MVN_ARGS    extra Maven arguments, e.g. -o for offline builds            []
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/streamail-bench.jar"
SINK_PORT="${SINK_PORT:-2626}"
BENCH_RCPT="${BENCH_RCPT:-bench@example.com}"
GATEWAY_DIR="${GATEWAY_DIR:-$here/target/gateway}"
MVN_ARGS="${MVN_ARGS:-}"
GATEWAY_BOOT_TIMEOUT="${GATEWAY_BOOT_TIMEOUT:-180}"

start_gateway=false
if [[ "${1:-}" == "--start-gateway" ]]; then
  start_gateway=true
  shift
fi
mode="all"
case "${1:-}" in
  all|smtp|scan|ceiling|sink) mode="$1"; shift ;;
  -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

log() { printf 'run-bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

command -v java >/dev/null || die "java not found (Java 17 needed)"
command -v mvn >/dev/null || [[ -f "$jar" ]] || die "mvn not found and $jar not built"

# ---- build the tool when missing or older than its sources
if [[ ! -f "$jar" ]] || [[ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit)" ]]; then
  log "building streamail-bench"
  # shellcheck disable=SC2086
  mvn -B -q $MVN_ARGS -f "$here/pom.xml" package -DskipTests
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# curl as admin, the password fed on stdin (a -u argument would show in ps)
curl_admin() {
  local pw="${STREAMAIL_ADMIN_PASSWORD//\\/\\\\}"
  pw="${pw//\"/\\\"}"
  printf 'user = "admin:%s"\n' "$pw" | curl -K - "$@"
}

# ---- optionally, a throw-away gateway that relays to the sink
gateway_pgid=""
stop_gateway() {
  [[ -n "$gateway_pgid" ]] || return 0
  log "stopping the gateway in $GATEWAY_DIR"
  "$GATEWAY_DIR/bin/stop" >/dev/null 2>&1 || true
  # Karaf runs in its own process group (setsid below): wait for it, then end that group only.
  for _ in $(seq 1 30); do kill -0 -- "-$gateway_pgid" 2>/dev/null || { gateway_pgid=""; return 0; }; sleep 1; done
  kill -TERM -- "-$gateway_pgid" 2>/dev/null || true
  for _ in $(seq 1 10); do kill -0 -- "-$gateway_pgid" 2>/dev/null || { gateway_pgid=""; return 0; }; sleep 1; done
  kill -KILL -- "-$gateway_pgid" 2>/dev/null || true
  gateway_pgid=""
}

set_cfg() { # file key value: replace or append one property of a Karaf .cfg
  local file="$1" key="$2" value="$3"
  touch "$file"
  grep -v -E "^[[:space:]]*${key//./\\.}[[:space:]]*[=:]" "$file" > "$file.tmp" || true
  printf '%s = %s\n' "$key" "$value" >> "$file.tmp"
  mv "$file.tmp" "$file"
}

if $start_gateway; then
  port_open 2525 && die "something already listens on 127.0.0.1:2525; stop it or run without --start-gateway"
  archive="$(ls "$root"/karaf-distribution/target/streamail-karaf-distribution-*.tar.gz 2>/dev/null | head -1 || true)"
  if [[ -z "$archive" ]]; then
    log "building the distribution (mvn install -DskipTests -pl karaf-distribution -am)"
    # shellcheck disable=SC2086
    (cd "$root" && mvn -B -q $MVN_ARGS install -DskipTests -pl karaf-distribution -am)
    archive="$(ls "$root"/karaf-distribution/target/streamail-karaf-distribution-*.tar.gz | head -1)"
  fi
  log "unpacking $(basename "$archive") into $GATEWAY_DIR"
  rm -rf "$GATEWAY_DIR"
  mkdir -p "$GATEWAY_DIR"
  tar -xzf "$archive" -C "$GATEWAY_DIR" --strip-components=1
  etc="$GATEWAY_DIR/etc"
  # Written before the first boot, so no config:edit round trip is needed for a fresh instance.
  set_cfg "$etc/org.streamail.delivery.cfg" relay.host 127.0.0.1
  set_cfg "$etc/org.streamail.delivery.cfg" relay.port "$SINK_PORT"
  rcpt_domain="${BENCH_RCPT#*@}"
  current_domains="$(grep -E '^[[:space:]]*domains[[:space:]]*[=:]' "$etc/org.streamail.directory.cfg" 2>/dev/null \
    | head -1 | sed -E 's/^[^=:]*[=:][[:space:]]*//' || true)"
  case ",${current_domains// /}," in
    *",$rcpt_domain,"*) ;;
    ",,") set_cfg "$etc/org.streamail.directory.cfg" domains "$rcpt_domain" ;;
    *) set_cfg "$etc/org.streamail.directory.cfg" domains "$current_domains,$rcpt_domain" ;;
  esac
  for entry in ${GATEWAY_CONFIG:-}; do
    [[ "$entry" =~ ^([A-Za-z0-9._-]+\.cfg):([A-Za-z0-9._-]+)=(.*)$ ]] \
      || die "GATEWAY_CONFIG entry '$entry' is not <file.cfg>:<key>=<value>"
    set_cfg "$etc/${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    log "set ${BASH_REMATCH[2]} = ${BASH_REMATCH[3]} in ${BASH_REMATCH[1]}"
  done
  if [[ -z "${STREAMAIL_ADMIN_PASSWORD:-}" ]]; then
    STREAMAIL_ADMIN_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    export STREAMAIL_ADMIN_PASSWORD
    log "STREAMAIL_ADMIN_PASSWORD was unset: this instance's admin password is made up for the run"
  fi
  trap stop_gateway EXIT
  trap 'exit 130' INT TERM
  log "starting the gateway (relay -> 127.0.0.1:$SINK_PORT; console output in $GATEWAY_DIR/console.log)"
  # Our own child in a new session/process group, so stopping it can never touch another Karaf.
  setsid "$GATEWAY_DIR/bin/karaf" server </dev/null >"$GATEWAY_DIR/console.log" 2>&1 &
  gateway_pgid=$!
  for i in $(seq 1 "$GATEWAY_BOOT_TIMEOUT"); do
    if port_open 2525 && curl_admin -fsS -o /dev/null "http://127.0.0.1:8181/streamail/api/v1/health" 2>/dev/null; then
      break
    fi
    kill -0 "$gateway_pgid" 2>/dev/null || die "the gateway exited during boot (see $GATEWAY_DIR/console.log)"
    [[ $i -eq $GATEWAY_BOOT_TIMEOUT ]] && die "the gateway did not answer on :2525 and /health within $GATEWAY_BOOT_TIMEOUT s (see $GATEWAY_DIR/data/log/karaf.log)"
    sleep 1
  done
  log "gateway up"
  # The recipient must be a registered address (else 550 5.1.1). 409 = already there.
  code="$(curl_admin -sS -o /dev/null -w '%{http_code}' \
    -H 'Content-Type: application/json' -d "{\"address\":\"$BENCH_RCPT\",\"displayName\":\"Bench\"}" \
    "http://127.0.0.1:8181/streamail/api/v1/directory" || true)"
  case "$code" in
    2*|409) log "directory: $BENCH_RCPT registered" ;;
    *) log "WARNING: POST /directory for $BENCH_RCPT answered HTTP $code; register it by hand (streamail:directory-add $BENCH_RCPT)" ;;
  esac
fi

# ---- run
bench() { java -jar "$jar" "$@"; }
rc=0
case "$mode" in
  smtp|ceiling)
    bench "$mode" --sink-port "$SINK_PORT" --to "$BENCH_RCPT" "$@" || rc=$? ;;
  scan)
    bench scan --to "$BENCH_RCPT" "$@" || rc=$? ;;
  sink)
    bench sink --sink-port "$SINK_PORT" "$@" || rc=$? ;;
  all)
    if command -v smtp-source >/dev/null || [[ -x /usr/sbin/smtp-source ]]; then
      bench ceiling --sink-port "$SINK_PORT" --to "$BENCH_RCPT" "$@" || rc=$?
    else
      log "Postfix smtp-source not installed (apt-get install postfix): no raw ceiling, smtp mode only"
      bench smtp --sink-port "$SINK_PORT" --to "$BENCH_RCPT" "$@" || rc=$?
    fi
    if [[ -n "${STREAMAIL_ADMIN_PASSWORD:-}" ]]; then
      bench scan --to "$BENCH_RCPT" "$@" || rc=$?
    else
      log "STREAMAIL_ADMIN_PASSWORD unset: scan mode skipped"
    fi
    ;;
esac
exit "$rc"
