#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_objects (void)
{
	return conf_tcase_new ("objects");
}
