#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the fuzz targets of tests/fuzz.mk:
tests/fuzz/corpus/{conf,state,audit,template}.  Run from the source tree
when a target's input format changes; the seeds are committed.  The
template seeds take the e-Certs of tests/fuzz/corpus/ecert (and openssl,
to read their public keys)."""
import os, struct, subprocess, sys

top = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(top, 'corpus')

def write(kind, name, data):
    d = os.path.join(corpus, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

# ---- conf: first byte bit 0 = pReserved form (';' separates) -------------
conf_file = b"""# hkpost-p11 configuration
backend: /usr/lib/softhsm/libsofthsm2.so
pin-policy: enforce
pin-min-length: 8
pin-max-length: 0
pin-require: upper lower digit special
lockout-attempts: 15
lockout-warn: 5
lockout-warn-label: yes
lockout-guard: 1
lockout-repeat-guard: yes
state-dir: /var/lib/hkpost-p11
audit: calls
audit-format: json
audit-file: /var/log/hkpost-p11/audit.log
audit-syslog: no
audit-journald: no
audit-failure: deny
audit-skip: C_GetSlotInfo, C_GetSessionInfo C_GetTokenInfo
labels: all
label-language: zh-Hant
label-template: {holder} ({kind} e-Cert[, {organisation}][, {mutual-recognition}], expires {expiry})
token-label: {holder} e-Cert
"""
write('conf', 'file', b'\x00' + conf_file)
write('conf', 'reserved', b'\x01audit: security; labels: hkpost; lockout-warn: 3; pin-policy: warn')
write('conf', 'zh-template', b'\x00label-language: zh-Hant\nlabel-template: {holder}\xef\xbc\x88{kind}\xe9\x9b\xbb\xe5\xad\x90\xe8\xad\x89\xe6\x9b\xb8[\xef\xbc\x8c{organisation}]\xef\xbc\x89\n')
write('conf', 'bad-key', b'\x01audit: calls; \x1b[31mnot-a-key: 1')
write('conf', 'bad-values', b'\x00lockout-attempts: 99999\npin-require: upper sideways\naudit-skip: C_Nothing\nlabel-template: {nope} [[ {{ ]]\n')
write('conf', 'crlf', b'\x00labels: off\r\naudit: off\r\n\r\n# comment\r\n')
write('conf', 'long', b'\x00state-dir: /' + b'a' * 5000 + b'\n')
write('conf', 'empty-values', b'\x01backend: ; audit-file: ;; token-label: []')

# ---- state: first byte % 8 picks the operation (READ FAIL RESET RELEASE READ),
# or begins (5, 6) or ends (7) a try; bit 3 set: the token counts, with
# byte / 16 tries left; byte / 16 % 3 is how a try ended (WRONG GOOD OTHER);
# from 128 the guard is 0
good = (b"# hkpost-p11 lockout state: wrong user PINs since the last good one.\n"
        b"# Deleting this file releases the lockout guard for this token.\n"
        b"version: 1\ntoken: SafeNet, Inc. eToken 0a1b2c3d\nfailures: 3\nreleased: 0\n"
        b"updated: 1795660376\nend\n")
for op in range(5):
    write('state', 'good-%d' % op, bytes([op]) + good)
write('state', 'released', b'\x04' + good.replace(b'released: 0', b'released: 1'))
write('state', 'no-end', b'\x01' + good.replace(b'end\n', b''))
write('state', 'after-end', b'\x01' + good + b'failures: 0\n')
write('state', 'cut', b'\x01' + good[:-3])
write('state', 'huge', b'\x01' + good.replace(b'failures: 3', b'failures: 99999999999999999999999'))
write('state', 'at-max', b'\x01' + good.replace(b'failures: 3', b'failures: 1000000'))
write('state', 'nul', b'\x00' + good.replace(b'token:', b'to\x00ken:'))
write('state', 'version-2', b'\x02' + good.replace(b'version: 1', b'version: 2'))
write('state', 'minimal', b'\x01version: 1\nfailures: 0\nend\n')
write('state', 'crlf', b'\x01' + good.replace(b'\n', b'\r\n'))
write('state', 'big', b'\x00' + good[:-4] + b'# ' + b'x' * 5000 + b'\nend\n')
pending = good.replace(b'end\n', b'pending: 2\npending-since: 1795660376\nended: 7\nend\n')
write('state', 'begin-shim', b'\x05' + good)
write('state', 'begin-token-3', b'\x3d' + pending)
write('state', 'begin-token-released', b'\x3d' + pending.replace(b'released: 0', b'released: 1'))
write('state', 'end-token-wrong', b'\x0f' + pending)
write('state', 'end-shim-good', b'\x17' + good)
write('state', 'end-shim-other', b'\x27' + pending)
write('state', 'pending-bad', b'\x05' + good.replace(b'end\n', b'pending: lots\nend\n'))
out = good.replace(b'failures: 3', b'failures: 15')
write('state', 'begin-shim-out', b'\x85' + out)
write('state', 'begin-shim-out-released', b'\x85' + out.replace(b'released: 0', b'released: 1'))
write('state', 'release-pending', b'\x03' + pending)

# ---- audit: first byte % 3 = escape, record, verifier ----------------------
texts = [b'CHAN TAI MAN (Personal e-Cert, expires 2045-06-30)',
         '陳大文（個人電子證書，2045-06-30到期）'.encode(),
         b'quote " backslash \\ tab \t newline \n cr \r nul \x00 esc \x1b del \x7f',
         b'\xc2\x85 nel \xe2\x80\xa8 ls \xe2\x80\xae rlo \xef\xbb\xbf bom \xe2\x81\xa6 lri',
         b'bad \xff \xc0\x80 overlong \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big \xe2\x82',
         b'']
for i, t in enumerate(texts):
    write('audit', 'escape-json-%d' % i, b'\x00' + bytes([200, 1]) + t)
    write('audit', 'escape-text-%d' % i, b'\x00' + bytes([200, 0]) + t)
    write('audit', 'escape-tight-%d' % i, b'\x00' + bytes([3, i & 1]) + t)
def rec(args):
    out = b'\x01' + bytes([0, 1, 1]) + struct.pack('>Q', 7) + bytes([1]) + struct.pack('>Q', 0x5e550001)
    out += struct.pack('>Q', 0xa0) + b'0a1b2c3d        '
    out += bytes([len(args)])
    for kind, key, payload in args:
        out += bytes([kind, key]) + payload
    return out
def blob(b):
    return bytes([len(b) >> 2, len(b) & 3]) + b
write('audit', 'record-labels', rec([(10, 0, blob(texts[0])), (10, 1, blob(texts[4])),
                                     (9, 2, blob(texts[2])), (11, 4, blob(b'\x01\x02\x03\x04')),
                                     (2, 6, struct.pack('>Q', 0x40)), (1, 7, struct.pack('>Q', 6))]))
write('audit', 'record-template', rec([(12, 5, bytes([3]) + struct.pack('>QQ', 3, 256) +
                                        struct.pack('>QQ', 0x102, 4) + struct.pack('>QQ', 0x80001110, 2**64 - 1))]))
write('audit', 'record-many', rec([(10, i % 9, blob(texts[i % 5] * 3)) for i in range(16)]))
log_text = (b'2026-11-26T01:32:00.000001Z seq=1 chain=host-42-1795660376000000 prev=' + b'0' * 64 +
            b' host="host" pid=42 uid=0 program="pkcs11-tool" kind=security event=C_Initialize result=CKR_OK\n')
write('audit', 'verify-text', b'\x02' + log_text)
write('audit', 'verify-json', b'\x02' + b'{"ts":"2026-11-26T01:32:00.000001Z","seq":1,"chain":"h-1-1","prev":"' + b'0' * 64 +
      b'","host":"h","pid":1,"uid":0,"program":"p","kind":"call","event":"C_GetInfo","args":{},"result":"CKR_OK"}\n')
write('audit', 'verify-garbage', b'\x02seq=2 chain=x prev=zz\n\n{"seq":\n' + b'\xff' * 10)
# Records lost as they were written: one cut short, a gap record saying so,
# a line cut in its first bytes.
def text_rec(seq, rest):
    return (b'2026-11-26T01:32:00.000001Z seq=%d chain=h-1-1 prev=' % seq + b'%064x' % seq +
            b' host="h" pid=1 uid=0 program="p" kind=' + rest + b'\n')
write('audit', 'verify-torn-text', b'\x02' + text_rec(1, b'security event=C_Login result=CKR_OK') +
      text_rec(2, b'security event=C_Sign key_label="half')[:-1] + b'\n' +
      text_rec(4, b'event event=audit-log-gap first_lost_seq=2 lost_records=2') +
      b'2026-11-26T01:3\n')
def json_rec(seq, rest):
    return (b'{"ts":"2026-11-26T01:32:00.000001Z","seq":%d,"chain":"h-1-1","prev":"' % seq +
            b'%064x' % seq + b'","host":"h","pid":1,"uid":0,"program":"p",' + rest + b'}\n')
write('audit', 'verify-torn-json', b'\x02' + json_rec(1, b'"kind":"call","event":"C_GetInfo"') +
      json_rec(2, b'"kind":"call","event":"C_GetInfo","args":{"x":1')[:-3] + b'\n' +
      json_rec(3, b'"kind":"event","event":"audit-log-gap","args":{"first_lost_seq":2,"lost_records":1}') +
      b'{"ts":"2026-\n')

# ---- template: objects and a program of calls over the mock ---------------
def pubkey(der):
    pem = subprocess.run(['openssl', 'x509', '-inform', 'DER', '-noout', '-pubkey'], input=der,
                         capture_output=True).stdout
    rsa = subprocess.run(['openssl', 'rsa', '-pubin', '-noout', '-modulus'], input=pem,
                         capture_output=True).stdout.decode()
    if rsa.startswith('Modulus='):
        return 'rsa', bytes.fromhex(rsa.strip().split('=', 1)[1])
    ec = subprocess.run(['openssl', 'pkey', '-pubin', '-outform', 'DER'], input=pem,
                        capture_output=True).stdout
    return 'ec', b'\x04' + bytes([65]) + ec[-65:]

def obj(cls, ec, ident, label, value):
    what = cls | (4 if ec else 0) | 8 | 16
    return (bytes([what, len(ident)]) + ident + bytes([len(label)]) + label +
            struct.pack('>H', len(value)) + value)

def program(odd, fail, objects, ops):
    return bytes([odd]) + bytes(fail) + bytes([len(objects)]) + b''.join(objects) + b''.join(ops)

GET_LABEL = bytes([0, 0, 0, 0x40, 0])          # op 0: object 0, 1 attr: CKA_LABEL size query
def get(objidx, attrs):
    return bytes([0, objidx, len(attrs) - 1]) + b''.join(bytes(a) for a in attrs)
FIND_LAST = bytes([3, 0, 0x28, 0])              # op 3: by the last label read, max 8
TOKEN = bytes([4])
def login(pin, logout=False):
    return bytes([5 | (0x10 if logout else 0), len(pin)]) + pin
NEWSESSION = bytes([9])

ecert = os.path.join(corpus, 'ecert')
for name in ('personal', 'org4', 'mr', 'minor', 'personal-ec', 'odd', 'other', 'malformed'):
    path = os.path.join(ecert, name + '.der')
    if not os.path.exists(path):
        continue
    der = open(path, 'rb').read()
    kind, material = pubkey(der) if name != 'malformed' else ('rsa', b'\x00' * 16)
    ident = name.encode()[:4]
    objs = [obj(0, False, ident, b'cont-' + ident, der),
            obj(1, kind == 'ec', ident, b'', material),
            obj(2, kind == 'ec', b'', b'', material)]
    ops = [get(0, [(0, 255)]), get(0, [(0x40, 0)]), FIND_LAST, get(1, [(0, 255), (2, 64), (3, 8)]),
           get(1, [(1, 255), (0, 3)]), FIND_LAST, TOKEN, login(b'wrong-pin', True),
           login(b'12345678'), get(2, [(0, 200)]), NEWSESSION, get(0, [(0, 255)]), TOKEN]
    honest = program(0, [0, 0, 0], objs, ops)
    write('template', name, honest)
    write('template', name + '-odd', program(0x80 | 0x40 | 2, [0, 0, 0], objs, ops))
    write('template', name + '-failing', program(0, [0x80, 1, 3], objs, ops))
twins = os.path.join(ecert, 'personal.der')
der = open(twins, 'rb').read()
write('template', 'twins', program(0, [0, 0, 0],
      [obj(0, False, b'\x01', b'a', der), obj(0, False, b'\x02', b'b', der),
       obj(1, False, b'\x01', b'', pubkey(der)[1])],
      [get(0, [(0, 255)]), get(1, [(0, 255)]), get(2, [(0, 255)]), FIND_LAST, TOKEN]))
print('seeds written under', corpus)
