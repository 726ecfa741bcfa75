/*++

Module Name:

    mh_kernel.h

Abstract:

    The kernel headers every layer of the driver builds on, for both toolchains: the WDK (MSVC)
    and MinGW-w64's DDK headers (the Wine lane). MinGW lacks the WDK's role-type SAL annotations;
    they carry no code, so they expand to nothing here and keep their meaning for Code Analysis
    under the WDK.

    Part of the DDI layer (driver/ddi): every other layer may include it; it includes nothing of
    theirs.

Environment:

    Kernel mode.

--*/

#ifndef MH_KERNEL_H
#define MH_KERNEL_H

#if defined(_MSC_VER)
#include <ntifs.h>      /* ntddk.h plus ZwWaitForSingleObject, ObOpenObjectByPointer, ZwSetSecurityObject */
#else
/* MinGW: <ddk/ntddk.h> includes <wdm.h> without the ddk/ prefix, so ddk/ is on the include path. */
#include <ntddk.h>
/* Declared in no MinGW DDK header (ntifs.h declares them under the WDK). */
NTSYSAPI NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
NTSYSAPI NTSTATUS NTAPI ZwSetSecurityObject(HANDLE Handle, SECURITY_INFORMATION SecurityInformation,
                                            PSECURITY_DESCRIPTOR SecurityDescriptor);
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

/*
 * The interrupt time, in 100 ns units since boot: trace stamps, deadlines and the DDI watchdog all
 * read this one clock.
 *   - WDK: KeQueryInterruptTime, the WDK's inline load from KUSER_SHARED_DATA.
 *   - MinGW (the Wine lane): the same inline load, at the kernel address, is memory Wine does not
 *     map; it faults, and Wine's ntoskrnl emulates it in a vectored handler: a signal and an
 *     exception dispatch per call. One per traced event kept about half of winedevice's dispatch
 *     thread in that handler (perf, 256 sends in flight) and capped every client of the device.
 *     KeQueryPerformanceCounter reads the same monotonic clock there with no fault (at 10 MHz, so
 *     the scaling is exact); user-mode QueryInterruptTime reads it too, so the UMD host's trace
 *     still merges with this one (test/umd-host.test.ts checks it).
 */
#if defined(_MSC_VER)
#define MhInterruptTime() KeQueryInterruptTime()
#else
FORCEINLINE ULONG64 MhInterruptTime(VOID)
{
    LARGE_INTEGER frequency;
    LARGE_INTEGER counter = KeQueryPerformanceCounter(&frequency);
    ULONG64 hz = (ULONG64)frequency.QuadPart;
    ULONG64 ticks = (ULONG64)counter.QuadPart;

    return (ticks / hz) * 10000000ULL + (ticks % hz) * 10000000ULL / hz;
}
#endif

#endif /* MH_KERNEL_H */
