// status.h - the NTSTATUS values the UMD host returns or reports. Where the documentation only
// says a call "fails" (MiracastIoControl from another thread during Stop), the choice is written
// here once and listed in docs/contract.md.
#pragma once

#include <windows.h>

namespace mh::umd {

constexpr LONG kStatusWait0 = 0x00000000;
constexpr LONG kStatusTimeout = 0x00000102;
constexpr LONG kStatusInvalidParameter = static_cast<LONG>(0xC000000D);
constexpr LONG kStatusInvalidHandle = static_cast<LONG>(0xC0000008);
constexpr LONG kStatusInstanceNotAvailable = static_cast<LONG>(0xC00000AB);
constexpr LONG kStatusIoTimeout = static_cast<LONG>(0xC00000B5);
constexpr LONG kStatusNotSupported = static_cast<LONG>(0xC00000BB);
constexpr LONG kStatusDllNotFound = static_cast<LONG>(0xC0000135);
constexpr LONG kStatusEntrypointNotFound = static_cast<LONG>(0xC0000139);
constexpr LONG kStatusInvalidDeviceState = static_cast<LONG>(0xC0000184);
constexpr LONG kStatusInvalidBufferSize = static_cast<LONG>(0xC0000206);
constexpr LONG kStatusConnectionReset = static_cast<LONG>(0xC000020D);
constexpr LONG kStatusCancelled = static_cast<LONG>(0xC0000120);

// MiracastIoControl from a thread other than the Stop/Destroy thread while the session stops
// (the documentation: such calls "fail"). STATUS_INVALID_DEVICE_STATE, as the harness answers a
// request the session's state does not allow.
constexpr LONG kStatusIoControlDuringStop = kStatusInvalidDeviceState;
// Callbacks after DestroyMiracastContext, or with no kernel context: the session is gone
// (what GetNextChunkData documents for a destroyed session).
constexpr LONG kStatusSessionGone = kStatusInstanceNotAvailable;
// A data-rate registration twice, or an unregistration with nothing registered.
constexpr LONG kStatusDataRateTwice = kStatusInvalidParameter;

}  // namespace mh::umd
