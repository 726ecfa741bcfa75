/*++

Module Name:

    mh_compat.h

Abstract:

    Lets one source tree build with the WDK (MSVC) and with MinGW-w64's DDK headers (the Wine lane).
    MinGW lacks the WDK's role-type SAL annotations; they carry no code, so they expand to nothing
    here and keep their meaning for Code Analysis under the WDK.

Environment:

    Kernel mode.

--*/

#ifndef MH_COMPAT_H
#define MH_COMPAT_H

#if defined(_MSC_VER)
#include <ntifs.h>      /* ntddk.h plus ZwWaitForSingleObject */
#else
/* MinGW: <ddk/ntddk.h> includes <wdm.h> without the ddk/ prefix, so ddk/ is on the include path. */
#include <ntddk.h>
/* ZwWaitForSingleObject is declared in no MinGW DDK header. */
NTSYSAPI NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
#endif

#ifndef _Dispatch_type_
#define _Dispatch_type_(x)
#endif
#ifndef _Use_decl_annotations_
#define _Use_decl_annotations_
#endif
#ifndef _IRQL_requires_max_
#define _IRQL_requires_max_(x)
#endif
#ifndef _IRQL_requires_
#define _IRQL_requires_(x)
#endif
#ifndef _Requires_lock_held_
#define _Requires_lock_held_(x)
#endif
#ifndef _Requires_lock_not_held_
#define _Requires_lock_not_held_(x)
#endif
#ifndef _Function_class_
#define _Function_class_(x)
#endif
#ifndef PAGED_CODE
#define PAGED_CODE()
#endif

/* Non-executable non-paged pool: Windows 8 and later, which every Miracast system is. */
#define MH_POOL_TYPE NonPagedPoolNx

/* Pool tags read left to right in a debugger: MH_TAG('M','H','f','c') shows as "MHfc". */
#define MH_TAG(a, b, c, d) ((ULONG)(a) | ((ULONG)(b) << 8) | ((ULONG)(c) << 16) | ((ULONG)(d) << 24))

/* Debug output that compiles away in free builds, as the WDK samples do. */
#if DBG
#define MH_KDPRINT(...) DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, __VA_ARGS__)
#else
#define MH_KDPRINT(...) ((void)0)
#endif

/* Relative timeout in milliseconds for KeWaitFor* / KeDelayExecutionThread. */
#define MH_RELATIVE_MS(ms) (-(LONGLONG)(ms) * 10000LL)

#endif /* MH_COMPAT_H */
