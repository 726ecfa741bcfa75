/* Layering probe: the minimal example miniport including the project's contract. Must not compile
   (it sees the system's headers only). */
#include "miracast_hil_ioctl.h"
int mh_layering_probe;
