/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's attribute calls and object search.
 */
#include "config.h"
#include "mock.h"

#include <string.h>

CK_RV
mock_impl_C_GetAttributeValue (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle, CK_ATTRIBUTE_PTR tmpl,
			       CK_ULONG count)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	const mock_object *o;

	if (s == NULL)
		return rv;
	/* A retry counter read now, as a token answers: another process
	 * sharing the token (MOCK_P11_STATE) may have spent tries since. */
	mock_state_load (mock_session_token (s));
	o = mock_object_get (s, handle);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;

	/* Every attribute is processed; the first error is the answer. */
	rv = CKR_OK;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE *t = &tmpl[i];
		const mock_attr *a = mock_attr_find (o, t->type);
		CK_RV err = CKR_OK;
		if (a == NULL)
			err = CKR_ATTRIBUTE_TYPE_INVALID;
		else if (mock_attr_sensitive (o, t->type))
			err = CKR_ATTRIBUTE_SENSITIVE;
		else if (t->pValue == NULL)
			t->ulValueLen = mock_size_answer (a->len);
		else if (t->ulValueLen < a->len)
			err = CKR_BUFFER_TOO_SMALL;
		else {
			if (a->len > 0)
				memcpy (t->pValue, a->value, a->len);
			t->ulValueLen = a->len;
		}
		if (err != CKR_OK) {
			t->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv == CKR_OK)
				rv = err;
		}
	}
	return rv;
}

CK_RV
mock_impl_C_SetAttributeValue (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle, CK_ATTRIBUTE_PTR tmpl,
			       CK_ULONG count)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	mock_object *o;

	if (s == NULL)
		return rv;
	o = mock_object_get (s, handle);
	if (o == NULL)
		return CKR_OBJECT_HANDLE_INVALID;
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	if (o->builtin)
		return CKR_ATTRIBUTE_READ_ONLY;
	rv = mock_object_check_access (s, o);
	if (rv != CKR_OK)
		return rv;
	return mock_template_apply (o, tmpl, count, false);
}

static bool
matches (const mock_object *o, const CK_ATTRIBUTE *tmpl, CK_ULONG count)
{
	for (CK_ULONG i = 0; i < count; i++) {
		const mock_attr *a = mock_attr_find (o, tmpl[i].type);
		if (a == NULL || a->len != tmpl[i].ulValueLen)
			return false;
		if (a->len > 0 && memcmp (a->value, tmpl[i].pValue, a->len) != 0)
			return false;
	}
	return true;
}

CK_RV
mock_impl_C_FindObjectsInit (CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	if (tmpl == NULL && count > 0)
		return CKR_ARGUMENTS_BAD;
	if (s->finding)
		return CKR_OPERATION_ACTIVE;
	for (CK_ULONG i = 0; i < count; i++) {
		if (tmpl[i].pValue == NULL && tmpl[i].ulValueLen != 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	s->n_found = s->found_pos = 0;
	for (int i = 0; i < MOCK_MAX_OBJECTS; i++) {
		const mock_object *o = &mock.objects[i];
		/* mock_object_get applies the visibility rules. */
		if (o->used && mock_object_get (s, o->handle) == o && matches (o, tmpl, count))
			s->found[s->n_found++] = o->handle;
	}
	s->finding = true;
	return CKR_OK;
}

CK_RV
mock_impl_C_FindObjects (CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max,
			 CK_ULONG_PTR count)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);
	CK_ULONG n = 0;

	if (s == NULL)
		return rv;
	if (!s->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	if (objects == NULL || count == NULL)
		return CKR_ARGUMENTS_BAD;
	while (n < max && s->found_pos < s->n_found)
		objects[n++] = s->found[s->found_pos++];
	*count = n;
	return CKR_OK;
}

CK_RV
mock_impl_C_FindObjectsFinal (CK_SESSION_HANDLE h)
{
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	if (!s->finding)
		return CKR_OPERATION_NOT_INITIALIZED;
	s->finding = false;
	s->n_found = s->found_pos = 0;
	return CKR_OK;
}
