// system.h - what `miracast-hil doctor` asks the machine (see system.cc).
#pragma once
#include <napi.h>

namespace mh {
// systemInfo(): { wine, elevated, codeIntegrity, graphicsDrivers, adapters }. Synchronous: every
// call it makes returns at once (no I/O that can pend).
Napi::Value SystemInfo(const Napi::CallbackInfo& info);
}
