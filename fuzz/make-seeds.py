#!/usr/bin/env python3
"""Writes libFuzzer seed corpora from the project's vector manifests (vectors/*.toml).

corpus/tlv: every message vector; corpus/sgp22_message: type-index byte + message;
corpus/activation_code: every activation-code case; corpus/bpp_open: mode byte + mutation ops.
Also copies the committed seeds of seeds/<target>/ (units from self-test runs that added
coverage, see seeds-from-run.py) into corpus/<target>/.
The type index is the position of the vector's type in rsp_codec::schema::ALL_TYPES, read from
schema/defs.rs.
"""
import glob, hashlib, os, random, re, sys, tomllib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "fuzz", "corpus")

defs = open(os.path.join(root, "harness/codec/src/schema/defs.rs")).read()
names = dict(re.findall(r'pub static (\w+): T = T::new\("([^"]+)"', defs))
all_types = re.search(r"pub static ALL_TYPES: &\[&T\] = &\[(.*?)\];", defs, re.S).group(1)
order = [names[n] for n in re.findall(r"&(\w+)", all_types)]

def put(target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

msgs = tomllib.load(open(os.path.join(root, "vectors/messages.toml"), "rb"))["vector"]
for v in msgs:
    data = bytes.fromhex(v["hex"])
    put("tlv", data)
    if v["type"] in order:
        put("sgp22_message", bytes([order.index(v["type"])]) + data)
acs = tomllib.load(open(os.path.join(root, "vectors/activation-codes.toml"), "rb"))["case"]
for c in acs:
    put("activation_code", c["input"].encode())
# JSON bodies: the snapshot files of the JSON tests hold realistic bodies of every function.
for path in glob.glob(os.path.join(root, "harness/codec/tests/snapshots/json_bindings__*.snap")):
    body = open(path).read().split("---", 2)[-1].strip()
    for pick in range(16):
        put("json_body", bytes([pick]) + body.encode())
for eid in ["89049032123451234512345678901235", "89000000000000000000000000000002"]:
    put("identifiers", eid.encode())
    put("identifiers", bytes.fromhex(eid))
for iccid in ["89000123456789012341", "8949449999999990023F"]:
    put("identifiers", iccid.encode())
put("identifiers", bytes.fromhex("98001032547698103214"))
# bpp_open builds its own valid BPPs (fixed keys): seeds select each mode (raw / byte-level /
# tree-level mutations, with or without ReplaceSessionKeys) with a few 4-byte mutation ops.
rnd = random.Random(0xB99)
for mode in range(8):
    for k in range(4):
        put("bpp_open", bytes([mode]) + bytes(rnd.randrange(256) for _ in range(4 * (k + 1))))
# Certificates: the SGP.26 set beside the checkout (read here, never copied into the repo) and
# hand-made shapes from the message vectors' synthetic certificate.
sgp26 = os.path.join(root, "..", "shared", "vectors", "sgp26")
for path in glob.glob(os.path.join(sgp26, "**", "*.der"), recursive=True):
    put("certificate", open(path, "rb").read())
put("certificate", bytes.fromhex("302E3015A003020102020A1B300A06082A8648CE3D040302300A06082A8648CE3D040302030900" + "11" * 8))
# Profile packages: the TS.48 profiles beside the checkout (read here, never copied into the
# repo), whole and cut into their first few PEs.
for path in glob.glob(os.path.join(root, "..", "shared", "vectors", "ts48-v7", "*.der")):
    data = open(path, "rb").read()
    put("profile_decode", data)
    put("profile_decode", data[:2048])
    put("profile_expand", data)
for path in glob.glob(os.path.join(root, "vectors", "profiles", "*.der")):
    put("profile_decode", open(path, "rb").read())
    put("profile_expand", open(path, "rb").read())
print(f"seeds: {len(msgs)} messages, {len(acs)} activation codes -> {out}", file=sys.stderr)
# euicc_apdu: sequences of length-prefixed APDUs on the ISD-R (channel 1) and the UICC side.
def apdus(*hexes):
    out = b""
    for h in hexes:
        a = bytes.fromhex(h)
        out += bytes([len(a)]) + a
    return out
es10 = ["BF2000", "BF2200", "BF2E00", "BF2D00", "BF2D035C015A", "BF2800", "BF2B00", "BF3E035C015A",
        "BF3C00", "BF4300", "BF300380010" + "1", "BF3406820205E0", "BF3F0480024142"]
for r in es10:
    data = bytes.fromhex(r)
    put("euicc_apdu", apdus("81E29100" + "%02X" % len(data) + r, "01C0000000"))
    # The same request in two blocks.
    h = len(data) // 2
    put("euicc_apdu", apdus("81E21100" + "%02X" % h + data[:h].hex(), "81E29101" + "%02X" % (len(data) - h) + data[h:].hex()))
put("euicc_apdu", apdus("0070000001", "0070800100", "00A4000C023F00", "00A4040C07A0000000871002",
                        "00A4000C026F07", "00B0000009", "002000010831323334FFFFFFFF", "00F2000C00"))
put("euicc_apdu", apdus("00A40004023F00", "00C0000000", "00A4080C047FFF6F07", "00B2010400", "00D6000001FF"))
put("euicc_apdu", apdus("008800812210" + "00" * 16 + "10" + "11" * 16))
# smdp_handlers: a function byte + realistic bodies (the JSON snapshots of the codec tests).
for path in glob.glob(os.path.join(root, "harness/codec/tests/snapshots/json_bindings__*.snap")):
    body = open(path).read().split("---", 2)[-1].strip()
    for pick in range(9):
        put("smdp_handlers", bytes([pick]) + body.encode())
# The ASN.1 binding (pick 9): one skeleton of each RemoteProfileProvisioningRequest alternative.
def der(tag, *content):
    body = b"".join(content)
    assert len(body) < 128
    return bytes.fromhex(tag) + bytes([len(body)]) + body
tx = der("80", bytes(16))
for request in [der("BF39", der("81", bytes(16)), der("83", b"testsmdpplus1.example.com"), der("BF20", der("82", b"\x02\x02\x02"))),
                der("BF3B", tx, der("BF38")),
                der("BF3A", tx, der("BF21")),
                der("BF41", tx, der("A1", der("81", b"\x05"))),
                der("BF3D", der("A0", der("BF37")))]:
    put("smdp_handlers", bytes([9]) + der("A2", request))
# smds_handlers: pick byte (0-3 core ES11/ES12, 4-11 the HTTPS service on one of eight paths),
# flags byte (listener, bad headers, client certificate, GET, cascade, failing parent), body.
# The ES11/ES12 snapshots, ES12 bodies with and without forwarding, and AuthenticateClient
# bodies for the session the target opens first (@TX@ is replaced by its transactionId).
EID = "89049032123451234512345678901235"
smds_bodies = [doc for p in sorted(glob.glob(os.path.join(
                   root, "harness/codec/tests/snapshots/json_bindings__snapshot_es1[12]_*.snap")))
               for doc in re.split(r"\n(?=\{)", open(p).read().split("---", 2)[-1].strip())]
for fwd in ("true", "false"):
    smds_bodies.append('{"header":{"functionRequesterIdentifier":"dp","functionCallIdentifier":"1"},'
                       '"eid":"%s","rspServerAddress":"testsmdpplus1.example.com","eventId":"EV-1",'
                       '"forwardingIndicator":%s}' % (EID, fwd))
smds_bodies.append('{"header":{"functionRequesterIdentifier":"dp","functionCallIdentifier":"2"},'
                   '"eid":"%s","eventId":"EV-1"}' % EID)
for asr in ("vzgA", "vzgDoQEA", "vzgCoAA=", "MIE="):
    smds_bodies.append('{"transactionId":"@TX@","authenticateServerResponse":"%s"}' % asr)
for body in smds_bodies:
    for pick in range(12):
        for flags in (0x00, 0x11, 0x02, 0x40, 0xC0):
            put("smds_handlers", bytes([pick, flags]) + body.encode())
for flags in (0x01, 0x04, 0x08, 0x15, 0x20, 0x10):
    put("smds_handlers", bytes([8, flags]) + smds_bodies[-6].encode())
# lpa: mode byte, then length-prefixed answers (card answers end with SW1 SW2; server answers
# start with a 2-byte HTTP status). Mode 0 walks the management functions, mode 1 a download.
def script(*answers):
    return b"".join(len(a).to_bytes(2, "big") + a for a in answers)
ok = b"\x90\x00"
profile_info = der("E3", der("5A", bytes.fromhex("98990000000000000081")), der("4F", bytes.fromhex("A0000005591010FFFFFFFF8900001000")),
                   bytes.fromhex("9F700100"), der("91", b"rspcheck"), der("92", b"Profile"), der("95", b"\x02"))
note_meta = der("BF2F", der("80", b"\x01"), der("81", b"\x07\x80"), bytes.fromhex("0C") + bytes([11]) + b"dp.example1")
put("lpa", bytes([0]) + script(b"\x01" + ok, ok,
    der("BF22", der("81", b"\x02\x03\x01"), der("82", b"\x02\x02\x02")) + ok,
    der("BF3E", der("5A", bytes.fromhex(EID))) + ok,
    der("BF3C", der("80", b"dp.example"), der("81", b"ds.example")) + ok,
    der("BF2D", der("A0", profile_info)) + ok,
    der("BF28", der("A0", note_meta)) + ok,
    der("BF2B", der("A0", der("30", note_meta))) + ok,
    der("BF30", der("80", b"\x00")) + ok,
    der("BF34", der("80", b"\x01")) + ok,
    der("BF2E", der("80", bytes(16))) + b"\x61\x05", b"\x01\x02\x03\x04\x05" + ok))
ia = b'{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"0102","serverSigned1":"MAA=","serverSignature1":"XzcA","euiccCiPKIdToBeUsed":"BAA=","serverCertificate":"MAA="}'
failed = b'{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.2.6","reasonCode":"3.8"}}}}'
for server in (b"\x00\xc8" + ia, b"\x00\xc8" + failed, b"\x01\xf4oops"):
    put("lpa", bytes([1]) + script(b"\x01" + ok, server, ok, b"", der("BF20", der("82", b"\x02\x02\x02")) + ok, b"",
                                    der("BF2E", der("80", bytes(16))) + ok, b"", der("BF38", der("A1", der("80", b"\x01"), der("02", b"\x02"))) + ok))
put("lpa", bytes([2]) + b"\x00\xc8" + failed)
put("lpa", bytes([3]) + bytes.fromhex("BF3722BF2720800101BF2F0A800101810207800C0161060388370AA208A106800101810108"))
# scenario: the suites rspcheck ships, as written (the loader's untrusted input).
import glob as _glob
for path in sorted(_glob.glob(os.path.join(root, "suites", "*", "*.toml"))):
    with open(path, "rb") as f:
        put("scenario", f.read())
# runner_files: selector byte (0 ICS, 1 expectations, 2 journal, 3 TLS answer) + file.
put("runner_files", b"\x00" + b'role = "smdp"\nname = "x"\n[endpoints]\nserver = "smdp.example.com"\niccids = ["89999000000000000018"]\n[options]\n"curve.brp" = true\ncc = false\n')
put("runner_files", b"\x03" + bytes.fromhex("150302000202 46".replace(" ", "")))
put("runner_files", b"\x03" + bytes.fromhex("160302004a020000460302"))
put("runner_files", b"\x01" + b'[[expect]]\ncase = "SMDP.*"\nreason = "known"\nmessage = "8.1"\nlink = "https://x"\n')
put("runner_files", b"\x02" + b'{"kind":"run","schema":1,"seed":1,"dut":"smdp","selection":[],"started_at":0}\n'
    + b'{"kind":"case","id":"A.B","outcome":"verdict","verdict":"fail","reason":"x","seed":2,"duration_us":5,"steps":[{"name":"s","verdict":"fail","duration_us":1,"messages":[{"direction":"sent","interface":"ES9+","function":"f","hex":"00"}]}]}\n'
    + b'{"kind":"case","id":"C.D","outcome":"not-applicable","reason":"ICS","seed":3,"duration_us":1}\n')
# Committed seeds (self-test messages that added coverage, kept by seeds-from-run.py + merge).
seeds = os.path.join(root, "fuzz", "seeds")
for path in glob.glob(os.path.join(seeds, "*", "*")):
    put(os.path.basename(os.path.dirname(path)), open(path, "rb").read())
