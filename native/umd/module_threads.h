// module_threads.h - what is left of a UMD after DestroyMiracastContext: its threads and its
// image. Used only by the control thread, after Destroy and before and after FreeLibrary.
#pragma once

#include <windows.h>
#include <cstdint>
#include <set>
#include <vector>

namespace mh::umd {

// The image's address range, from its PE header.
bool ModuleRange(HMODULE module, uintptr_t* base, uintptr_t* end);

// Threads of this process still running that belong to the UMD: those whose start address lies
// in [base, end), and those in `callers` (threads that called a callback and are not the host's).
std::vector<DWORD> UmdThreadsAlive(uintptr_t base, uintptr_t end, const std::set<DWORD>& callers,
                                   const std::set<DWORD>& host);

// Whether a thread id still names a running thread of this process.
bool ThreadAlive(DWORD tid);

// True when nothing is mapped at the image's base any more (the DLL really unloaded).
bool ImageGone(uintptr_t base);

}  // namespace mh::umd
