#!/usr/bin/env bash
# Builds Streamail (tests skipped) and starts the gateway on its embedded defaults in the foreground
# (Karaf console; `logout` or Ctrl-D stops it). The instance lives in ./run/ and keeps its data between
# runs; `./run.sh --fresh` throws it away and unpacks a new one (new admin password).
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -q install -DskipTests
if [ "${1:-}" = "--fresh" ]; then rm -rf run; fi
if [ ! -d run ]; then
  mkdir -p run
  tar xzf karaf-distribution/target/streamail-karaf-distribution-*.tar.gz -C run
fi
HOME_DIR=$(ls -d run/streamail-karaf-distribution-* | head -1)
if [ -f "$HOME_DIR/data/streamail/initial-admin-password" ]; then
  echo "Admin password: $HOME_DIR/data/streamail/initial-admin-password"
else
  echo "First start: the admin password will be written to $HOME_DIR/data/streamail/initial-admin-password"
fi
export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
exec "$HOME_DIR/bin/karaf"
