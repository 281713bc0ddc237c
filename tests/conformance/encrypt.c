#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_encrypt (void)
{
	return conf_tcase_new ("encrypt");
}
