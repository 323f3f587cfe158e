"""Verifies the first DKIM-Signature fields, or the ARC chain, of a message with dkimpy (Debian's python3-dkim), for
DkimpyInteropTest.

usage: python3 dkimpy_verify.py [--signatures N | --arc] <message file> <key record name> <key record text>
       [<name> <text>]...

With --arc: prints dkimpy's chain validation result (pass, fail or none), the number of sets it read and its reason on
one line, and exits 0 when the chain passes, 1 otherwise. Otherwise:
Verifies the first N signatures (1 by default) from the top, each on its own (dkimpy's verify(idx=n)), and prints one
line for each: PASS, the signature's algorithm and selector, or FAIL and dkimpy's reason when there is one (a body
hash mismatch is an exception in dkimpy, a signature that does not verify is not); exits 0 when every one passed,
1 otherwise. Nothing is looked up in DNS: the key look-up (dnsfunc) answers the given records for the given names
and nothing for any other name.
"""
import sys

import dkim


def main():
    args = sys.argv[1:]
    count = 1
    arc = False
    if args and args[0] == "--signatures":
        count = int(args[1])
        args = args[2:]
    elif args and args[0] == "--arc":
        arc = True
        args = args[1:]
    path, pairs = args[0], args[1:]
    if not pairs or len(pairs) % 2:
        print("usage: dkimpy_verify.py [--signatures N] <message file> <name> <record> [<name> <record>]...")
        return 2
    records = {pairs[i].rstrip(".").lower(): pairs[i + 1] for i in range(0, len(pairs), 2)}
    with open(path, "rb") as f:
        message = f.read()

    def dnsfunc(qname, timeout=5):
        q = qname.decode("ascii") if isinstance(qname, bytes) else qname
        record = records.get(q.rstrip(".").lower())
        return record.encode("ascii") if record is not None else None

    if arc:
        cv, results, reason = dkim.arc_verify(message, dnsfunc=dnsfunc, minkey=1024)
        print(cv.decode("ascii"), len(results), reason)
        return 0 if cv == dkim.CV_Pass else 1

    failed = 0
    for idx in range(count):
        verifier = dkim.DKIM(message, minkey=1024)
        try:
            ok = verifier.verify(idx=idx, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            print("FAIL", e)
            failed += 1
            continue
        fields = verifier.signature_fields
        print("PASS" if ok else "FAIL", fields.get(b"a", b"").decode("ascii", "replace"),
              fields.get(b"s", b"").decode("ascii", "replace"))
        failed += 0 if ok else 1
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
