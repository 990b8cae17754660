/*
 * fibonacci — input: n as a little-endian u32.
 * Journal: fib(n) mod 2^64 as a little-endian u64 (fib(0) = 0, fib(1) = 1).
 * Exit code 0; 2 if the input is shorter than 4 bytes.
 */
#include <verity.h>

int main(void)
{
    uint8_t b[4];
    if (!read_input_exact(b, sizeof b)) {
        log_str("fibonacci: expected a little-endian u32 n as input\n");
        return 2;
    }
    uint32_t n = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;

    uint64_t a = 0, c = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t = a + c;
        a = c;
        c = t;
    }
    commit_u64(a);
    return 0;
}
