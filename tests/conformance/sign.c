#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_sign (void)
{
	return conf_tcase_new ("sign");
}
