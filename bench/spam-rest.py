#!/usr/bin/env python3
"""Accuracy of the spam detector measured over a running gateway's REST API (bench/spam-accuracy.sh rest-*).

Reads a plan written by SpamAccuracyBench (-Dplan=FILE): `ham|spam <file>` lines are the reports, in order,
`measure <group> <file>` the messages scored afterwards. Each report is POSTed to /reports/<kind> as the
administrator (so a reported spam's fingerprint refuses its near copies at once, as -Dadmin=true does in the
in-JVM bench), then each measured message goes to POST /scan, and the run prints per group how many the
learned classifier flags (finding spam/bayes at its maximum score, i.e. probability >= bayes.spam.probability),
how many a reported fingerprint refuses (spam/fuzzy-match or spam/reported-attachment), and the actions the
whole gateway would take. Messages the core cannot parse (core/malformed) are quarantined without being shown
to any detector; they are counted apart, so "classifier" here is the in-JVM figure minus those.

Usage: spam-rest.py <plan> <api base url> [--bayes-max 6] [--clients 4] [--settle 10]
       spam-rest.py --train-dir <corpus data dir> <api base url>   (reports all of easy-ham-1 and spam-1, in the
       same interleaved order as SpamAccuracyBench, and scans nothing: bench/detector-cost.sh TRAIN_CORPUS=)
Environment: STREAMAIL_ADMIN_PASSWORD (the admin's password; never printed).
"""
import argparse
import base64
import collections
import concurrent.futures
import json
import os
import sys
import time
import urllib.error
import urllib.request


def post(url, auth, body, content_type):
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Authorization": auth, "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def txt(d):
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".txt")) if os.path.isdir(d) else []


def interleaved(ham, spam):
    """SpamAccuracyBench.reportOrder: a spam after every fifth ham, the rest of either kind at the end."""
    out, i, j = [], 0, 0
    while i < len(ham) or j < len(spam):
        if i < len(ham):
            out.append(("ham", ham[i]))
            i += 1
        if j < len(spam) and (i % 5 == 0 or i >= len(ham)):
            out.append(("spam", spam[j]))
            j += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plan", nargs="?")
    ap.add_argument("--train-dir", help="report every *.txt of <dir>/easy-ham-1 and <dir>/spam-1 instead of a plan")
    ap.add_argument("base")
    ap.add_argument("--bayes-max", type=float, default=6.0, help="the spam detector's bayes.max.score")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--settle", type=float, default=10.0, help="seconds to wait between training and scanning")
    ap.add_argument("--dump", help="write one line per measured message: group, file, action, spam findings")
    a = ap.parse_args()
    password = os.environ.get("STREAMAIL_ADMIN_PASSWORD")
    if not password:
        sys.exit("STREAMAIL_ADMIN_PASSWORD is not set")
    auth = "Basic " + base64.b64encode(("admin:" + password).encode()).decode()

    reports, measured = [], collections.OrderedDict()
    if a.train_dir:
        reports = interleaved(txt(os.path.join(a.train_dir, "easy-ham-1")), txt(os.path.join(a.train_dir, "spam-1")))
        if not reports:
            sys.exit(f"no easy-ham-1/*.txt or spam-1/*.txt under {a.train_dir}")
    elif not a.plan:
        sys.exit("give a plan file or --train-dir")
    else:
        plan_lines = open(a.plan, encoding="utf-8").read().splitlines()
    for line in ([] if a.train_dir else plan_lines):
        kind, _, rest = line.partition(" ")
        if kind in ("ham", "spam"):
            reports.append((kind, rest))
        elif kind == "measure":
            group, _, path = rest.partition(" ")
            measured.setdefault(group, []).append(path)
        elif line.strip():
            sys.exit("bad plan line: " + line.strip())

    t0 = time.monotonic()
    refused = collections.Counter()
    counted = 0
    for n, (kind, path) in enumerate(reports, 1):
        status, body = post(a.base + "/reports/" + kind, auth, read(path), "message/rfc822")
        if status // 100 != 2:
            refused[status] += 1
            if refused[status] <= 3:
                print(f"report {kind} {path}: HTTP {status} {body[:200]!r}", file=sys.stderr)
        elif json.loads(body).get("counted"):
            counted += 1
        if n % 500 == 0:
            print(f"  {n}/{len(reports)} reports sent", file=sys.stderr)
    took = time.monotonic() - t0
    print(f"trained through POST /reports/ham|spam: {len(reports)} reports in {took:.1f} s "
          f"({len(reports) / took:.0f}/s), {counted} counted, not accepted: {dict(refused) or 0}")
    time.sleep(a.settle)
    if not measured:
        return

    def scan(path):
        status, body = post(a.base + "/scan", auth, read(path), "message/rfc822")
        if status != 200:
            return path, None
        return path, json.loads(body)

    s0 = time.monotonic()
    scanned = 0
    print(f"scored through POST /scan ({a.clients} clients); flagged by the classifier = spam/bayes at {a.bayes_max:g}:")
    dump = open(a.dump, "w", encoding="utf-8") if a.dump else None
    for group, paths in measured.items():
        bayes = fingerprint = either = failed = uninspected = 0
        actions = collections.Counter()
        with concurrent.futures.ThreadPoolExecutor(a.clients) as pool:
            for path, v in pool.map(scan, paths):
                scanned += 1
                if v is None:
                    failed += 1
                    continue
                spam = [f for f in v.get("findings", []) if f.get("detector") == "spam"]
                # the core holds what it cannot parse without showing it to the detectors (core/malformed)
                uninspected += any(f.get("detector") == "core" and f.get("rule") == "malformed" for f in v.get("findings", []))
                b = any(f["rule"] == "bayes" and f["score"] >= a.bayes_max for f in spam)
                fp = any(f["rule"] in ("fuzzy-match", "reported-attachment") for f in spam)
                bayes += b
                fingerprint += fp
                either += b or fp
                actions[v.get("action")] += 1
                if dump:
                    dump.write(f"{group} {path} {v.get('action')} "
                               + json.dumps([[f["detector"], f["rule"], f["score"], f.get("detail")] for f in v.get("findings", [])]) + "\n")
        n = len(paths)
        print(f"  {group:11s} classifier {bayes:4d}/{n} ({100.0 * bayes / n:6.2f} %)   fingerprint {fingerprint:4d}   "
              f"either {either:4d} ({100.0 * either / n:6.2f} %)   not shown to the detectors (malformed MIME) {uninspected}   "
              f"gateway actions {dict(sorted(actions.items()))}"
              + (f"   scan failures {failed}" if failed else ""))
    took = time.monotonic() - s0
    print(f"scanned {scanned} messages in {took:.1f} s ({scanned / took:.1f} scans/s)")


if __name__ == "__main__":
    main()
