#!/usr/bin/env python3
"""Turns the messages of an rspcheck run into libFuzzer seeds: fuzz/seeds-from-run.py RUN_DIR

Reads RUN_DIR/journal.jsonl (and results.json when there is one) and every message record in
them (direction, interface, function, hex, json; see harness/runner/src/journal.rs) becomes
seeds, each file named by the SHA-1 of its content so that duplicates fall away (into
fuzz/corpus/<target>/, or DIR/<target>/ with --out DIR):

  ES10x hex (DER requests and answers) -> corpus/tlv as is, and corpus/sgp22_message with the
                                          index of every schema type whose top-level tag it has
  APDU exchanges (command -> response)  -> corpus/euicc_apdu: the commands of each step as one
                                          [len, APDU]... sequence (short APDUs only)
  JSON bodies (ES9+, ES11, ES12, ES2+)  -> corpus/json_body with the pick byte of their type,
                                          corpus/smdp_handlers (requests to the SM-DP+: ES9+,
                                          ES2+) and corpus/smds_handlers (ES11/ES12 requests)

Run the self-test with --reveal-secrets for this (test keys only): a redacted journal replaces
matching IDs, codes and keys with "<redacted>", which breaks the hex of the messages holding
them (skipped here) and leaves JSON bodies valid but no longer the real exchange.
Prints what it wrote per target. Standard library only.
"""
import hashlib
import json
import os
import re
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "fuzz", "corpus")  # --out DIR changes it

# sgp22_message's first byte indexes rsp_codec::schema::ALL_TYPES; each type's top-level tag
# comes from its definition in schema/defs.rs.
defs = open(os.path.join(root, "harness/codec/src/schema/defs.rs")).read()
names = dict(re.findall(r'pub static (\w+): T = T::new\("([^"]+)"', defs))
all_types = re.search(r"pub static ALL_TYPES: &\[&T\] = &\[(.*?)\];", defs, re.S).group(1)
order = [names[n] for n in re.findall(r"&(\w+)", all_types)]
type_tags = {name: int(tag, 16) for name, tag in re.findall(r'T::new\("([^"]+)",\s*0x([0-9A-Fa-f]+)', defs)}

# json_body's pick byte per (interface family, function, direction); see json_body.rs.
JSON_PICK = {
    ("ES9+", "InitiateAuthentication", "sent"): 0,
    ("ES9+", "InitiateAuthentication", "received"): 1,
    ("ES9+", "AuthenticateClient", "sent"): 2,
    ("ES9+", "AuthenticateClient", "received"): 3,
    ("ES9+", "GetBoundProfilePackage", "sent"): 4,
    ("ES9+", "GetBoundProfilePackage", "received"): 5,
    ("ES9+", "HandleNotification", "sent"): 6,
    ("ES9+", "CancelSession", "sent"): 7,
    ("ES9+", "HandleNotification", "received"): 8,
    ("ES9+", "CancelSession", "received"): 8,
    ("ES11", "InitiateAuthentication", "sent"): 9,
    ("ES11", "InitiateAuthentication", "received"): 1,
    ("ES11", "AuthenticateClient", "sent"): 2,
    ("ES11", "AuthenticateClient", "received"): 10,
    ("ES12", "RegisterEvent", "sent"): 11,
    ("ES12", "RegisterEvent", "received"): 8,
    ("ES12", "DeleteEvent", "received"): 8,
    ("ES2+", "DownloadOrder", "sent"): 12,
    ("ES2+", "ConfirmOrder", "sent"): 13,
    ("ES2+", "CancelOrder", "sent"): 14,
    ("ES2+", "HandleDownloadProgressInfo", "sent"): 15,
    ("ES2+", "HandleDownloadProgressInfo", "received"): 15,
}
# smdp_handlers: pick % 10 = Es9Function::ALL index (0-4) or 5 + Es2Function::ALL index.
SMDP_PICK = {
    ("ES9+", "InitiateAuthentication"): 0,
    ("ES9+", "AuthenticateClient"): 1,
    ("ES9+", "GetBoundProfilePackage"): 2,
    ("ES9+", "HandleNotification"): 3,
    ("ES9+", "CancelSession"): 4,
    ("ES2+", "DownloadOrder"): 5,
    ("ES2+", "ConfirmOrder"): 6,
    ("ES2+", "CancelOrder"): 7,
    ("ES2+", "ReleaseProfile"): 8,
}
# smds_handlers: pick % 12 (0-1 ES11, 2-3 ES12), flags byte 0 (ES11 listener) or 1 (ES12).
SMDS_PICK = {
    ("ES11", "InitiateAuthentication"): (0, 0),
    ("ES11", "AuthenticateClient"): (1, 0),
    ("ES12", "RegisterEvent"): (2, 1),
    ("ES12", "DeleteEvent"): (3, 1),
}

written = {}


def put(target, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest())
    if os.path.exists(path):
        return
    with open(path, "wb") as f:
        f.write(data)
    written[target] = written.get(target, 0) + 1


def family(interface):
    """ES9+/ES11/ES12/ES2+ from the interface names a journal uses ("ES9+", "ES11 (SM-DS)" …)."""
    i = interface.upper().replace(" ", "")
    for f in ("ES9+", "ES11", "ES12", "ES2+", "ES10"):
        if i.startswith(f):
            return f
    return i


def from_hex(text):
    try:
        return bytes.fromhex(text.replace(" ", ""))
    except ValueError:
        return None


def der_seeds(data):
    put("tlv", data)
    if not data:
        return
    tag = data[0]
    if tag & 0x1F == 0x1F and len(data) > 1:
        tag = (tag << 8) | data[1]
    for i, name in enumerate(order):
        if type_tags.get(name) == tag:
            put("sgp22_message", bytes([i]) + data)


def json_seeds(fam, function, direction, value):
    body = json.dumps(value, separators=(",", ":")).encode()
    pick = JSON_PICK.get((fam, function, direction))
    if pick is not None:
        put("json_body", bytes([pick]) + body)
    if direction == "sent" and (fam, function) in SMDP_PICK:
        put("smdp_handlers", bytes([SMDP_PICK[(fam, function)]]) + body)
    if direction == "sent" and (fam, function) in SMDS_PICK:
        pick, flags = SMDS_PICK[(fam, function)]
        put("smds_handlers", bytes([pick, flags]) + body)


def messages(node):
    """Every message record anywhere in a parsed JSON document, in order."""
    if isinstance(node, dict):
        if {"direction", "interface", "function"} <= node.keys():
            yield node
            return
        for v in node.values():
            yield from messages(v)
    elif isinstance(node, list):
        for v in node:
            yield from messages(v)


def steps(node):
    """Every step (a dict with a messages list) anywhere in a document."""
    if isinstance(node, dict):
        if isinstance(node.get("messages"), list):
            yield node
        for k, v in node.items():
            if k != "messages":
                yield from steps(v)
    elif isinstance(node, list):
        for v in node:
            yield from steps(v)


def documents(run_dir):
    journal = os.path.join(run_dir, "journal.jsonl")
    if os.path.exists(journal):
        with open(journal) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        pass
    results = os.path.join(run_dir, "results.json")
    if os.path.exists(results):
        with open(results) as f:
            try:
                yield json.load(f)
            except json.JSONDecodeError:
                pass


def main():
    global corpus
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--out":
        corpus, args = args[1], args[2:]
    if len(args) != 1 or not os.path.isdir(args[0]):
        print("usage: " + __doc__.strip().splitlines()[0].split(": ")[1] + " (or --out DIR RUN_DIR)",
              file=sys.stderr)
        sys.exit(2)
    run_dir = args[0]
    seen = 0
    for doc in documents(run_dir):
        for m in messages(doc):
            seen += 1
            fam = family(m.get("interface", ""))
            # Answers are named "InitiateAuthentication (HTTP 200)".
            function = m.get("function", "").split(" (")[0]
            direction = m.get("direction", "")
            if m.get("hex") and fam == "ES10":
                data = from_hex(m["hex"])
                if data is not None:
                    der_seeds(data)
            if m.get("json") is not None and fam in ("ES9+", "ES11", "ES12", "ES2+"):
                json_seeds(fam, function, direction, m["json"])
        for step in steps(doc):
            apdus = b""
            for m in step["messages"]:
                if m.get("interface") == "APDU" and m.get("hex"):
                    cmd = from_hex(m["hex"].split("->")[0])
                    if cmd is not None and 4 <= len(cmd) <= 255:
                        apdus += bytes([len(cmd)]) + cmd
            if apdus:
                put("euicc_apdu", apdus)
    for target in sorted(written):
        print(f"seeds-from-run: {target}: {written[target]} new", file=sys.stderr)
    print(f"seeds-from-run: {seen} messages read from {run_dir}", file=sys.stderr)
    if seen == 0:
        sys.exit(1)


if __name__ == "__main__":
    main()
