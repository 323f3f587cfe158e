#!/usr/bin/env bash
# What each detector costs: POST /scan throughput of the bench's default messages on a gateway with every
# detector, then on gateways each booted without one of them (content, phishing, spam).
#
#   bench/detector-cost.sh [variants...]      variants: all no-content no-phishing no-spam (default: all four)
#
# Each variant unpacks the built distribution afresh under bench/target/cost-<variant>, boots it with the
# umbrella feature replaced by its parts minus the detector left out (mandatory.detectors emptied, so
# scans do not wait for the missing one), runs `streamail-bench scan` and stops it. Nothing else may listen
# on 127.0.0.1:2525/8181/8101 meanwhile. Environment: N (2000 scans), C (4 clients), WARMUP (200).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/streamail-bench.jar"
N="${N:-2000}"
C="${C:-4}"
WARMUP="${WARMUP:-200}"
variants=("$@")
[[ ${#variants[@]} -gt 0 ]] || variants=(all no-content no-phishing no-spam)

log() { printf 'detector-cost: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

[[ -f "$jar" ]] || (cd "$root" && mvn -B -q -f bench/pom.xml package -DskipTests)
archive="$(ls "$root"/karaf-distribution/target/streamail-karaf-distribution-*.tar.gz 2>/dev/null | head -1 || true)"
[[ -n "$archive" ]] || die "build the distribution first: mvn install -DskipTests"
for p in 2525 8181 8101; do port_open "$p" && die "something already listens on 127.0.0.1:$p"; done

STREAMAIL_ADMIN_PASSWORD="${STREAMAIL_ADMIN_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}"
export STREAMAIL_ADMIN_PASSWORD

parts=(streamail-api streamail-security streamail-store streamail-core streamail-smtp streamail-rest
       streamail-detect-content streamail-detect-phishing streamail-detect-spam streamail-retention
       streamail-reporting streamail-isolation streamail-linkguard)

pgid=""
dir=""
stop_gateway() {
  [[ -n "$pgid" ]] || return 0
  "$dir/bin/stop" >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do kill -0 -- "-$pgid" 2>/dev/null || { pgid=""; return 0; }; sleep 1; done
  kill -KILL -- "-$pgid" 2>/dev/null || true
  pgid=""
}
trap stop_gateway EXIT

summary=()
for v in "${variants[@]}"; do
  case "$v" in
    all) leave_out="" ;;
    no-content) leave_out="streamail-detect-content" ;;
    no-phishing) leave_out="streamail-detect-phishing" ;;
    no-spam) leave_out="streamail-detect-spam" ;;
    *) die "unknown variant $v (all, no-content, no-phishing, no-spam)" ;;
  esac
  dir="$here/target/cost-$v"
  rm -rf "$dir" && mkdir -p "$dir"
  tar -xzf "$archive" -C "$dir" --strip-components=1
  boot=""
  for f in "${parts[@]}"; do [[ "$f" == "$leave_out" ]] || boot="$boot    $f, \\"$'\n'; done
  # the umbrella feature line becomes its parts minus the one left out
  python3 - "$dir/etc/org.apache.karaf.features.cfg" "$boot" <<'EOF'
import re, sys
path, boot = sys.argv[1], sys.argv[2]
s = open(path).read()
s, n = re.subn(r"    streamail/[0-9A-Za-z.\-]+, \\\n", lambda m: boot, s)
assert n == 1, "umbrella feature not found in featuresBoot"
open(path, "w").write(s)
EOF
  printf 'mandatory.detectors =\n' > "$dir/etc/org.streamail.policy.cfg"
  log "$v: booting (without ${leave_out:-nothing})"
  setsid "$dir/bin/karaf" server </dev/null >"$dir/console.log" 2>&1 &
  pgid=$!
  for i in $(seq 1 180); do
    if curl -fsS -o /dev/null -u "admin:$STREAMAIL_ADMIN_PASSWORD" http://127.0.0.1:8181/streamail/api/v1/health 2>/dev/null; then
      break
    fi
    [[ $i -eq 180 ]] && die "$v: the gateway did not answer /health within 180 s (see $dir/data/log/karaf.log)"
    sleep 1
  done
  sleep 5 # let the detectors that came up last register
  detectors="$(curl -fsS -u "admin:$STREAMAIL_ADMIN_PASSWORD" http://127.0.0.1:8181/streamail/api/v1/health \
    | grep -o '"detectors":\[[^]]*\]' || true)"
  log "$v: $detectors"
  out="$(java -jar "$jar" scan -n "$N" -c "$C" --warmup "$WARMUP")" || true
  printf '===== %s (%s)\n%s\n' "$v" "$detectors" "$out"
  rate="$(printf '%s\n' "$out" | awk '/^scan rate/ {print $3}')"
  lat="$(printf '%s\n' "$out" | sed -n 's/^scan latency *//p')"
  summary+=("$(printf '%-12s %10s scans/s   %s' "$v" "${rate:-?}" "$lat")")
  stop_gateway
done

printf '\n===== summary (%s scans, %s clients, %s, %s CPUs)\n' "$N" "$C" "$(date -u +%FT%TZ)" "$(nproc)"
printf '%s\n' "${summary[@]}"
