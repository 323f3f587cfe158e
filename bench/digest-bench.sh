#!/usr/bin/env bash
# What one quarantine digest run costs: N users with one held message each, then POST /digest/send, timed.
#
#   bench/digest-bench.sh            environment: N (500 users), DOMAIN (digest-bench.example)
#
# Unpacks the built distribution afresh under bench/target/digest-bench, protects DOMAIN, registers N users
# (POST /directory), sends each one message over SMTP with a Windows executable attached (the content detector holds
# it: MALWARE), waits until the N are held, then times POST /digest/send: the run reads the quarantine, builds one
# digest per user and hands each to the gateway's own intake, where it is scanned and queued like any mail (the
# answer comes once all are handed on). Then it waits until the N digests are in the local delivery folder. Prints
# users, held entries, the run's wall time and time per user, and the time until the last digest was delivered.
# Nothing else may listen on 127.0.0.1:2525/8181/8101 meanwhile.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
N="${N:-500}"
DOMAIN="${DOMAIN:-digest-bench.example}"

log() { printf 'digest-bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
# shellcheck source=gateway-lib.sh
source "$here/gateway-lib.sh"
curl_admin() { curl -u "admin:$STREAMAIL_ADMIN_PASSWORD" "$@"; }

gateway_archive
trap gateway_stop EXIT
dir="$here/target/digest-bench"
gateway_unpack "$archive" "$dir"
printf 'domains = %s\n' "$DOMAIN" > "$dir/etc/org.streamail.directory.cfg"
# links in the digests, as a real site has them (the page itself is not measured here)
printf 'enabled = false\nbase.url = http://localhost:8181\n' > "$dir/etc/org.streamail.digest.cfg"
log "booting under $dir"
gateway_start

log "registering $N users"
for i in $(seq 1 "$N"); do
  code="$(curl_admin -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"address\":\"user$i@$DOMAIN\",\"displayName\":\"User $i\"}" "$API/directory" || true)"
  [[ "$code" == 2* || "$code" == 409 ]] || die "POST /directory for user$i answered HTTP $code"
done
sleep 6 # the directory's refresh.seconds (5): every user known to the SMTP listener

log "sending $N messages to be held"
python3 - "$N" "$DOMAIN" <<'EOF'
import smtplib, sys, time
from email.message import EmailMessage
n, domain = int(sys.argv[1]), sys.argv[2]
# the start of a PE file: what the content detector calls an executable, whatever the name says
exe = b"MZ" + b"\x90\x00" * 30 + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 400
sent = 0
with smtplib.SMTP("127.0.0.1", 2525, timeout=60) as s:
    s.ehlo("bench.localhost")
    for i in range(1, n + 1):
        m = EmailMessage()
        m["From"] = "invoices@sender.test"
        m["To"] = f"user{i}@{domain}"
        m["Subject"] = f"Invoice {i}"
        m["Message-ID"] = f"<digest-bench-{i}-{time.time_ns()}@sender.test>"
        m.set_content("Please find the invoice attached.")
        m.add_attachment(exe, maintype="application", subtype="octet-stream", filename=f"invoice{i}.exe")
        s.send_message(m, from_addr="invoices@sender.test", to_addrs=[f"user{i}@{domain}"])
        sent += 1
print(f"sent {sent}", file=sys.stderr)
EOF

# held entries, counted a page of 1,000 at a time
count_held() {
  local total=0 offset=0 page
  while :; do
    page="$(curl_admin -fsS "$API/quarantine?status=HELD&limit=1000&offset=$offset" | grep -o '"id"' | wc -l || true)"
    total=$((total + page))
    [[ "$page" -lt 1000 ]] && break
    offset=$((offset + 1000))
  done
  echo "$total"
}
held=0
for _ in $(seq 1 300); do
  held="$(count_held)"
  [[ "$held" -ge "$N" ]] && break
  sleep 1
done
[[ "$held" -ge "$N" ]] || die "only $held of $N messages held after 300 s (see $dir/data/log/karaf.log)"
log "$held messages held"

delivered_dir="$dir/data/streamail/delivered"
before="$(grep -l '^X-Streamail-Digest: ' "$delivered_dir"/*.eml 2>/dev/null | wc -l || true)"
start_ns="$(date +%s%N)"
answer="$(curl_admin -fsS -X POST "$API/digest/send")" || die "POST /digest/send failed"
run_ns=$(( $(date +%s%N) - start_ns ))
log "run answered: $answer"
count=0
for _ in $(seq 1 600); do
  count=$(( $(grep -l '^X-Streamail-Digest: ' "$delivered_dir"/*.eml 2>/dev/null | wc -l || true) - before ))
  [[ "$count" -ge "$N" ]] && break
  sleep 0.5
done
all_ns=$(( $(date +%s%N) - start_ns ))
[[ "$count" -ge "$N" ]] || log "only $count of $N digests delivered after the wait"

awk -v n="$N" -v held="$held" -v run="$run_ns" -v all="$all_ns" -v got="$count" -v when="$(date -u +%FT%TZ)" \
    -v cpus="$(nproc)" 'BEGIN {
  printf "===== digest run (%s, %s CPUs)\n", when, cpus
  printf "users %d, held entries %d\n", n, held
  printf "run (POST /digest/send, every digest scanned and queued): %.2f s, %.1f ms per user\n", run / 1e9, run / 1e6 / n
  printf "until the last digest was delivered: %.2f s (%d delivered)\n", all / 1e9, got
}'
