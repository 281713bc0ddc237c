#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_arguments (void)
{
	return conf_tcase_new ("arguments");
}
