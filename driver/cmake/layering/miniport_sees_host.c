/* Layering probe: a miniport source including the host's API. Must not compile (miniport -> DDI only). */
#include "mh_host.h"
int mh_layering_probe;
