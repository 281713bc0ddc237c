# SPDX-License-Identifier: BSD-3-Clause
"""What a Firefox or Thunderbird user does with a security device, as
privileged (chrome) JavaScript run through Marionette: the calls behind
Settings > Privacy & Security > Security Devices and Certificates.

Every helper takes a marionette.Gecko already in the chrome context.
"""

import json
import time

from marionette import MarionetteError

# The token is found by module name, as the Security Devices window lists it.
_FIND_TOKEN = """
// What the user would read for an NSS failure, e.g. "The password is invalid".
function nssError(e) {
    try {
        const svc = Cc["@mozilla.org/nss_errors_service;1"].getService(Ci.nsINSSErrorsService);
        return svc.getErrorMessage(e.result) || String(e);
    } catch (_) {
        return String(e);
    }
}
const mdb = Cc["@mozilla.org/security/pkcs11moduledb;1"].getService(Ci.nsIPKCS11ModuleDB);
async function findModule(name) {
    for (const m of await mdb.listModules())
        if (m.name == name)
            return m;
    return null;
}
async function findToken(name) {
    const m = await findModule(name);
    if (!m)
        throw new Error("no security device named " + name);
    for (const s of m.slots) {
        const t = s.getToken();
        if (t.hasPassword)
            return t;
    }
    throw new Error(name + " shows no token that needs a password");
}
"""


def add_module(g, name, path):
    """Settings > Security Devices > Load.  Returns the device as listed:
    {name, libName, slots: [{name, status, tokenName}]}."""
    return g.execute(_FIND_TOKEN + """
const [name, path] = arguments;
await mdb.addModule(name, path, 0, 0);
const m = await findModule(name);
if (!m)
    return null;
return {name: m.name, libName: m.libName,
        slots: m.slots.map(s => ({name: s.name, status: s.status, tokenName: s.tokenName}))};
""", [name, path])


def token_state(g, name):
    return g.execute(_FIND_TOKEN + """
const t = await findToken(arguments[0]);
return {tokenName: t.tokenName, isLoggedIn: t.isLoggedIn, hasPassword: t.hasPassword,
        manufacturer: t.tokenManID, serial: t.tokenSerialNumber};
""", [name])


def _answer_dialogs(pins):
    """JS that answers the next password dialogs with pins in turn, then
    cancels; each dialog's text is recorded in st.prompts."""
    return """
const pins = %s;
const st = {prompts: [], done: false, error: null, result: null};
window.__hkp11_state = st;
const obs = {
    observe(win, topic) {
        const doc = win.document;
        st.prompts.push(doc.getElementById("infoBody").textContent);
        const dialog = doc.getElementById("commonDialog");
        if (st.prompts.length <= pins.length) {
            doc.getElementById("password1Textbox").value = pins[st.prompts.length - 1];
            dialog.acceptDialog();
        } else {
            dialog.cancelDialog();
        }
    },
};
Services.obs.addObserver(obs, "common-dialog-loaded");
function finish() {
    Services.obs.removeObserver(obs, "common-dialog-loaded");
    st.done = true;
}
""" % json.dumps(list(pins))


def _wait_state(g, timeout):
    # The dialog is modal: the call that opens it runs in a nested event
    # loop, and Marionette ends a script that opens a prompt.  So the call
    # is dispatched from one script and its outcome polled by others.
    # A poll that lands while a dialog is still open (between its load and
    # its answer) is refused by Marionette: poll again.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            st = g.execute("const st = window.__hkp11_state; return st && st.done ? st : null;")
        except MarionetteError as e:
            if "unexpected alert open" not in str(e):
                raise
            st = None
        if st:
            return st
        time.sleep(0.1)
    raise TimeoutError("the password dialog flow did not finish within %ds" % timeout)


def login(g, name, pins, timeout=30):
    """Logs in to the device's token the way Firefox asks for it: its own
    password dialog, answered with pins in turn (and cancelled after the
    last).  Returns {prompts, error, isLoggedIn}."""
    g.execute(_FIND_TOKEN + "const t = await findToken(arguments[0]);\n" +
              _answer_dialogs(pins) + """
Services.tm.dispatchToMainThread(() => {
    try {
        t.login(false);
    } catch (e) {
        st.error = nssError(e);
    } finally {
        st.isLoggedIn = t.isLoggedIn;
        finish();
    }
});
return true;
""", [name])
    return _wait_state(g, timeout)


def logout(g, name):
    g.execute(_FIND_TOKEN + "(await findToken(arguments[0])).logout(); return true;", [name])


def change_password(g, name, old, new):
    """Settings > Security Devices > Change Password.  Returns None when
    the token took the new password, else the error text."""
    return g.execute(_FIND_TOKEN + """
const [name, oldPin, newPin] = arguments;
const t = await findToken(name);
try {
    t.changePassword(oldPin, newPin);
    return null;
} catch (e) {
    return nssError(e);
}
""", [name, old, new])


def certs(g, token_name):
    """The certificates Certificate Manager lists for the token."""
    return g.execute("""
const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
return (await certdb.getCerts()).filter(c => c.tokenName == arguments[0]).map(c => ({
    displayName: c.displayName, subjectName: c.subjectName, commonName: c.commonName,
    tokenName: c.tokenName, emailAddress: c.emailAddress, serialNumber: c.serialNumber,
    dbKey: c.dbKey}));
""", [token_name])


def trust_ca(g, pem_path, trust="C,,"):
    """Certificate Manager > Authorities > Import, trusted for websites."""
    with open(pem_path, encoding="ascii") as f:
        lines = f.read().strip().splitlines()
    b64 = "".join(line for line in lines if not line.startswith("-----"))
    return g.execute("""
const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
return certdb.addCertFromBase64(arguments[0], arguments[1]).subjectName;
""", [b64, trust])


def smime_sign(g, cert_db_key, sender, recipient, subject, text, out_path):
    """Thunderbird only: signs a message the way its composer does at send
    time (nsIMsgComposeSecure, the S/MIME encoder behind "Digitally Sign
    This Message"), with an identity whose signing certificate is the
    token's.  Writes the finished multipart/signed message to out_path."""
    return g.execute("""
const [dbKey, sender, recipient, subject, text, out] = arguments;
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const { FileUtils } = ChromeUtils.importESModule("resource://gre/modules/FileUtils.sys.mjs");
const identity = MailServices.accounts.createIdentity();
identity.email = sender;
identity.setCharAttribute("signing_cert_dbkey", dbKey);
identity.signMail = true;
const secure = Cc["@mozilla.org/messengercompose/composesecure;1"]
    .createInstance(Ci.nsIMsgComposeSecure);
secure.signMessage = true;
secure.requireEncryptMessage = false;
const fields = Cc["@mozilla.org/messengercompose/composefields;1"]
    .createInstance(Ci.nsIMsgCompFields);
fields.from = sender;
fields.to = recipient;
fields.composeSecure = secure;
if (!secure.requiresCryptoEncapsulation(identity, fields))
    return "Thunderbird sees nothing to sign";
const report = Cc["@mozilla.org/messengercompose/sendreport;1"]
    .createInstance(Ci.nsIMsgSendReport);
const headers = "From: " + sender + "\\r\\nTo: " + recipient + "\\r\\nSubject: " + subject +
    "\\r\\nMIME-Version: 1.0\\r\\n";
const stream = FileUtils.openFileOutputStream(new FileUtils.File(out));
try {
    stream.write(headers, headers.length);
    secure.beginCryptoEncapsulation(stream, recipient, fields, headers, identity, report, false);
    const body = "Content-Type: text/plain; charset=UTF-8\\r\\n\\r\\n" + text + "\\r\\n";
    secure.mimeCryptoWriteBlock(body, body.length);
    secure.finishCryptoEncapsulation(false, report);
} finally {
    stream.close();
}
return null;
""", [cert_db_key, sender, recipient, subject, text, out_path])
