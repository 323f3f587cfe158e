#!/usr/bin/env bash
# Click-endpoint latency (issue 6): starts a throw-away gateway, delivers one HTML message with two links
# (delivered to the local folder, links rewritten to <base.url>/streamail/click/<token>), blocks the host of
# the second link, then runs the bench's click mode on both click URLs: the clean one (302 to the original)
# and the bad one (403 block page + recorded click, two alerts, an isolation attempt and a queued recall).
#
#   bench/click-bench.sh
#
# Environment
#   N         requests per link (after the warm-up)                        [5000]
#   C         concurrent clients                                            [100]
#   WARMUP    requests per link sent first and not counted                  [200]
#   GATEWAY_DIR  where the distribution is unpacked (wiped first)           [bench/target/click-gateway]
#   GATEWAY_BOOT_TIMEOUT  seconds to wait for :2525 and /health             [180]
#   MVN_ARGS  extra Maven arguments for building what is missing, e.g. -o   []
#
# The gateway runs with its default ports (SMTP 2525, HTTP 8181, SSH 8101, RMI 1099/44444), which must be
# free; it is stopped on exit, also on failure or Ctrl-C. Clicks come from 127.0.0.1, which the isolation
# service never isolates (loopback is protected): the attempt is made, refused and logged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/streamail-bench.jar"
N="${N:-5000}"
C="${C:-100}"
WARMUP="${WARMUP:-200}"
GATEWAY_DIR="${GATEWAY_DIR:-$here/target/click-gateway}"
GATEWAY_BOOT_TIMEOUT="${GATEWAY_BOOT_TIMEOUT:-180}"
MVN_ARGS="${MVN_ARGS:-}"
api="http://127.0.0.1:8181/streamail/api/v1"
rcpt="bench@example.org"          # example.org is the distribution's default protected domain
# Neither the sender nor the clean link may be an example.* domain: the phishing detector's lookalike rules
# score any other "example" domain 6.0 against the protected example.org (news.example.com would be a
# PHISHING finding >= block.score 5.0, i.e. blocked at click time, and the message quarantined).
sender="news@bench-news.test"
clean_url="http://news.bench-news.test/a"
bad_host="bad.bench-phish.example"
bad_url="http://$bad_host/login"

case "${1:-}" in
  -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) printf 'click-bench: no arguments expected (options via the environment: N, C, WARMUP; see --help)\n' >&2; exit 2 ;;
esac

log() { printf 'click-bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }
whole() { [[ "$2" =~ ^[0-9]+$ ]] || die "$1='$2' is not a whole number"; }
whole N "$N"; whole C "$C"; whole WARMUP "$WARMUP"; whole GATEWAY_BOOT_TIMEOUT "$GATEWAY_BOOT_TIMEOUT"
(( N >= 1 && N <= 10000000 )) || die "N must be 1..10000000"
(( C >= 1 && C <= 1024 )) || die "C must be 1..1024"
(( WARMUP <= 10000000 )) || die "WARMUP must be 0..10000000"
# GATEWAY_DIR is wiped: only an absent or empty folder, or one holding an unpacked Karaf.
if [[ -e "$GATEWAY_DIR" && ! -x "$GATEWAY_DIR/bin/karaf" && -n "$(ls -A "$GATEWAY_DIR" 2>/dev/null)" ]]; then
  die "GATEWAY_DIR=$GATEWAY_DIR exists and is not an unpacked gateway: not wiping it"
fi

for tool in java curl perl; do command -v "$tool" >/dev/null || die "$tool not found"; done
command -v mvn >/dev/null || [[ -f "$jar" ]] || die "mvn not found and $jar not built"

echo "uptime: $(uptime)"

# ---- the tool, built when missing or older than its sources
if [[ ! -f "$jar" ]] || [[ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit)" ]]; then
  log "building streamail-bench"
  # shellcheck disable=SC2086
  mvn -B -q $MVN_ARGS -f "$here/pom.xml" package -DskipTests
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in 2525 8181 8101 1099 44444; do
  port_open "$p" && die "something already listens on 127.0.0.1:$p (another gateway?); stop it first"
done

archive="$(ls "$root"/karaf-distribution/target/streamail-karaf-distribution-*.tar.gz 2>/dev/null | head -1 || true)"
if [[ -z "$archive" ]]; then
  log "building the distribution (mvn install -DskipTests -pl features,karaf-distribution)"
  # shellcheck disable=SC2086
  (cd "$root" && mvn -B -q $MVN_ARGS install -DskipTests -pl features,karaf-distribution) \
    || die "building the distribution failed (are the bundles installed? try: mvn install -DskipTests -pl karaf-distribution -am)"
  archive="$(ls "$root"/karaf-distribution/target/streamail-karaf-distribution-*.tar.gz | head -1)"
fi

# ---- a throw-away gateway: default configuration, admin password made up for this run
log "unpacking $(basename "$archive") into $GATEWAY_DIR"
rm -rf "$GATEWAY_DIR"
mkdir -p "$GATEWAY_DIR"
tar -xzf "$archive" -C "$GATEWAY_DIR" --strip-components=1
if grep -qE '^[[:space:]]*relay\.host[[:space:]]*[=:][[:space:]]*[^[:space:]]' "$GATEWAY_DIR/etc/org.streamail.delivery.cfg" 2>/dev/null; then
  die "the distribution's relay.host is not empty: mail would not be delivered to the local folder"
fi
STREAMAIL_ADMIN_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
export STREAMAIL_ADMIN_PASSWORD  # read by the gateway at its first boot; never printed

# curl as admin, the password fed on stdin (a -u argument would show in ps)
curl_admin() {
  printf 'user = "admin:%s"\n' "$STREAMAIL_ADMIN_PASSWORD" | curl -K - "$@"
}

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
trap stop_gateway EXIT
trap 'exit 130' INT TERM

log "starting the gateway (console output in $GATEWAY_DIR/console.log)"
# Our own child in a new session/process group, so stopping it can never touch another Karaf.
setsid "$GATEWAY_DIR/bin/karaf" server </dev/null >"$GATEWAY_DIR/console.log" 2>&1 &
gateway_pgid=$!
boot_start=$SECONDS
for i in $(seq 1 "$GATEWAY_BOOT_TIMEOUT"); do
  if port_open 2525 && curl_admin -fsS -o /dev/null "$api/health" 2>/dev/null; then
    break
  fi
  kill -0 "$gateway_pgid" 2>/dev/null || die "the gateway exited during boot (see $GATEWAY_DIR/console.log)"
  [[ $i -eq $GATEWAY_BOOT_TIMEOUT ]] && die "the gateway did not answer on :2525 and /health within $GATEWAY_BOOT_TIMEOUT s (see $GATEWAY_DIR/data/log/karaf.log)"
  sleep 1
done
log "gateway up after $((SECONDS - boot_start)) s"

# ---- the recipient (409: already registered)
code="$(curl_admin -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"address\":\"$rcpt\",\"displayName\":\"Bench\"}" "$api/directory" || true)"
case "$code" in
  2*|409) log "directory: $rcpt registered" ;;
  *) die "POST /directory for $rcpt answered HTTP $code" ;;
esac

# ---- one HTML message with the two links, over SMTP
work="$GATEWAY_DIR/click-bench"
mkdir -p "$work"
tag="click-bench-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
{
  printf '%s\r\n' \
    "From: Bench News <$sender>" \
    "To: <$rcpt>" \
    "Subject: Weekly digest $tag" \
    "Date: $(LC_ALL=C date -R)" \
    "Message-ID: <$tag@bench-news.test>" \
    "MIME-Version: 1.0" \
    "Content-Type: text/html; charset=us-ascii" \
    "Content-Transfer-Encoding: 7bit" \
    "" \
    "<html><body>" \
    "<p>This week's stories:</p>" \
    "<p><a href=\"$clean_url\">First story</a></p>" \
    "<p><a href=\"$bad_url\">Second story</a></p>" \
    "</body></html>"
} > "$work/message.eml"
# Waiting for the listener's 250 only: delivery to the folder happens after the scan, asynchronously.
# Too early after boot the recipient may not be known yet (directory refresh): retry a few times.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if curl -sS --max-time 60 "smtp://127.0.0.1:2525/click-bench.localhost" --mail-from "$sender" \
       --mail-rcpt "$rcpt" -T "$work/message.eml" 2>"$work/smtp.err"; then
    break
  fi
  [[ $attempt -eq 10 ]] && die "SMTP send to 127.0.0.1:2525 failed: $(cat "$work/smtp.err")"
  sleep 1
done
log "message sent ($tag), waiting for its delivery to data/streamail/delivered"

delivered=""
for _ in $(seq 1 60); do
  delivered="$(grep -l -- "$tag" "$GATEWAY_DIR"/data/streamail/delivered/*.eml 2>/dev/null | head -1 || true)"
  [[ -n "$delivered" ]] && break
  sleep 1
done
[[ -n "$delivered" ]] || die "the message was not delivered within 60 s (quarantined? see GET $api/quarantine and $GATEWAY_DIR/data/log/karaf.log)"
log "delivered: ${delivered#"$GATEWAY_DIR"/}"

# ---- the two click URLs. The part may be quoted-printable (the link guard re-encodes a part whose lines grew
# too long): undo soft line breaks and =XX first. Which original URL a token stands for is read from its
# signed payload (base64url before the '.'), not guessed from the order of the links.
urls="$(perl -0777 -MMIME::Base64 -ne '
  s/=\r?\n//g; s/=([0-9A-Fa-f]{2})/chr(hex($1))/ge;
  my %seen;
  while (m{(https?://[^\s"<>]+/streamail/click/([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+)}g) {
    my ($url, $p) = ($1, $2);
    next if $seen{$url}++;
    $p =~ tr{-_}{+/}; $p .= "=" x ((4 - length($p) % 4) % 4);
    my $payload = decode_base64($p);
    my $orig = $payload =~ m{(https?://[\x21-\x7e]+)} ? $1 : "?";
    print "$orig $url\n";
  }' "$delivered")"
clean_click="$(awk -v u="$clean_url" '$1 == u { print $2; exit }' <<<"$urls")"
bad_click="$(awk -v u="$bad_url" '$1 == u { print $2; exit }' <<<"$urls")"
[[ -n "$clean_click" && -n "$bad_click" ]] || die "click URLs for both links not found in $delivered (found: ${urls:-none})"
log "click URLs found for $clean_url and $bad_url"

# ---- the second link turns bad after delivery
code="$(curl_admin -sS -o "$work/blocklist.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "{\"type\":\"URL_DOMAIN\",\"value\":\"$bad_host\",\"reason\":\"bench\"}" "$api/blocklist" || true)"
[[ "$code" == 2* ]] || die "POST /blocklist answered HTTP $code: $(cat "$work/blocklist.json" 2>/dev/null)"
log "block rule added: URL_DOMAIN $bad_host"

# ---- measure
rc=0
echo "clean link ($clean_url): expect 302"
java -jar "$jar" click --url "$clean_click" -n "$N" -c "$C" --warmup "$WARMUP" --expect 302 || rc=$?
echo "bad link ($bad_url, blocked after delivery): expect 403"
java -jar "$jar" click --url "$bad_click" -n "$N" -c "$C" --warmup "$WARMUP" --expect 403 || { r=$?; [[ $r -gt $rc ]] && rc=$r; }
echo "uptime: $(uptime)"
exit "$rc"
