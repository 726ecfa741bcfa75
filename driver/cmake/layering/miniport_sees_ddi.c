/* Layering probe: a miniport source sees the DDI layer and the contract. Must compile. */
#include "mh_ddi.h"
#include "miracast_hil_ioctl.h"
int mh_layering_probe;
