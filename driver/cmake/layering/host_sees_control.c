/* Layering probe: a host source including the control layer. Must not compile (control -> host, never back). */
#include "mh_control.h"
int mh_layering_probe;
