// module_threads.cc - see module_threads.h.
#include "module_threads.h"
#include "../nt.h"
#include <tlhelp32.h>

namespace mh::umd {

namespace {
constexpr int kThreadQuerySetWin32StartAddress = 9;   // THREADINFOCLASS value

uintptr_t ThreadStartAddress(HANDLE thread) {
  PVOID start = nullptr;
  NTSTATUS status = NtQueryInformationThread(thread, static_cast<THREADINFOCLASS>(kThreadQuerySetWin32StartAddress),
                                             &start, sizeof(start), nullptr);
  return status >= 0 ? reinterpret_cast<uintptr_t>(start) : 0;
}
}  // namespace

bool ModuleRange(HMODULE module, uintptr_t* base, uintptr_t* end) {
  auto dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(module);
  if (dos == nullptr || dos->e_magic != IMAGE_DOS_SIGNATURE) return false;
  auto nt = reinterpret_cast<const IMAGE_NT_HEADERS*>(reinterpret_cast<const uint8_t*>(module) + dos->e_lfanew);
  if (nt->Signature != IMAGE_NT_SIGNATURE) return false;
  *base = reinterpret_cast<uintptr_t>(module);
  *end = *base + nt->OptionalHeader.SizeOfImage;
  return true;
}

bool ThreadAlive(DWORD tid) {
  HANDLE thread = OpenThread(SYNCHRONIZE, FALSE, tid);
  if (thread == nullptr) return false;
  bool alive = WaitForSingleObject(thread, 0) == WAIT_TIMEOUT;
  CloseHandle(thread);
  return alive;
}

std::vector<DWORD> UmdThreadsAlive(uintptr_t base, uintptr_t end, const std::set<DWORD>& callers,
                                   const std::set<DWORD>& host) {
  std::vector<DWORD> alive;
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0);
  if (snapshot == INVALID_HANDLE_VALUE) return alive;
  THREADENTRY32 entry{};
  entry.dwSize = sizeof(entry);
  DWORD self = GetCurrentProcessId();
  for (BOOL more = Thread32First(snapshot, &entry); more; more = Thread32Next(snapshot, &entry)) {
    if (entry.th32OwnerProcessID != self || host.count(entry.th32ThreadID) != 0) continue;
    HANDLE thread = OpenThread(THREAD_QUERY_INFORMATION | SYNCHRONIZE, FALSE, entry.th32ThreadID);
    if (thread == nullptr) continue;
    bool running = WaitForSingleObject(thread, 0) == WAIT_TIMEOUT;
    uintptr_t start = ThreadStartAddress(thread);
    CloseHandle(thread);
    if (running && ((start >= base && start < end) || callers.count(entry.th32ThreadID) != 0)) {
      alive.push_back(entry.th32ThreadID);
    }
  }
  CloseHandle(snapshot);
  return alive;
}

bool ImageGone(uintptr_t base) {
  MEMORY_BASIC_INFORMATION info{};
  if (VirtualQuery(reinterpret_cast<LPCVOID>(base), &info, sizeof(info)) == 0) return true;
  return info.State == MEM_FREE || reinterpret_cast<uintptr_t>(info.AllocationBase) != base;
}

}  // namespace mh::umd
