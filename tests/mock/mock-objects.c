/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's objects: create, copy, destroy, find, and attributes with the
 * spec's rules for C_GetAttributeValue (every attribute processed; size
 * query; CKR_BUFFER_TOO_SMALL, CKR_ATTRIBUTE_SENSITIVE and
 * CKR_ATTRIBUTE_TYPE_INVALID with CK_UNAVAILABLE_INFORMATION; the first such
 * error is returned).
 *
 * Private objects (private and secret keys unless CKA_PRIVATE says otherwise)
 * are visible only while the user is logged in.  Session objects are visible
 * to every session of their slot and die with the session that made them.
 */
#include "config.h"
#include "mock.h"

#include <stdlib.h>
#include <string.h>

static CK_OBJECT_HANDLE next_object = MOCK_OBJECT_BASE;

mock_object *
mock_object_new (CK_SLOT_ID slot, CK_SESSION_HANDLE session)
{
	for (int i = 0; i < MOCK_MAX_OBJECTS; i++) {
		mock_object *o = &mock.objects[i];
		if (o->used)
			continue;
		memset (o, 0, sizeof *o);
		o->used = true;
		o->handle = next_object;
		next_object += 2;
		o->slot = slot;
		o->session = session;
		return o;
	}
	return NULL;
}

void
mock_object_free (mock_object *o)
{
	for (size_t i = 0; i < o->n_attrs; i++)
		free (o->attrs[i].value);
	memset (o, 0, sizeof *o);
}

void
mock_objects_clear_session (CK_SESSION_HANDLE session)
{
	for (int i = 0; i < MOCK_MAX_OBJECTS; i++) {
		if (mock.objects[i].used && mock.objects[i].session == session)
			mock_object_free (&mock.objects[i]);
	}
}

void
mock_objects_clear_token (CK_SLOT_ID slot, bool builtin_too)
{
	for (int i = 0; i < MOCK_MAX_OBJECTS; i++) {
		mock_object *o = &mock.objects[i];
		if (!o->used)
			continue;
		if (slot == 0 ||
		    (o->slot == slot && o->session == 0 && (builtin_too || !o->builtin)))
			mock_object_free (o);
	}
}

const mock_attr *
mock_attr_find (const mock_object *o, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < o->n_attrs; i++) {
		if (o->attrs[i].type == type)
			return &o->attrs[i];
	}
	return NULL;
}

bool
mock_attr_set (mock_object *o, CK_ATTRIBUTE_TYPE type, const void *value, CK_ULONG len)
{
	mock_attr *a = (mock_attr *)mock_attr_find (o, type);
	unsigned char *copy = NULL;

	if (a == NULL) {
		if (o->n_attrs == MOCK_MAX_OBJ_ATTRS)
			return false;
		a = &o->attrs[o->n_attrs++];
		a->type = type;
	}
	if (len > 0) {
		copy = malloc (len);
		memcpy (copy, value, len);
	}
	free (a->value);
	a->value = copy;
	a->len = len;
	return true;
}

bool
mock_attr_set_ulong (mock_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG value)
{
	return mock_attr_set (o, type, &value, sizeof value);
}

bool
mock_attr_bool (const mock_object *o, CK_ATTRIBUTE_TYPE type, bool fallback)
{
	const mock_attr *a = mock_attr_find (o, type);
	return a && a->len == 1 ? a->value[0] != 0 : fallback;
}

CK_ULONG
mock_attr_ulong (const mock_object *o, CK_ATTRIBUTE_TYPE type, CK_ULONG fallback)
{
	const mock_attr *a = mock_attr_find (o, type);
	CK_ULONG v = fallback;
	if (a && a->len == sizeof v)
		memcpy (&v, a->value, sizeof v);
	return v;
}

static bool
is_key_class (CK_OBJECT_CLASS klass)
{
	return klass == CKO_PRIVATE_KEY || klass == CKO_SECRET_KEY;
}

bool
mock_attr_sensitive (const mock_object *o, CK_ATTRIBUTE_TYPE type)
{
	if (!is_key_class (mock_attr_ulong (o, CKA_CLASS, CK_UNAVAILABLE_INFORMATION)))
		return false;
	if (!mock_attr_bool (o, CKA_SENSITIVE, true) && mock_attr_bool (o, CKA_EXTRACTABLE, true))
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
	}
	return false;
}

static CK_ULONG
expected_len (CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_TOKEN:
	case CKA_PRIVATE:
	case CKA_MODIFIABLE:
	case CKA_SENSITIVE:
	case CKA_EXTRACTABLE:
	case CKA_SIGN:
	case CKA_VERIFY:
	case CKA_ENCRYPT:
	case CKA_DECRYPT:
	case CKA_WRAP:
	case CKA_UNWRAP:
	case CKA_DERIVE:
	case CKA_COPYABLE:
	case CKA_DESTROYABLE:
	case CKA_TRUSTED:
	case CKA_LOCAL:
		return sizeof (CK_BBOOL);
	case CKA_CLASS:
	case CKA_KEY_TYPE:
	case CKA_CERTIFICATE_TYPE:
	case CKA_HW_FEATURE_TYPE:
	case CKA_MODULUS_BITS:
	case CKA_VALUE_LEN:
		return sizeof (CK_ULONG);
	}
	return 0; /* any */
}

static bool
is_read_only (CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_CLASS:
	case CKA_TOKEN:
	case CKA_PRIVATE:
	case CKA_KEY_TYPE:
	case CKA_CERTIFICATE_TYPE:
	case CKA_HW_FEATURE_TYPE:
	case CKA_MODULUS:
	case CKA_PUBLIC_EXPONENT:
	case CKA_MODULUS_BITS:
	case CKA_VALUE_LEN:
	case CKA_LOCAL:
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
	case CKA_KEY_GEN_MECHANISM:
	case CKA_MODIFIABLE:
	case CKA_COPYABLE:
		return true;
	}
	return false;
}

CK_RV
mock_template_apply (mock_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG count, bool creating)
{
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	/* Check everything first: a template applies whole or not at all. */
	for (CK_ULONG i = 0; i < count; i++) {
		const CK_ATTRIBUTE *a = &tmpl[i];
		CK_ULONG need = expected_len (a->type);
		if (a->pValue == NULL && a->ulValueLen != 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		if (need != 0 && a->ulValueLen != need)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		for (CK_ULONG j = 0; j < i; j++) {
			if (tmpl[j].type == a->type)
				return CKR_TEMPLATE_INCONSISTENT;
		}
		if (creating)
			continue;
		if (is_read_only (a->type) || !mock_attr_bool (o, CKA_MODIFIABLE, true))
			return CKR_ATTRIBUTE_READ_ONLY;
		/* Once sensitive or unextractable, always so. */
		if (a->type == CKA_SENSITIVE && mock_attr_bool (o, CKA_SENSITIVE, false) &&
		    !*(const CK_BBOOL *)a->pValue)
			return CKR_ATTRIBUTE_READ_ONLY;
		if (a->type == CKA_EXTRACTABLE && !mock_attr_bool (o, CKA_EXTRACTABLE, true) &&
		    *(const CK_BBOOL *)a->pValue)
			return CKR_ATTRIBUTE_READ_ONLY;
	}
	for (CK_ULONG i = 0; i < count; i++) {
		if (!mock_attr_set (o, tmpl[i].type, tmpl[i].pValue, tmpl[i].ulValueLen))
			return CKR_DEVICE_MEMORY;
	}
	return CKR_OK;
}

/* Whether session s may have this object as a token or private one. */
CK_RV
mock_object_check_access (const mock_session *s, const mock_object *o)
{
	if (mock_attr_bool (o, CKA_TOKEN, false) && !(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (mock_attr_bool (o, CKA_PRIVATE, false) && mock_session_token (s)->login != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

mock_object *
mock_object_get (const mock_session *s, CK_OBJECT_HANDLE h)
{
	for (int i = 0; i < MOCK_MAX_OBJECTS; i++) {
		mock_object *o = &mock.objects[i];
		if (!o->used || o->handle != h || o->slot != s->slot)
			continue;
		/* A private object does not exist for a session not logged in. */
		if (mock_attr_bool (o, CKA_PRIVATE, false) &&
		    mock_session_token (s)->login != CKU_USER)
			return NULL;
		return o;
	}
	return NULL;
}

/* Defaults and checks shared by creating, copying and generating. */
CK_RV
mock_object_finish (const mock_session *s, mock_object *o)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS klass = mock_attr_ulong (o, CKA_CLASS, CK_UNAVAILABLE_INFORMATION);
	bool ok = true;

	if (mock_attr_find (o, CKA_CLASS) == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	/* Feature objects belong to the token, not to applications. */
	if (klass == CKO_HW_FEATURE)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (mock_attr_find (o, CKA_TOKEN) == NULL)
		ok &= mock_attr_set (o, CKA_TOKEN, &no, 1);
	if (mock_attr_find (o, CKA_PRIVATE) == NULL)
		ok &= mock_attr_set (o, CKA_PRIVATE, is_key_class (klass) ? &yes : &no, 1);
	if (mock_attr_find (o, CKA_MODIFIABLE) == NULL)
		ok &= mock_attr_set (o, CKA_MODIFIABLE, &yes, 1);
	if (is_key_class (klass) && mock_attr_find (o, CKA_SENSITIVE) == NULL)
		ok &= mock_attr_set (o, CKA_SENSITIVE, klass == CKO_PRIVATE_KEY ? &yes : &no, 1);
	if (!ok)
		return CKR_DEVICE_MEMORY;
	CK_RV rv = mock_object_check_access (s, o);
	o->session = mock_attr_bool (o, CKA_TOKEN, false) ? 0 : s->handle;
	return rv;
}

CK_RV
mock_impl_C_CreateObject (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count,
			  CK_OBJECT_HANDLE_PTR object)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_object *o;

	if (s == NULL)
		return rv;
	if (object == NULL || (tmpl == NULL && count > 0))
		return CKR_ARGUMENTS_BAD;
	o = mock_object_new (s->slot, h);
	if (o == NULL)
		return CKR_DEVICE_MEMORY;
	rv = mock_template_apply (o, tmpl, count, true);
	if (rv == CKR_OK)
		rv = mock_object_finish (s, o);
	if (rv != CKR_OK) {
		mock_object_free (o);
		return rv;
	}
	*object = o->handle;
	return CKR_OK;
}

CK_RV
mock_impl_C_CopyObject (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE from, CK_ATTRIBUTE_PTR tmpl,
			CK_ULONG count, CK_OBJECT_HANDLE_PTR object)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_object *src, *o;

	if (s == NULL)
		return rv;
	src = mock_object_get (s, from);
	if (src == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (object == NULL || (tmpl == NULL && count > 0))
		return CKR_ARGUMENTS_BAD;
	if (src->builtin || !mock_attr_bool (src, CKA_COPYABLE, true))
		return CKR_ACTION_PROHIBITED;
	/* A copy may change where it lives and who sees it, not what it is. */
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE_TYPE t = tmpl[i].type;
		if (is_read_only (t) && t != CKA_TOKEN && t != CKA_PRIVATE && t != CKA_MODIFIABLE &&
		    t != CKA_COPYABLE)
			return CKR_ATTRIBUTE_READ_ONLY;
	}
	o = mock_object_new (s->slot, h);
	if (o == NULL)
		return CKR_DEVICE_MEMORY;
	rv = CKR_OK;
	for (size_t i = 0; i < src->n_attrs && rv == CKR_OK; i++) {
		if (!mock_attr_set (o, src->attrs[i].type, src->attrs[i].value, src->attrs[i].len))
			rv = CKR_DEVICE_MEMORY;
	}
	if (rv == CKR_OK)
		rv = mock_template_apply (o, tmpl, count, true);
	if (rv == CKR_OK)
		rv = mock_object_finish (s, o);
	if (rv != CKR_OK) {
		mock_object_free (o);
		return rv;
	}
	*object = o->handle;
	return CKR_OK;
}

CK_RV
mock_impl_C_DestroyObject (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_object *o;

	if (s == NULL)
		return rv;
	o = mock_object_get (s, handle);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (o->builtin || !mock_attr_bool (o, CKA_DESTROYABLE, true))
		return CKR_ACTION_PROHIBITED;
	rv = mock_object_check_access (s, o);
	if (rv != CKR_OK)
		return rv;
	mock_object_free (o);
	return CKR_OK;
}

CK_RV
mock_impl_C_GetObjectSize (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle, CK_ULONG_PTR size)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_object *o;

	if (s == NULL)
		return rv;
	o = mock_object_get (s, handle);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (size == NULL)
		return CKR_ARGUMENTS_BAD;
	*size = 0;
	for (size_t i = 0; i < o->n_attrs; i++)
		*size += o->attrs[i].len + 2 * sizeof (CK_ULONG);
	return CKR_OK;
}
