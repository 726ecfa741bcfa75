/*
 * dispmprt.h for scripts/check-msvc.sh: the WDK build includes the real <dispmprt.h> (mh_ddi.h with
 * MH_USE_WDK_DISPMPRT, and a vendor's own #include <dispmprt.h>). The check has no WDK, so it takes
 * the project's declarations of the same types (driver/ddi/mh_ddi_decls.h, written with the WDK's
 * names and x64 layout), and the sources are checked through the WDK branch of mh_ddi.h.
 */
#ifndef MHC_DISPMPRT_H
#define MHC_DISPMPRT_H
/* MHC_DDI_DECLS: that header's path in the driver/ being checked (scripts/check-msvc.sh sets it). */
#include MHC_DDI_DECLS
#endif
