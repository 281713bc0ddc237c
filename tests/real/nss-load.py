# SPDX-License-Identifier: BSD-3-Clause
"""An NSS client loading a PKCS#11 module with module parameters, as
Firefox and Thunderbird load one from a module spec: NSS hands the
parameters string to the module's C_Initialize in pReserved.

    python3 nss-load.py MODULE PARAMETERS-FILE
initialises NSS without a database, loads MODULE with the parameters read
from PARAMETERS-FILE (so that their length is not bound by the command
line), and prints "loaded N slots" or "not loaded".  Exits 0 either way,
2 when NSS itself fails; a crash of the host is what the caller checks for.
"""

import ctypes
import ctypes.util
import sys


class SECMODModule(ctypes.Structure):
    # Only the head of NSS's SECMODModule (secmodt.h), stable since NSS 3:
    # arena, internal, loaded, isFIPS, dllName, commonName, library,
    # functionList, refLock, refCount, slots, slotCount.
    _fields_ = [("arena", ctypes.c_void_p), ("internal", ctypes.c_int),
                ("loaded", ctypes.c_int), ("isFIPS", ctypes.c_int),
                ("dllName", ctypes.c_char_p), ("commonName", ctypes.c_char_p),
                ("library", ctypes.c_void_p), ("functionList", ctypes.c_void_p),
                ("refLock", ctypes.c_void_p), ("refCount", ctypes.c_int),
                ("slots", ctypes.c_void_p), ("slotCount", ctypes.c_int)]


def main():
    module, params_file = sys.argv[1], sys.argv[2]
    with open(params_file, "rb") as f:
        params = f.read().rstrip(b"\n")
    if b'"' in params or b"\\" in params:
        print("nss-load: the parameters may hold neither quotes nor backslashes")
        return 2
    nss = ctypes.CDLL(ctypes.util.find_library("nss3") or "libnss3.so")
    nss.NSS_NoDB_Init.argtypes = [ctypes.c_char_p]
    nss.SECMOD_LoadUserModule.restype = ctypes.POINTER(SECMODModule)
    nss.SECMOD_LoadUserModule.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    nss.SECMOD_UnloadUserModule.argtypes = [ctypes.POINTER(SECMODModule)]
    nss.SECMOD_DestroyModule.argtypes = [ctypes.POINTER(SECMODModule)]
    if nss.NSS_NoDB_Init(None) != 0:
        print("nss-load: NSS_NoDB_Init failed")
        return 2
    spec = b'library="' + module.encode() + b'" name="hkpost-p11" parameters="' + params + b'"'
    mod = nss.SECMOD_LoadUserModule(spec, None, 0)
    if not mod:
        print("nss-load: SECMOD_LoadUserModule returned NULL")
        return 2
    if mod.contents.loaded:
        print("loaded %d slots" % mod.contents.slotCount)
        nss.SECMOD_UnloadUserModule(mod)
    else:
        print("not loaded")
    nss.SECMOD_DestroyModule(mod)
    nss.NSS_Shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
