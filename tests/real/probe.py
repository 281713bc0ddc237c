# SPDX-License-Identifier: BSD-3-Clause
"""Whether the built module understands a setting: C_Initialize with the
setting in pReserved, the way NSS passes module parameters and p11-kit
passes x-init-reserved.  The shim refuses a key no layer owns with
CKR_ARGUMENTS_BAD, so a scenario can check a layer only when the module
has it.

    python3 probe.py MODULE "key: value"
exits 0 when the module takes the setting, 1 when it refuses it, 2 on
any other failure (printed).
"""

import ctypes
import sys

CKR_OK = 0
CKR_ARGUMENTS_BAD = 7
CKF_OS_LOCKING_OK = 2

CK_RV = ctypes.c_ulong


class InitArgs(ctypes.Structure):
    _fields_ = [("CreateMutex", ctypes.c_void_p), ("DestroyMutex", ctypes.c_void_p),
                ("LockMutex", ctypes.c_void_p), ("UnlockMutex", ctypes.c_void_p),
                ("flags", ctypes.c_ulong), ("pReserved", ctypes.c_char_p)]


class FunctionList(ctypes.Structure):
    # Only the head of CK_FUNCTION_LIST: the version, then C_Initialize,
    # C_Finalize in that order.
    _fields_ = [("major", ctypes.c_ubyte), ("minor", ctypes.c_ubyte),
                ("C_Initialize", ctypes.CFUNCTYPE(CK_RV, ctypes.c_void_p)),
                ("C_Finalize", ctypes.CFUNCTYPE(CK_RV, ctypes.c_void_p))]


def main():
    module, setting = sys.argv[1], sys.argv[2]
    lib = ctypes.CDLL(module)
    flist = ctypes.POINTER(FunctionList)()
    rv = lib.C_GetFunctionList(ctypes.byref(flist))
    if rv != CKR_OK:
        print("probe: C_GetFunctionList: 0x%x" % rv)
        return 2
    args = InitArgs(flags=CKF_OS_LOCKING_OK, pReserved=setting.encode("utf-8"))
    rv = flist.contents.C_Initialize(ctypes.cast(ctypes.byref(args), ctypes.c_void_p))
    if rv == CKR_OK:
        flist.contents.C_Finalize(None)
        return 0
    if rv == CKR_ARGUMENTS_BAD:
        return 1
    print("probe: C_Initialize: 0x%x" % rv)
    return 2


if __name__ == "__main__":
    sys.exit(main())
