/* A stand-in for Windows' bcryptprimitives.dll, for running Windows programs under Wine 8
 * (Debian 12), which lacks it: Rust's standard library (1.78 and later) imports ProcessPrng
 * from it for random numbers. This one fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. scripts/test-windows builds it with mingw and puts it
 * in the test Wine prefix's system32; nothing of it ships. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
