/*
 * loop — a synthetic benchmark guest (like `bento_cli -c N`): input is an iteration count N
 * as a little-endian u32 (missing input means N = 0). Each iteration does a handful of adds,
 * a mul, a shift, a word load and store in a 1 KiB table, and a data-dependent branch, about
 * 18 instructions in all, so the cycle count is about 18·N plus a small constant.
 * Journal: N (u32) then the checksum (u32), little-endian. Exit code 0.
 */
#include <verity.h>

#define TABLE_WORDS 256

static uint32_t table[TABLE_WORDS];

int main(void)
{
    uint32_t n = read_u32(0);

    for (uint32_t i = 0; i < TABLE_WORDS; i++)
        table[i] = i * 0x9e3779b9u;

    uint32_t acc = 0x12345678u;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t idx = (acc ^ i) & (TABLE_WORDS - 1);
        uint32_t v = table[idx];
        acc = acc * 0x01000193u + v + i;   /* FNV prime: compiled to a real mul */
        acc ^= acc >> 13;
        if (acc & 1u)
            acc += 0x7f4a7c15u;
        table[idx] = v + acc;
    }

    commit_u32(n);
    commit_u32(acc);
    return 0;
}
