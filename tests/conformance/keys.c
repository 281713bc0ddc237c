#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_keys (void)
{
	return conf_tcase_new ("keys");
}
