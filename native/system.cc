// system.cc - the machine facts a lab checks before a run: is this Wine, is the process elevated,
// is test signing on, which Miracast stack each display adapter uses, and the GraphicsDrivers
// registry gates dxgkrnl reads. Each fact is null (with the reason) when the platform cannot
// say; nothing here fails the call.
//
// The D3DKMT entry points are looked up in gdi32 at run time: Wine's gdi32 lacks
// D3DKMTEnumAdapters2 and D3DKMTQueryAdapterInfo, and a missing import would keep the whole
// addon from loading there. Their structures are declared below with the WDK's names and x64
// layout (d3dkmthk.h), sizes asserted.
#include "system.h"
#include "nt.h"
#include <cstdint>
#include <string>
#include <vector>

namespace mh {

namespace {

// ------------------------------------------------------------------ declarations (WDK names)

typedef UINT D3DKMT_HANDLE;

struct D3DKMT_ADAPTERINFO {
  D3DKMT_HANDLE hAdapter;
  LUID AdapterLuid;
  ULONG NumOfSources;
  BOOL bPrecisePresentRegionsPreferred;
};
static_assert(sizeof(D3DKMT_ADAPTERINFO) == 20, "D3DKMT_ADAPTERINFO layout");

struct D3DKMT_ENUMADAPTERS2 {
  ULONG NumAdapters;
  D3DKMT_ADAPTERINFO* pAdapters;
};

struct D3DKMT_QUERYADAPTERINFO {
  D3DKMT_HANDLE hAdapter;
  UINT Type;   // KMTQUERYADAPTERINFOTYPE
  void* pPrivateDriverData;
  UINT PrivateDriverDataSize;
};
static_assert(sizeof(D3DKMT_QUERYADAPTERINFO) == 24, "D3DKMT_QUERYADAPTERINFO layout");

struct D3DKMT_CLOSEADAPTER {
  D3DKMT_HANDLE hAdapter;
};

constexpr UINT KMTQAITYPE_QUERY_MIRACAST_DRIVER_TYPE = 33;
// D3DKMT_MIRACAST_DRIVER_TYPE
constexpr UINT D3DKMT_MIRACAST_DRIVER_NOT_SUPPORTED = 0;
constexpr UINT D3DKMT_MIRACAST_DRIVER_IHV = 1;
constexpr UINT D3DKMT_MIRACAST_DRIVER_MS = 2;

typedef NTSTATUS(APIENTRY* PFND3DKMT_ENUMADAPTERS2)(D3DKMT_ENUMADAPTERS2*);
typedef NTSTATUS(APIENTRY* PFND3DKMT_QUERYADAPTERINFO)(const D3DKMT_QUERYADAPTERINFO*);
typedef NTSTATUS(APIENTRY* PFND3DKMT_CLOSEADAPTER)(const D3DKMT_CLOSEADAPTER*);

// NtQuerySystemInformation(SystemCodeIntegrityInformation)
constexpr ULONG kSystemCodeIntegrityInformation = 103;
struct SYSTEM_CODEINTEGRITY_INFORMATION {
  ULONG Length;
  ULONG CodeIntegrityOptions;
};
// CODEINTEGRITY_OPTION_ENABLED, CODEINTEGRITY_OPTION_TESTSIGN
constexpr ULONG kCodeIntegrityEnabled = 0x01;
constexpr ULONG kCodeIntegrityTestSign = 0x02;
typedef NTSTATUS(NTAPI* PFN_NT_QUERY_SYSTEM_INFORMATION)(ULONG, void*, ULONG, ULONG*);

std::string Hex32(uint32_t value) {
  char text[11];
  static const char digits[] = "0123456789ABCDEF";
  text[0] = '0';
  text[1] = 'x';
  for (int i = 0; i < 8; i++) text[2 + i] = digits[(value >> (28 - 4 * i)) & 0xF];
  text[10] = '\0';
  return text;
}

// A fact the platform could not give: { value: null, reason }.
Napi::Object Unknown(Napi::Env env, const std::string& reason) {
  Napi::Object fact = Napi::Object::New(env);
  fact.Set("value", env.Null());
  fact.Set("reason", reason);
  return fact;
}

// ------------------------------------------------------------------ the facts

Napi::Value WineVersion(Napi::Env env) {
  typedef const char*(CDECL * PFN_WINE_GET_VERSION)(void);
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  auto get = ntdll ? reinterpret_cast<PFN_WINE_GET_VERSION>(
                         reinterpret_cast<void*>(GetProcAddress(ntdll, "wine_get_version")))
                   : nullptr;
  if (get == nullptr) return env.Null();
  return Napi::String::New(env, get());
}

Napi::Object Elevated(Napi::Env env) {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    return Unknown(env, "OpenProcessToken failed (" + std::to_string(GetLastError()) + ")");
  }
  TOKEN_ELEVATION elevation{};
  DWORD size = 0;
  BOOL ok = GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size);
  DWORD error = GetLastError();
  CloseHandle(token);
  if (!ok) return Unknown(env, "GetTokenInformation(TokenElevation) failed (" + std::to_string(error) + ")");
  Napi::Object fact = Napi::Object::New(env);
  fact.Set("value", Napi::Boolean::New(env, elevation.TokenIsElevated != 0));
  return fact;
}

Napi::Object CodeIntegrity(Napi::Env env) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  auto query = ntdll ? reinterpret_cast<PFN_NT_QUERY_SYSTEM_INFORMATION>(
                           reinterpret_cast<void*>(GetProcAddress(ntdll, "NtQuerySystemInformation")))
                     : nullptr;
  if (query == nullptr) return Unknown(env, "ntdll has no NtQuerySystemInformation");
  SYSTEM_CODEINTEGRITY_INFORMATION ci{sizeof(SYSTEM_CODEINTEGRITY_INFORMATION), 0};
  NTSTATUS status = query(kSystemCodeIntegrityInformation, &ci, sizeof(ci), nullptr);
  if (!IsNtSuccess(status)) {
    return Unknown(env, "NtQuerySystemInformation(SystemCodeIntegrityInformation) failed: " +
                            Hex32(static_cast<uint32_t>(status)));
  }
  Napi::Object fact = Napi::Object::New(env);
  fact.Set("value", Napi::Boolean::New(env, (ci.CodeIntegrityOptions & kCodeIntegrityTestSign) != 0));
  fact.Set("enabled", Napi::Boolean::New(env, (ci.CodeIntegrityOptions & kCodeIntegrityEnabled) != 0));
  fact.Set("options", Napi::Number::New(env, ci.CodeIntegrityOptions));
  return fact;
}

// HKLM\SYSTEM\CurrentControlSet\Control\GraphicsDrivers: { name: number | null (absent) }.
Napi::Object GraphicsDrivers(Napi::Env env) {
  static const wchar_t kKey[] = L"SYSTEM\\CurrentControlSet\\Control\\GraphicsDrivers";
  static const struct { const wchar_t* wide; const char* name; } kValues[] = {
      {L"PlatformSupportMiracast", "PlatformSupportMiracast"},
      {L"MiracastUseIhvDriver", "MiracastUseIhvDriver"},
      {L"MiracastForceDisable", "MiracastForceDisable"},
  };
  Napi::Object gates = Napi::Object::New(env);
  for (const auto& value : kValues) {
    DWORD data = 0;
    DWORD size = sizeof(data);
    LSTATUS status = RegGetValueW(HKEY_LOCAL_MACHINE, kKey, value.wide, RRF_RT_REG_DWORD, nullptr, &data, &size);
    if (status == ERROR_SUCCESS) {
      gates.Set(value.name, Napi::Number::New(env, data));
    } else if (status == ERROR_FILE_NOT_FOUND || status == ERROR_PATH_NOT_FOUND) {
      gates.Set(value.name, env.Null());
    } else {
      gates.Set(value.name, Unknown(env, "RegGetValue failed (" + std::to_string(status) + ")"));
    }
  }
  return gates;
}

const char* MiracastDriverTypeName(UINT type) {
  switch (type) {
    case D3DKMT_MIRACAST_DRIVER_IHV: return "ihv";
    case D3DKMT_MIRACAST_DRIVER_MS: return "microsoft";
    case D3DKMT_MIRACAST_DRIVER_NOT_SUPPORTED: return "none";
    default: return "unknown";
  }
}

// Every adapter D3DKMTEnumAdapters2 lists, with KMTQAITYPE_QUERY_MIRACAST_DRIVER_TYPE.
Napi::Object Adapters(Napi::Env env) {
  HMODULE gdi32 = LoadLibraryW(L"gdi32.dll");
  if (gdi32 == nullptr) return Unknown(env, "gdi32.dll did not load");
  auto enumAdapters = reinterpret_cast<PFND3DKMT_ENUMADAPTERS2>(
      reinterpret_cast<void*>(GetProcAddress(gdi32, "D3DKMTEnumAdapters2")));
  auto queryInfo = reinterpret_cast<PFND3DKMT_QUERYADAPTERINFO>(
      reinterpret_cast<void*>(GetProcAddress(gdi32, "D3DKMTQueryAdapterInfo")));
  auto closeAdapter = reinterpret_cast<PFND3DKMT_CLOSEADAPTER>(
      reinterpret_cast<void*>(GetProcAddress(gdi32, "D3DKMTCloseAdapter")));
  if (enumAdapters == nullptr || queryInfo == nullptr || closeAdapter == nullptr) {
    FreeLibrary(gdi32);
    return Unknown(env, "gdi32 lacks D3DKMTEnumAdapters2 / D3DKMTQueryAdapterInfo");
  }
  D3DKMT_ENUMADAPTERS2 request{0, nullptr};
  NTSTATUS status = enumAdapters(&request);   // first call: the count
  std::vector<D3DKMT_ADAPTERINFO> adapters;
  if (IsNtSuccess(status) && request.NumAdapters > 0) {
    adapters.resize(request.NumAdapters);
    request.pAdapters = adapters.data();
    status = enumAdapters(&request);
    adapters.resize(IsNtSuccess(status) ? request.NumAdapters : 0);
  }
  if (!IsNtSuccess(status)) {
    FreeLibrary(gdi32);
    return Unknown(env, "D3DKMTEnumAdapters2 failed: " + Hex32(static_cast<uint32_t>(status)));
  }
  Napi::Array list = Napi::Array::New(env, adapters.size());
  for (size_t i = 0; i < adapters.size(); i++) {
    const D3DKMT_ADAPTERINFO& adapter = adapters[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("luid", Hex32(static_cast<uint32_t>(adapter.AdapterLuid.HighPart)) + ":" +
                          Hex32(adapter.AdapterLuid.LowPart));
    entry.Set("sources", Napi::Number::New(env, adapter.NumOfSources));
    UINT type = 0;
    D3DKMT_QUERYADAPTERINFO query{adapter.hAdapter, KMTQAITYPE_QUERY_MIRACAST_DRIVER_TYPE, &type, sizeof(type)};
    NTSTATUS queried = queryInfo(&query);
    if (IsNtSuccess(queried)) {
      entry.Set("miracast", MiracastDriverTypeName(type));
    } else {
      entry.Set("miracast", env.Null());
      entry.Set("reason", "D3DKMTQueryAdapterInfo(KMTQAITYPE_QUERY_MIRACAST_DRIVER_TYPE) failed: " +
                              Hex32(static_cast<uint32_t>(queried)));
    }
    D3DKMT_CLOSEADAPTER close{adapter.hAdapter};
    closeAdapter(&close);
    list.Set(static_cast<uint32_t>(i), entry);
  }
  FreeLibrary(gdi32);
  Napi::Object fact = Napi::Object::New(env);
  fact.Set("value", list);
  return fact;
}

}  // namespace

Napi::Value SystemInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("wine", WineVersion(env));
  result.Set("elevated", Elevated(env));
  result.Set("testSigning", CodeIntegrity(env));
  result.Set("graphicsDrivers", GraphicsDrivers(env));
  result.Set("adapters", Adapters(env));
  return result;
}

}  // namespace mh
