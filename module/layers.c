/* The order of the layers, from the application down to the token. */
#include "config.h"
#include "shim.h"

hkp11_layer *const hkp11_layers[] = {
	NULL,
};
