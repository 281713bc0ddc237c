#include "config.h"
#include "conformance.h"

TCase *
conf_tcase_wrap (void)
{
	return conf_tcase_new ("wrap");
}
