/* Layering probe: a control source including the host's internals. Must not compile (control sees the host's API only). */
#include "mh_host_state.h"
int mh_layering_probe;
