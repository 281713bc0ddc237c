/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The order of the layers, from the application down to the token:
 *   audit    sees every call and its final result, refusals included;
 *   policy   refuses a weak new PIN before any try is spent;
 *   lockout  counts tries and holds back the last one;
 *   labels   rewrites what the token shows, near the backend so that
 *            every layer above sees the friendly names;
 *   identity names hkpost-p11 and its version in C_GetInfo.
 */
#include "config.h"
#include "core/shim.h"

extern hkp11_layer hkp11_audit_layer;
extern hkp11_layer hkp11_policy_layer;
extern hkp11_layer hkp11_lockout_layer;
extern hkp11_layer hkp11_labels_layer;
extern hkp11_layer hkp11_identity_layer;

hkp11_layer *const hkp11_layers[] = {
	&hkp11_audit_layer,  &hkp11_policy_layer,   &hkp11_lockout_layer,
	&hkp11_labels_layer, &hkp11_identity_layer, NULL,
};
