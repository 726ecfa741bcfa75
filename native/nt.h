// nt.h - the few ntdll entry points and NTSTATUS helpers the addon uses.
//
// Requests are issued with NtDeviceIoControlFile rather than DeviceIoControl so that a request
// failing at once still yields its NTSTATUS: for such a request Windows writes no
// IO_STATUS_BLOCK and queues no completion packet, and DeviceIoControl keeps only the Win32 code.
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <winioctl.h>
#include <winternl.h>
#include <cstdint>

extern "C" {
// Present in every ntdll since Windows XP; declared here because not every SDK's winternl.h does.
NTSTATUS NTAPI RtlGetLastNtStatus(void);
}

namespace mh {

constexpr LONG kStatusPending = 0x00000103;
constexpr LONG kStatusCancelled = static_cast<LONG>(0xC0000120);

// NT_ERROR: severity "error" (0xC...). Warnings and informational codes are not failures of the
// transfer, although only STATUS_SUCCESS-class results carry decoded data.
inline bool IsNtError(LONG status) { return static_cast<uint32_t>(status) >= 0xC0000000u; }
inline bool IsNtSuccess(LONG status) { return status >= 0; }

}  // namespace mh
