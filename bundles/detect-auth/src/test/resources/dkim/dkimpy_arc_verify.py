"""Validates the ARC chain of a message with dkimpy (Debian's python3-dkim), for DkimpyInteropTest.

usage: python3 dkimpy_arc_verify.py <message file> <key record name> <key record text> [<name> <text>]...

Prints dkimpy's chain validation result (pass, fail or none), the number of sets it read and its reason, on one line;
exits 0 when the chain passes, 1 otherwise. Nothing is looked up in DNS: the key look-up (dnsfunc) answers the given
records for the given names and nothing for any other name.
"""
import sys

import dkim


def main():
    args = sys.argv[1:]
    if len(args) < 3 or len(args) % 2 == 0:
        print("usage: dkimpy_arc_verify.py <message file> <name> <record> [<name> <record>]...")
        return 2
    path, pairs = args[0], args[1:]
    records = {pairs[i].rstrip(".").lower(): pairs[i + 1] for i in range(0, len(pairs), 2)}
    with open(path, "rb") as f:
        message = f.read()

    def dnsfunc(qname, timeout=5):
        q = qname.decode("ascii") if isinstance(qname, bytes) else qname
        record = records.get(q.rstrip(".").lower())
        return record.encode("ascii") if record is not None else None

    cv, results, reason = dkim.arc_verify(message, dnsfunc=dnsfunc, minkey=1024)
    print(cv.decode("ascii"), len(results), reason)
    return 0 if cv == dkim.CV_Pass else 1


if __name__ == "__main__":
    sys.exit(main())
