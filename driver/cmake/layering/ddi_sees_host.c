/* Layering probe: the DDI layer including the host. Must not compile (DDI types depend on nothing). */
#include "mh_host.h"
int mh_layering_probe;
