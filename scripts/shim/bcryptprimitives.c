/*
 * bcryptprimitives.dll for the Wine lane.
 *
 * Wine 8 has no bcryptprimitives.dll, yet Rust >= 1.78 binaries (rollup's native module) and
 * Go >= 1.22 binaries (esbuild.exe) import bcryptprimitives!ProcessPrng, so vitest cannot start
 * without it. ProcessPrng fills a buffer with random bytes and always succeeds; here it is built on
 * advapi32!SystemFunction036 (RtlGenRandom), which Wine implements.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length != 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
