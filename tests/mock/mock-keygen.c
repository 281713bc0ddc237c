/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mock's key generation: RSA key pairs whose halves share a random
 * modulus (which is all the mock's signatures need) and AES keys with a
 * random value; and the random number calls.
 */
#include "config.h"
#include "mock.h"

#include <string.h>

/* A new object with the caller's template first, then what the mechanism
 * decides (the class, the key type, the values it generated). */
static CK_RV
generate (mock_session *s, const CK_ATTRIBUTE *tmpl, CK_ULONG count, const CK_ATTRIBUTE *fixed,
	  size_t n_fixed, mock_object **out)
{
	mock_object *o = mock_object_new (s->slot, s->handle);
	CK_RV rv;

	if (o == NULL)
		return CKR_DEVICE_MEMORY;
	rv = mock_template_apply (o, tmpl, count, true);
	for (size_t i = 0; rv == CKR_OK && i < n_fixed; i++) {
		if (!mock_attr_set (o, fixed[i].type, fixed[i].pValue, fixed[i].ulValueLen))
			rv = CKR_DEVICE_MEMORY;
	}
	if (rv == CKR_OK)
		rv = mock_object_finish (s, o);
	if (rv != CKR_OK) {
		mock_object_free (o);
		return rv;
	}
	*out = o;
	return CKR_OK;
}

static CK_ULONG
template_ulong (const CK_ATTRIBUTE *tmpl, CK_ULONG count, CK_ATTRIBUTE_TYPE type, CK_ULONG fallback)
{
	for (CK_ULONG i = 0; tmpl != NULL && i < count; i++) {
		if (tmpl[i].type == type && tmpl[i].pValue != NULL &&
		    tmpl[i].ulValueLen == sizeof (CK_ULONG))
			return *(const CK_ULONG *)tmpl[i].pValue;
	}
	return fallback;
}

CK_RV
mock_impl_C_GenerateKeyPair (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub_tmpl,
			     CK_ULONG pub_count, CK_ATTRIBUTE_PTR priv_tmpl, CK_ULONG priv_count,
			     CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv)
{
	static const CK_BYTE exponent[] = { 0x01, 0x00, 0x01 };
	CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY, priv_class = CKO_PRIVATE_KEY;
	CK_KEY_TYPE rsa = CKK_RSA;
	CK_MECHANISM_TYPE how = CKM_RSA_PKCS_KEY_PAIR_GEN;
	CK_BBOOL yes = CK_TRUE;
	unsigned char modulus[512], private_exponent[512];
	mock_object *pub_obj = NULL, *priv_obj = NULL;
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	if (m == NULL || pub == NULL || priv == NULL || (pub_tmpl == NULL && pub_count > 0) ||
	    (priv_tmpl == NULL && priv_count > 0))
		return CKR_ARGUMENTS_BAD;
	if (m->mechanism != CKM_RSA_PKCS_KEY_PAIR_GEN)
		return CKR_MECHANISM_INVALID;
	CK_ULONG bits = template_ulong (pub_tmpl, pub_count, CKA_MODULUS_BITS, 2048);
	if (bits < 1024 || bits > 4096 || bits % 8 != 0)
		return CKR_KEY_SIZE_RANGE;
	mock_random (modulus, bits / 8);
	mock_random (private_exponent, bits / 8);
	modulus[0] |= 0x80;
	modulus[bits / 8 - 1] |= 1;

	CK_ATTRIBUTE pub_fixed[] = {
		{ CKA_CLASS, &pub_class, sizeof pub_class },
		{ CKA_KEY_TYPE, &rsa, sizeof rsa },
		{ CKA_MODULUS, modulus, bits / 8 },
		{ CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, (void *)exponent, sizeof exponent },
		{ CKA_LOCAL, &yes, 1 },
		{ CKA_KEY_GEN_MECHANISM, &how, sizeof how },
	};
	CK_ATTRIBUTE priv_fixed[] = {
		{ CKA_CLASS, &priv_class, sizeof priv_class },
		{ CKA_KEY_TYPE, &rsa, sizeof rsa },
		{ CKA_MODULUS, modulus, bits / 8 },
		{ CKA_PUBLIC_EXPONENT, (void *)exponent, sizeof exponent },
		{ CKA_PRIVATE_EXPONENT, private_exponent, bits / 8 },
		{ CKA_LOCAL, &yes, 1 },
		{ CKA_KEY_GEN_MECHANISM, &how, sizeof how },
	};
	rv = generate (s, pub_tmpl, pub_count, pub_fixed, sizeof pub_fixed / sizeof pub_fixed[0],
		       &pub_obj);
	if (rv != CKR_OK)
		return rv;
	rv = generate (s, priv_tmpl, priv_count, priv_fixed,
		       sizeof priv_fixed / sizeof priv_fixed[0], &priv_obj);
	if (rv != CKR_OK) {
		mock_object_free (pub_obj);
		return rv;
	}
	*pub = pub_obj->handle;
	*priv = priv_obj->handle;
	return CKR_OK;
}

CK_RV
mock_impl_C_GenerateKey (CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR tmpl,
			 CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	CK_OBJECT_CLASS klass = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES;
	CK_MECHANISM_TYPE how = CKM_AES_KEY_GEN;
	CK_BBOOL yes = CK_TRUE;
	unsigned char value[32];
	mock_object *o = NULL;
	CK_RV rv;
	mock_session *s = mock_session_get (h, &rv);

	if (s == NULL)
		return rv;
	if (m == NULL || key == NULL || (tmpl == NULL && count > 0))
		return CKR_ARGUMENTS_BAD;
	if (m->mechanism != CKM_AES_KEY_GEN)
		return CKR_MECHANISM_INVALID;
	CK_ULONG len = template_ulong (tmpl, count, CKA_VALUE_LEN, 32);
	if (len != 16 && len != 24 && len != 32)
		return CKR_KEY_SIZE_RANGE;
	mock_random (value, len);
	CK_ATTRIBUTE fixed[] = {
		{ CKA_CLASS, &klass, sizeof klass },
		{ CKA_KEY_TYPE, &aes, sizeof aes },
		{ CKA_VALUE, value, len },
		{ CKA_VALUE_LEN, &len, sizeof len },
		{ CKA_LOCAL, &yes, 1 },
		{ CKA_KEY_GEN_MECHANISM, &how, sizeof how },
	};
	rv = generate (s, tmpl, count, fixed, sizeof fixed / sizeof fixed[0], &o);
	if (rv == CKR_OK)
		*key = o->handle;
	return rv;
}

CK_RV
mock_impl_C_GenerateRandom (CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	CK_RV rv;
	if (mock_session_get (h, &rv) == NULL)
		return rv;
	if (out == NULL && len > 0)
		return CKR_ARGUMENTS_BAD;
	mock_random (out, len);
	return CKR_OK;
}

CK_RV
mock_impl_C_SeedRandom (CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	CK_RV rv;
	if (mock_session_get (h, &rv) == NULL)
		return rv;
	return seed == NULL && len > 0 ? CKR_ARGUMENTS_BAD : CKR_OK;
}
