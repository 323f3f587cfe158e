# Shared by bench scripts that boot a throw-away gateway (sourced, not run): detector-cost.sh, spam-accuracy.sh rest-*.
#
# The caller sets `root` (the repository) and defines `log` and `die`. STREAMAIL_ADMIN_PASSWORD is taken from the
# environment or made up (random) and exported: the distribution reads it at first boot.

STREAMAIL_ADMIN_PASSWORD="${STREAMAIL_ADMIN_PASSWORD:-$(head -c 18 /dev/urandom | base64 | tr -d '/+=')}"
export STREAMAIL_ADMIN_PASSWORD
API="http://127.0.0.1:8181/streamail/api/v1"
gateway_pgid=""
gateway_dir=""

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# sets `archive` to the built distribution; dies when there is none or when the gateway's loopback ports are taken
gateway_archive() {
  archive="$(ls "$root"/karaf-distribution/target/streamail-karaf-distribution-*.tar.gz 2>/dev/null | head -1 || true)"
  [[ -n "$archive" ]] || die "build the distribution first: mvn install -DskipTests"
  for p in 2525 8181 8101; do
    if port_open "$p"; then die "something already listens on 127.0.0.1:$p"; fi
  done
}

# gateway_unpack <archive> <dir>: a fresh instance in <dir>; the caller may edit <dir>/etc before gateway_start
gateway_unpack() {
  rm -rf "$2" && mkdir -p "$2"
  tar -xzf "$1" -C "$2" --strip-components=1
  gateway_dir="$2"
}

# boots the unpacked instance in its own process group and waits (180 s at most) for an authenticated /health
gateway_start() {
  setsid "$gateway_dir/bin/karaf" server </dev/null >"$gateway_dir/console.log" 2>&1 &
  gateway_pgid=$!
  for i in $(seq 1 180); do
    if curl -fsS -o /dev/null -u "admin:$STREAMAIL_ADMIN_PASSWORD" "$API/health" 2>/dev/null; then
      sleep 5 # let the detectors that came up last register
      return 0
    fi
    sleep 1
  done
  die "the gateway did not answer /health within 180 s (see $gateway_dir/data/log/karaf.log)"
}

gateway_stop() {
  [[ -n "$gateway_pgid" ]] || return 0
  "$gateway_dir/bin/stop" >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do kill -0 -- "-$gateway_pgid" 2>/dev/null || { gateway_pgid=""; return 0; }; sleep 1; done
  kill -KILL -- "-$gateway_pgid" 2>/dev/null || true
  gateway_pgid=""
}

# the detector names /health lists, as JSON text
gateway_detectors() {
  curl -fsS -u "admin:$STREAMAIL_ADMIN_PASSWORD" "$API/health" | grep -o '"detectors":\[[^]]*\]' || true
}
