/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's "null" backend: a PKCS#11 module that answers at once, so
 * that what a module stacked over it costs is all that is measured.
 *
 * It keeps one token in memory with what the measured calls need: sessions,
 * objects with any attributes (certificates carry CKA_LABEL, CKA_ID,
 * CKA_VALUE...), find, random and sign.  Sign returns a fixed pattern: the
 * point is the call, not the signature.
 *
 * The hot path takes no lock: a session is used by one thread at a time (the
 * PKCS#11 rule), objects are only appended, and their count is published
 * with release/acquire.  Creating, destroying and opening take one mutex.
 */
#include "config.h"
#include "p11/p11.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NULL_EXPORT __attribute__ ((visibility ("default")))

#define NULL_SLOT 7 /* not 0, so a caller that assumes slot 0 is caught */
#define MAX_SESSIONS 1024
#define MAX_OBJECTS 65536
#define HANDLE_BASE 0x1000 /* object handles are HANDLE_BASE + index */
#define DEFAULT_SIG_LEN 256

typedef struct {
	CK_ATTRIBUTE_TYPE type;
	CK_ULONG len;
	unsigned char *value;
} null_attr;

typedef struct {
	int destroyed;           /* atomic */
	CK_SESSION_HANDLE owner; /* 0 for a token object */
	bool private_obj;
	CK_OBJECT_CLASS klass;
	CK_ULONG n_attrs;
	null_attr *attrs;
} null_object;

typedef struct {
	int open; /* atomic */
	CK_FLAGS flags;
	bool finding;
	CK_ATTRIBUTE *find_tmpl; /* one allocation: the array, then the values */
	CK_ULONG find_n;
	CK_ULONG find_cursor;
	bool signing;
	CK_ULONG sig_len;
	uint64_t rng;
} null_session;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;    /* atomic */
static int user_logged_in; /* atomic; the token's login state, shared by sessions */
static null_session sessions[MAX_SESSIONS];
static null_object *objects[MAX_OBJECTS];
static CK_ULONG n_objects; /* published with release */
static char user_pin[64] = "12345678";
static char so_pin[64] = "87654321";

static CK_FUNCTION_LIST functions;

static void
pad (CK_UTF8CHAR *dst, const char *src, size_t len)
{
	size_t n = strlen (src);
	memset (dst, ' ', len);
	memcpy (dst, src, n < len ? n : len);
}

static bool
is_initialized (void)
{
	return __atomic_load_n (&initialized, __ATOMIC_ACQUIRE) != 0;
}

static null_session *
session_get (CK_SESSION_HANDLE h)
{
	if (h == 0 || h > MAX_SESSIONS)
		return NULL;
	null_session *s = &sessions[h - 1];
	return __atomic_load_n (&s->open, __ATOMIC_ACQUIRE) ? s : NULL;
}

#define SESSION_OR_RETURN(s, h) \
	if (!is_initialized ()) \
		return CKR_CRYPTOKI_NOT_INITIALIZED; \
	null_session *s = session_get (h); \
	if (s == NULL) \
		return CKR_SESSION_HANDLE_INVALID;

static bool
visible (const null_object *o)
{
	if (o == NULL || __atomic_load_n (&o->destroyed, __ATOMIC_ACQUIRE))
		return false;
	return !o->private_obj || __atomic_load_n (&user_logged_in, __ATOMIC_ACQUIRE);
}

static null_object *
object_get (CK_OBJECT_HANDLE h)
{
	CK_ULONG n = __atomic_load_n (&n_objects, __ATOMIC_ACQUIRE);
	if (h < HANDLE_BASE || h - HANDLE_BASE >= n)
		return NULL;
	null_object *o = objects[h - HANDLE_BASE];
	return visible (o) ? o : NULL;
}

static const null_attr *
object_attr (const null_object *o, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < o->n_attrs; i++) {
		if (o->attrs[i].type == type)
			return &o->attrs[i];
	}
	return NULL;
}

static bool
attr_true (const null_object *o, CK_ATTRIBUTE_TYPE type, bool dflt)
{
	const null_attr *a = object_attr (o, type);
	if (a == NULL || a->len != sizeof (CK_BBOOL))
		return dflt;
	return *(CK_BBOOL *)a->value != CK_FALSE;
}

static void
object_free (null_object *o)
{
	if (o == NULL)
		return;
	for (CK_ULONG i = 0; i < o->n_attrs; i++)
		free (o->attrs[i].value);
	free (o->attrs);
	free (o);
}

/* ---- General ---------------------------------------------------------- */

static CK_RV
null_C_Initialize (CK_VOID_PTR init_args)
{
	CK_C_INITIALIZE_ARGS *args = init_args;
	if (args != NULL) {
		int n = (args->CreateMutex != NULL) + (args->DestroyMutex != NULL) +
			(args->LockMutex != NULL) + (args->UnlockMutex != NULL);
		if ((n != 0 && n != 4) || args->pReserved != NULL)
			return CKR_ARGUMENTS_BAD;
	}
	CK_RV rv = CKR_OK;
	pthread_mutex_lock (&lock);
	if (is_initialized ())
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	else
		__atomic_store_n (&initialized, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock (&lock);
	return rv;
}

static void
session_clear_unlocked (null_session *s)
{
	free (s->find_tmpl);
	memset (s, 0, sizeof *s);
}

static void
destroy_session_objects_unlocked (CK_SESSION_HANDLE h)
{
	for (CK_ULONG i = 0; i < n_objects; i++) {
		if (objects[i] && objects[i]->owner == h)
			__atomic_store_n (&objects[i]->destroyed, 1, __ATOMIC_RELEASE);
	}
}

static CK_RV
null_C_Finalize (CK_VOID_PTR reserved)
{
	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = CKR_OK;
	pthread_mutex_lock (&lock);
	if (!is_initialized ()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		goto out;
	}
	/* Session objects go with their sessions; token objects stay, as on
	 * a real token.  Objects are never freed: a racing reader may hold one. */
	for (CK_SESSION_HANDLE h = 1; h <= MAX_SESSIONS; h++) {
		if (sessions[h - 1].open) {
			destroy_session_objects_unlocked (h);
			session_clear_unlocked (&sessions[h - 1]);
		}
	}
	__atomic_store_n (&user_logged_in, 0, __ATOMIC_RELEASE);
	__atomic_store_n (&initialized, 0, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock (&lock);
	return rv;
}

static CK_RV
null_C_GetInfo (CK_INFO_PTR info)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad (info->manufacturerID, "hkpost-p11 benchmark", sizeof info->manufacturerID);
	pad (info->libraryDescription, "null backend", sizeof info->libraryDescription);
	info->libraryVersion.major = 1;
	return CKR_OK;
}

static CK_RV
null_C_GetSlotList (CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list != NULL) {
		if (*count < 1) {
			*count = 1;
			return CKR_BUFFER_TOO_SMALL;
		}
		list[0] = NULL_SLOT;
	}
	*count = 1;
	return CKR_OK;
}

static CK_RV
null_C_GetSlotInfo (CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != NULL_SLOT)
		return CKR_SLOT_ID_INVALID;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	pad (info->slotDescription, "null backend slot", sizeof info->slotDescription);
	pad (info->manufacturerID, "hkpost-p11 benchmark", sizeof info->manufacturerID);
	info->flags = CKF_TOKEN_PRESENT | CKF_HW_SLOT;
	return CKR_OK;
}

static CK_RV
null_C_GetTokenInfo (CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != NULL_SLOT)
		return CKR_SLOT_ID_INVALID;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset (info, 0, sizeof *info);
	pad (info->label, "null-p11", sizeof info->label);
	pad (info->manufacturerID, "hkpost-p11 benchmark", sizeof info->manufacturerID);
	pad (info->model, "null", sizeof info->model);
	pad ((CK_UTF8CHAR *)info->serialNumber, "NULLP11BENCH0001", sizeof info->serialNumber);
	info->flags =
		CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
	info->ulMaxSessionCount = MAX_SESSIONS;
	info->ulMaxRwSessionCount = MAX_SESSIONS;
	info->ulSessionCount = CK_UNAVAILABLE_INFORMATION;
	info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
	info->ulMaxPinLen = 32;
	info->ulMinPinLen = 4;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion.major = 1;
	info->firmwareVersion.major = 1;
	return CKR_OK;
}

static const CK_MECHANISM_TYPE mechanisms[] = { CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS };

static CK_RV
null_C_GetMechanismList (CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	const CK_ULONG n = sizeof mechanisms / sizeof mechanisms[0];
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != NULL_SLOT)
		return CKR_SLOT_ID_INVALID;
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list != NULL) {
		if (*count < n) {
			*count = n;
			return CKR_BUFFER_TOO_SMALL;
		}
		memcpy (list, mechanisms, sizeof mechanisms);
	}
	*count = n;
	return CKR_OK;
}

static CK_RV
null_C_GetMechanismInfo (CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != NULL_SLOT)
		return CKR_SLOT_ID_INVALID;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	for (size_t i = 0; i < sizeof mechanisms / sizeof mechanisms[0]; i++) {
		if (mechanisms[i] == type) {
			info->ulMinKeySize = 1024;
			info->ulMaxKeySize = 4096;
			info->flags = CKF_HW | CKF_SIGN;
			return CKR_OK;
		}
	}
	return CKR_MECHANISM_INVALID;
}

/* ---- Sessions and login ------------------------------------------------ */

static CK_RV
null_C_OpenSession (CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
		    CK_SESSION_HANDLE_PTR out)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != NULL_SLOT)
		return CKR_SLOT_ID_INVALID;
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	CK_RV rv = CKR_SESSION_COUNT;
	pthread_mutex_lock (&lock);
	for (CK_SESSION_HANDLE h = 1; h <= MAX_SESSIONS; h++) {
		null_session *s = &sessions[h - 1];
		if (s->open)
			continue;
		memset (s, 0, sizeof *s);
		s->flags = flags;
		s->rng = 0x9e3779b97f4a7c15ULL ^ h;
		__atomic_store_n (&s->open, 1, __ATOMIC_RELEASE);
		*out = h;
		rv = CKR_OK;
		break;
	}
	pthread_mutex_unlock (&lock);
	return rv;
}

static CK_RV
null_C_CloseSession (CK_SESSION_HANDLE h)
{
	SESSION_OR_RETURN (s, h);
	pthread_mutex_lock (&lock);
	destroy_session_objects_unlocked (h);
	session_clear_unlocked (s);
	pthread_mutex_unlock (&lock);
	return CKR_OK;
}

static CK_RV
null_C_CloseAllSessions (CK_SLOT_ID slot)
{
	if (!is_initialized ())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (slot != NULL_SLOT)
		return CKR_SLOT_ID_INVALID;
	pthread_mutex_lock (&lock);
	for (CK_SESSION_HANDLE h = 1; h <= MAX_SESSIONS; h++) {
		if (sessions[h - 1].open) {
			destroy_session_objects_unlocked (h);
			session_clear_unlocked (&sessions[h - 1]);
		}
	}
	__atomic_store_n (&user_logged_in, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock (&lock);
	return CKR_OK;
}

static CK_RV
null_C_GetSessionInfo (CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	SESSION_OR_RETURN (s, h);
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	bool rw = (s->flags & CKF_RW_SESSION) != 0;
	bool user = __atomic_load_n (&user_logged_in, __ATOMIC_ACQUIRE) != 0;
	info->slotID = NULL_SLOT;
	info->flags = s->flags;
	info->ulDeviceError = 0;
	if (user)
		info->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	else
		info->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	return CKR_OK;
}

static bool
pin_equals (const char *want, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	return pin != NULL && strlen (want) == len && memcmp (want, pin, len) == 0;
}

static CK_RV
null_C_Login (CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	SESSION_OR_RETURN (s, h);
	(void)s;
	if (type != CKU_USER && type != CKU_SO)
		return CKR_USER_TYPE_INVALID;
	if (__atomic_load_n (&user_logged_in, __ATOMIC_ACQUIRE))
		return CKR_USER_ALREADY_LOGGED_IN;
	if (!pin_equals (type == CKU_USER ? user_pin : so_pin, pin, len))
		return CKR_PIN_INCORRECT;
	/* The SO needs no state here: only InitPIN checks it, loosely. */
	if (type == CKU_USER)
		__atomic_store_n (&user_logged_in, 1, __ATOMIC_RELEASE);
	return CKR_OK;
}

static CK_RV
null_C_Logout (CK_SESSION_HANDLE h)
{
	SESSION_OR_RETURN (s, h);
	(void)s;
	if (!__atomic_exchange_n (&user_logged_in, 0, __ATOMIC_ACQ_REL))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

static CK_RV
set_pin (char *dst, size_t size, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if (len < 4 || len > 32 || len >= size)
		return CKR_PIN_LEN_RANGE;
	pthread_mutex_lock (&lock);
	memcpy (dst, pin, len);
	dst[len] = '\0';
	pthread_mutex_unlock (&lock);
	return CKR_OK;
}

static CK_RV
null_C_InitPIN (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	SESSION_OR_RETURN (s, h);
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	return set_pin (user_pin, sizeof user_pin, pin, len);
}

static CK_RV
null_C_SetPIN (CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
	       CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{
	SESSION_OR_RETURN (s, h);
	if (!(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (!pin_equals (user_pin, old_pin, old_len))
		return CKR_PIN_INCORRECT;
	return set_pin (user_pin, sizeof user_pin, new_pin, new_len);
}

/* ---- Objects ------------------------------------------------------------ */

static CK_RV
null_C_CreateObject (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
		     CK_OBJECT_HANDLE_PTR out)
{
	SESSION_OR_RETURN (s, h);
	if ((tmpl == NULL && count > 0) || out == NULL)
		return CKR_ARGUMENTS_BAD;

	null_object *o = calloc (1, sizeof *o);
	if (o == NULL)
		return CKR_HOST_MEMORY;
	o->attrs = calloc (count ? count : 1, sizeof *o->attrs);
	if (o->attrs == NULL) {
		free (o);
		return CKR_HOST_MEMORY;
	}
	bool has_class = false;
	for (CK_ULONG i = 0; i < count; i++) {
		if (tmpl[i].pValue == NULL && tmpl[i].ulValueLen > 0) {
			object_free (o);
			return CKR_ATTRIBUTE_VALUE_INVALID;
		}
		null_attr *a = &o->attrs[o->n_attrs++];
		a->type = tmpl[i].type;
		a->len = tmpl[i].ulValueLen;
		a->value = malloc (a->len ? a->len : 1);
		if (a->value == NULL) {
			object_free (o);
			return CKR_HOST_MEMORY;
		}
		if (a->len)
			memcpy (a->value, tmpl[i].pValue, a->len);
		if (a->type == CKA_CLASS && a->len == sizeof (CK_OBJECT_CLASS)) {
			memcpy (&o->klass, a->value, sizeof o->klass);
			has_class = true;
		}
	}
	if (!has_class) {
		object_free (o);
		return CKR_TEMPLATE_INCOMPLETE;
	}
	bool token = attr_true (o, CKA_TOKEN, false);
	o->private_obj = attr_true (o, CKA_PRIVATE,
				    o->klass == CKO_PRIVATE_KEY || o->klass == CKO_SECRET_KEY);
	o->owner = token ? 0 : h;
	if (token && !(s->flags & CKF_RW_SESSION)) {
		object_free (o);
		return CKR_SESSION_READ_ONLY;
	}
	if (o->private_obj && !__atomic_load_n (&user_logged_in, __ATOMIC_ACQUIRE)) {
		object_free (o);
		return CKR_USER_NOT_LOGGED_IN;
	}

	CK_RV rv = CKR_OK;
	pthread_mutex_lock (&lock);
	if (n_objects >= MAX_OBJECTS) {
		rv = CKR_DEVICE_MEMORY;
	} else {
		objects[n_objects] = o;
		*out = HANDLE_BASE + n_objects;
		__atomic_store_n (&n_objects, n_objects + 1, __ATOMIC_RELEASE);
		o = NULL;
	}
	pthread_mutex_unlock (&lock);
	object_free (o);
	return rv;
}

static CK_RV
null_C_DestroyObject (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh)
{
	SESSION_OR_RETURN (s, h);
	null_object *o = object_get (oh);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (o->owner == 0 && !(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	/* Marked, never freed: another thread may be reading it right now. */
	__atomic_store_n (&o->destroyed, 1, __ATOMIC_RELEASE);
	return CKR_OK;
}

static CK_RV
null_C_GetObjectSize (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ULONG_PTR size)
{
	SESSION_OR_RETURN (s, h);
	(void)s;
	null_object *o = object_get (oh);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (size == NULL)
		return CKR_ARGUMENTS_BAD;
	*size = 0;
	for (CK_ULONG i = 0; i < o->n_attrs; i++)
		*size += o->attrs[i].len;
	return CKR_OK;
}

static bool
attr_sensitive (const null_object *o, CK_ATTRIBUTE_TYPE type)
{
	if (o->klass != CKO_PRIVATE_KEY && o->klass != CKO_SECRET_KEY)
		return false;
	if (!attr_true (o, CKA_SENSITIVE, true) && attr_true (o, CKA_EXTRACTABLE, false))
		return false;
	switch (type) {
	case CKA_VALUE:
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
		return true;
	default:
		return false;
	}
}

/* Every attribute is processed; the worst outcome is returned, as the
 * specification asks. */
static CK_RV
null_C_GetAttributeValue (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR tmpl,
			  CK_ULONG count)
{
	SESSION_OR_RETURN (s, h);
	(void)s;
	null_object *o = object_get (oh);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = CKR_OK;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE *t = &tmpl[i];
		const null_attr *a = object_attr (o, t->type);
		if (a == NULL) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_ATTRIBUTE_TYPE_INVALID;
		} else if (attr_sensitive (o, t->type)) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_ATTRIBUTE_SENSITIVE;
		} else if (t->pValue == NULL) {
			t->ulValueLen = a->len;
		} else if (t->ulValueLen < a->len) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = CKR_BUFFER_TOO_SMALL;
		} else {
			memcpy (t->pValue, a->value, a->len);
			t->ulValueLen = a->len;
		}
	}
	return rv;
}

static CK_RV
null_C_SetAttributeValue (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE_PTR tmpl,
			  CK_ULONG count)
{
	/* Values are read without a lock on the hot path, so they never change
	 * in place; nothing the benchmark measures needs this. */
	SESSION_OR_RETURN (s, h);
	(void)s;
	return object_get (oh) ? CKR_ATTRIBUTE_READ_ONLY : CKR_OBJECT_HANDLE_INVALID;
}

static CK_RV
null_C_FindObjectsInit (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	SESSION_OR_RETURN (s, h);
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	if (s->finding)
		return CKR_OPERATION_ACTIVE;
	size_t size = count * sizeof (CK_ATTRIBUTE);
	for (CK_ULONG i = 0; i < count; i++) {
		if (tmpl[i].pValue == NULL && tmpl[i].ulValueLen > 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		size += tmpl[i].ulValueLen;
	}
	CK_ATTRIBUTE *copy = malloc (size ? size : 1);
	if (copy == NULL)
		return CKR_HOST_MEMORY;
	unsigned char *values = (unsigned char *)(copy + count);
	for (CK_ULONG i = 0; i < count; i++) {
		copy[i].type = tmpl[i].type;
		copy[i].ulValueLen = tmpl[i].ulValueLen;
		copy[i].pValue = values;
		if (tmpl[i].ulValueLen)
			memcpy (values, tmpl[i].pValue, tmpl[i].ulValueLen);
		values += tmpl[i].ulValueLen;
	}
	s->find_tmpl = copy;
	s->find_n = count;
	s->find_cursor = 0;
	s->finding = true;
	return CKR_OK;
}

static bool
matches (const null_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		const null_attr *a = object_attr (o, tmpl[i].type);
		if (a == NULL || a->len != tmpl[i].ulValueLen ||
		    (a->len && memcmp (a->value, tmpl[i].pValue, a->len) != 0))
			return false;
	}
	return true;
}

static CK_RV
null_C_FindObjects (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR found)
{
	SESSION_OR_RETURN (s, h);
	if (!s->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	if ((out == NULL && max > 0) || found == NULL)
		return CKR_ARGUMENTS_BAD;
	CK_ULONG n = __atomic_load_n (&n_objects, __ATOMIC_ACQUIRE);
	CK_ULONG got = 0;
	while (got < max && s->find_cursor < n) {
		const null_object *o = objects[s->find_cursor];
		if (visible (o) && (o->owner == 0 || o->owner == h) &&
		    matches (o, s->find_tmpl, s->find_n))
			out[got++] = HANDLE_BASE + s->find_cursor;
		s->find_cursor++;
	}
	*found = got;
	return CKR_OK;
}

static CK_RV
null_C_FindObjectsFinal (CK_SESSION_HANDLE h)
{
	SESSION_OR_RETURN (s, h);
	if (!s->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	free (s->find_tmpl);
	s->find_tmpl = NULL;
	s->finding = false;
	return CKR_OK;
}

/* ---- Sign and random ---------------------------------------------------- */

static CK_RV
null_C_SignInit (CK_SESSION_HANDLE h, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE key)
{
	SESSION_OR_RETURN (s, h);
	if (mech == NULL)
		return CKR_ARGUMENTS_BAD;
	if (s->signing)
		return CKR_OPERATION_ACTIVE;
	if (mech->mechanism != CKM_RSA_PKCS && mech->mechanism != CKM_SHA256_RSA_PKCS)
		return CKR_MECHANISM_INVALID;
	null_object *o = object_get (key);
	if (o == NULL)
		return CKR_KEY_HANDLE_INVALID;
	if (o->klass != CKO_PRIVATE_KEY || !attr_true (o, CKA_SIGN, true))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	const null_attr *modulus = object_attr (o, CKA_MODULUS);
	s->sig_len = modulus && modulus->len ? modulus->len : DEFAULT_SIG_LEN;
	s->signing = true;
	return CKR_OK;
}

static CK_RV
null_C_Sign (CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG data_len, CK_BYTE_PTR sig,
	     CK_ULONG_PTR sig_len)
{
	SESSION_OR_RETURN (s, h);
	if (!s->signing)
		return CKR_OPERATION_NOT_INITIALIZED;
	if ((data == NULL && data_len > 0) || sig_len == NULL) {
		s->signing = false;
		return CKR_ARGUMENTS_BAD;
	}
	/* A size query and a short buffer leave the operation active. */
	if (sig == NULL) {
		*sig_len = s->sig_len;
		return CKR_OK;
	}
	if (*sig_len < s->sig_len) {
		*sig_len = s->sig_len;
		return CKR_BUFFER_TOO_SMALL;
	}
	memset (sig, 0x5a, s->sig_len);
	*sig_len = s->sig_len;
	s->signing = false;
	return CKR_OK;
}

static CK_RV
null_C_SeedRandom (CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	SESSION_OR_RETURN (s, h);
	if (seed == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < len; i++)
		s->rng = (s->rng ^ seed[i]) * 0x100000001b3ULL;
	return CKR_OK;
}

/* xorshift64: cheap, and not meant to be random in any serious sense. */
static CK_RV
null_C_GenerateRandom (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	SESSION_OR_RETURN (s, h);
	if (out == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	uint64_t x = s->rng;
	for (CK_ULONG i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		CK_ULONG n = len - i < 8 ? len - i : 8;
		memcpy (out + i, &x, n);
	}
	s->rng = x;
	return CKR_OK;
}

/* ---- The function list -------------------------------------------------- */

#define UNSUPPORTED(kind, name, params, args) \
	static CK_RV unsupported_##name params \
	{ \
		return CKR_FUNCTION_NOT_SUPPORTED; \
	}
HKP11_FUNCTIONS_2_40 (UNSUPPORTED)
#undef UNSUPPORTED

static CK_RV null_C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list);

/* Stubs first, then the calls implemented here: one place lists them. */
__attribute__ ((constructor)) static void
null_fill_functions (void)
{
#define STUB(kind, name, params, args) functions.name = unsupported_##name;
	HKP11_FUNCTIONS_2_40 (STUB)
#undef STUB
	functions.version.major = 2;
	functions.version.minor = 40;
#define IMPLEMENTED(name) functions.name = null_##name
	IMPLEMENTED (C_Initialize);
	IMPLEMENTED (C_Finalize);
	IMPLEMENTED (C_GetInfo);
	IMPLEMENTED (C_GetFunctionList);
	IMPLEMENTED (C_GetSlotList);
	IMPLEMENTED (C_GetSlotInfo);
	IMPLEMENTED (C_GetTokenInfo);
	IMPLEMENTED (C_GetMechanismList);
	IMPLEMENTED (C_GetMechanismInfo);
	IMPLEMENTED (C_InitPIN);
	IMPLEMENTED (C_SetPIN);
	IMPLEMENTED (C_OpenSession);
	IMPLEMENTED (C_CloseSession);
	IMPLEMENTED (C_CloseAllSessions);
	IMPLEMENTED (C_GetSessionInfo);
	IMPLEMENTED (C_Login);
	IMPLEMENTED (C_Logout);
	IMPLEMENTED (C_CreateObject);
	IMPLEMENTED (C_DestroyObject);
	IMPLEMENTED (C_GetObjectSize);
	IMPLEMENTED (C_GetAttributeValue);
	IMPLEMENTED (C_SetAttributeValue);
	IMPLEMENTED (C_FindObjectsInit);
	IMPLEMENTED (C_FindObjects);
	IMPLEMENTED (C_FindObjectsFinal);
	IMPLEMENTED (C_SignInit);
	IMPLEMENTED (C_Sign);
	IMPLEMENTED (C_SeedRandom);
	IMPLEMENTED (C_GenerateRandom);
#undef IMPLEMENTED
}

static CK_RV
null_C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &functions;
	return CKR_OK;
}

NULL_EXPORT CK_RV
C_GetFunctionList (CK_FUNCTION_LIST_PTR_PTR list)
{
	return null_C_GetFunctionList (list);
}
