"""Verifies the first DKIM-Signature of a message with dkimpy (Debian's python3-dkim), for DkimpyInteropTest.

usage: python3 dkimpy_verify.py <message file> <key record name> <key record text>

Nothing is looked up in DNS: the key look-up (dnsfunc) answers the given record for the given name and nothing for
any other name. Prints PASS and the signature's algorithm, or FAIL and dkimpy's reason when there is one (a body hash
mismatch is an exception in dkimpy, a signature that does not verify is not); exits 0 on PASS, 1 on FAIL.
"""
import sys

import dkim


def main():
    path, name, record = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(path, "rb") as f:
        message = f.read()
    wanted = name.rstrip(".").lower()

    def dnsfunc(qname, timeout=5):
        q = qname.decode("ascii") if isinstance(qname, bytes) else qname
        return record.encode("ascii") if q.rstrip(".").lower() == wanted else None

    verifier = dkim.DKIM(message, minkey=1024)
    try:
        ok = verifier.verify(dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print("FAIL", e)
        return 1
    print("PASS" if ok else "FAIL", verifier.signature_fields.get(b"a", b"").decode("ascii", "replace"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
