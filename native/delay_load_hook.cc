// delay_load_hook.cc - MinGW builds only: resolve Node-API against the process that loads us.
//
// The addon's Node-API imports name "node.exe" (the import library is made from node-api-headers'
// .def). Imported the ordinary way, the Windows loader would look for a file called node.exe, so
// the addon would not load in Electron, in a renamed node.exe, or in a single-executable app
// ("The specified module could not be found"). MSVC builds avoid that with /DELAYLOAD:node.exe
// plus the hook node-gyp and cmake-js compile in. The MinGW build does the same: the import
// library is a delay-import library (dlltool --output-delaylib), and this hook answers the
// delay-load helper's "load node.exe" with the module that really exports Node-API: the host
// executable, or a node.dll / libnode.dll it loaded (embedders that link Node as a DLL).
//
// Runs on the first Node-API call of the module (the module's init on the JavaScript thread),
// under the loader's delay-load lock; it only looks modules up, it never loads one.
#include <windows.h>
#include <delayimp.h>
#include <string.h>

namespace {

// A symbol every Node-API host exports since Node-API 1.
constexpr const char kProbeExport[] = "napi_module_register";

HMODULE NodeApiHost() {
  HMODULE host = GetModuleHandleW(nullptr);
  if (host != nullptr && GetProcAddress(host, kProbeExport) != nullptr) return host;
  static const wchar_t* const kNodeDlls[] = {L"node.dll", L"libnode.dll"};
  for (const wchar_t* name : kNodeDlls) {
    HMODULE module = GetModuleHandleW(name);
    if (module != nullptr && GetProcAddress(module, kProbeExport) != nullptr) return module;
  }
  return host;   // let GetProcAddress fail with a clear "procedure not found"
}

FARPROC WINAPI LoadNodeApiHost(unsigned notification, PDelayLoadInfo info) {
  if (notification != dliNotePreLoadLibrary || info == nullptr || info->szDll == nullptr) return nullptr;
  if (_stricmp(info->szDll, "node.exe") != 0) return nullptr;
  return reinterpret_cast<FARPROC>(NodeApiHost());
}

}  // namespace

// The delay-load helper (mingw-w64's __delayLoadHelper2) calls this before each LoadLibrary.
PfnDliHook __pfnDliNotifyHook2 = LoadNodeApiHost;
