#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_digest (void)
{
	return conf_tcase_new ("digest");
}
