/*++

Module Name:

    mh_ddi.h

Abstract:

    The DDI layer's one header: the kernel headers and the WDDM display-miniport types (DxgkInitialize,
    DRIVER_INITIALIZATION_DATA, DXGKRNL_INTERFACE, the child and Miracast types). A miniport, the
    host and the control layer all see the DDI through it and nothing else.

      - WDK lane (MSVC, MH_USE_WDK_DISPMPRT): the real <dispmprt.h>, with DXGKDDI_INTERFACE_VERSION
        set by the build (WDDM 1.3).
      - Wine lane (MinGW-w64, which has no display headers): the project's own declarations with
        the WDK's names and x64 layout (mh_ddi_decls.h).

    A vendor's miniport may include <dispmprt.h> as it always does: in the Wine lane the build puts
    driver/ddi/mingw on its include path, whose dispmprt.h includes this header.

Environment:

    Kernel mode.

--*/

#ifndef MH_DDI_H
#define MH_DDI_H

#include "mh_kernel.h"

#if defined(MH_USE_WDK_DISPMPRT)
#include <dispmprt.h>
#else
#include "mh_ddi_decls.h"
#endif

#endif /* MH_DDI_H */
