/* Layering probe: a miniport source including the control layer. Must not compile. */
#include "mh_control.h"
int mh_layering_probe;
