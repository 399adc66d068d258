/*
 * A stand-in for Windows' bcryptprimitives.dll, for running sagecred's Windows build under
 * Wine 8.0, which lacks it.
 *
 * Rust's standard library asks `ProcessPrng` for random bytes (hash map seeds, among
 * others). Windows has exported it from bcryptprimitives.dll since Windows 10; Wine 8.0 has
 * no such DLL, so every Rust program fails to start there. This DLL exports `ProcessPrng`
 * over `RtlGenRandom` (exported by advapi32 as `SystemFunction036`), the system's random
 * generator that Wine implements. `cargo xtask windows` builds it with mingw and puts it in
 * the Wine prefix's system32. It is a test fixture only: sagecred's binaries never ship it.
 */
#include <windows.h>

/* RtlGenRandom's real name; its length parameter is a ULONG. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* Fills `data` with `len` random bytes. Like the real one, it never fails for a valid
 * buffer; a larger request than a ULONG can hold is served in pieces. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG piece = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, piece)) {
            return FALSE;
        }
        data += piece;
        len -= piece;
    }
    return TRUE;
}
