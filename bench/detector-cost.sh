#!/usr/bin/env bash
# What each detector costs: POST /scan throughput of the bench's default messages on a gateway with every
# detector, then on gateways each booted without one of them (content, phishing, spam, auth).
#
#   bench/detector-cost.sh [variants...]      variants: all no-content no-phishing no-spam no-auth (default: all five)
#
# The auth detector asks the machine's resolver (/etc/resolv.conf) for the messages' DMARC and DKIM records
# (the scans give no client address, so SPF is not checked); DNS_SERVERS='ip[:port],...' points it elsewhere.
#
# Each variant unpacks the built distribution afresh under bench/target/cost-<variant>, boots it with the
# umbrella feature replaced by its parts minus the detector left out (mandatory.detectors emptied, so
# scans do not wait for the missing one), runs `streamail-bench scan` and stops it. Nothing else may listen
# on 127.0.0.1:2525/8181/8101 meanwhile. Environment: N (2000 scans), C (4 clients), WARMUP (200).
#
# A fresh gateway's classifier is untrained, so by default the spam detector's cost is parsing, fingerprints
# and rules. TRAIN_CORPUS=<dir holding easy-ham-1/ and spam-1/> (the SpamAssassin corpus as
# bench/spam-accuracy.sh unpacks it: $SA_CORPUS_DIR/package/data) first trains each gateway that has the
# spam detector through POST /reports/ham and /reports/spam (every *.txt file, as the administrator, with
# bench/spam-rest.py --train-dir), then waits 10 s for the classifier's refresh and, with LR, a learner
# pass; SPAM_MODEL=LR|LLR|CHI2 sets classifier.model (default: the shipped one). SPAM_CFG='key = value' adds a
# line to org.streamail.spam.cfg (e.g. SPAM_CFG='recent.shared.hours = 0': no summaries for reports by id).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/streamail-bench.jar"
N="${N:-2000}"
C="${C:-4}"
WARMUP="${WARMUP:-200}"
variants=("$@")
[[ ${#variants[@]} -gt 0 ]] || variants=(all no-content no-phishing no-spam no-auth)

log() { printf 'detector-cost: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
# shellcheck source=gateway-lib.sh
source "$here/gateway-lib.sh"

[[ -f "$jar" ]] || (cd "$root" && mvn -B -q -f bench/pom.xml package -DskipTests)
gateway_archive
trap gateway_stop EXIT

parts=(streamail-api streamail-security streamail-store streamail-core streamail-smtp streamail-rest
       streamail-detect-content streamail-detect-phishing streamail-detect-spam streamail-detect-auth
       streamail-retention
       streamail-reporting streamail-isolation streamail-linkguard)

summary=()
for v in "${variants[@]}"; do
  case "$v" in
    all) leave_out="" ;;
    no-content) leave_out="streamail-detect-content" ;;
    no-phishing) leave_out="streamail-detect-phishing" ;;
    no-spam) leave_out="streamail-detect-spam" ;;
    no-auth) leave_out="streamail-detect-auth" ;;
    *) die "unknown variant $v (all, no-content, no-phishing, no-spam, no-auth)" ;;
  esac
  dir="$here/target/cost-$v"
  gateway_unpack "$archive" "$dir"
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
  [[ -z "${SPAM_MODEL:-}" ]] || printf 'classifier.model = %s\n' "$SPAM_MODEL" >> "$dir/etc/org.streamail.spam.cfg"
  [[ -z "${SPAM_CFG:-}" ]] || printf '%s\n' "$SPAM_CFG" >> "$dir/etc/org.streamail.spam.cfg"
  [[ -z "${DNS_SERVERS:-}" ]] || printf 'dns.servers = %s\n' "$DNS_SERVERS" >> "$dir/etc/org.streamail.detect.auth.cfg"
  log "$v: booting (without ${leave_out:-nothing})"
  gateway_start
  detectors="$(gateway_detectors)"
  log "$v: $detectors"
  if [[ -n "${TRAIN_CORPUS:-}" && "$v" != "no-spam" ]]; then
    python3 "$here/spam-rest.py" --train-dir "$TRAIN_CORPUS" "$API" >&2
  fi
  out="$(java -jar "$jar" scan -n "$N" -c "$C" --warmup "$WARMUP")" || true
  printf '===== %s (%s)\n%s\n' "$v" "$detectors" "$out"
  rate="$(printf '%s\n' "$out" | awk '/^scan rate/ {print $3}')"
  lat="$(printf '%s\n' "$out" | sed -n 's/^scan latency *//p')"
  summary+=("$(printf '%-12s %10s scans/s   %s' "$v" "${rate:-?}" "$lat")")
  gateway_stop
done

printf '\n===== summary (%s scans, %s clients, %s, %s CPUs%s)\n' "$N" "$C" "$(date -u +%FT%TZ)" "$(nproc)" \
  "${TRAIN_CORPUS:+, spam classifier trained on easy-ham-1 + spam-1${SPAM_MODEL:+ ($SPAM_MODEL)}}${SPAM_CFG:+, $SPAM_CFG}"
printf '%s\n' "${summary[@]}"
