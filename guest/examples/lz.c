/*
 * lz — an LZ77 compressor and decompressor, round-tripped on the input.
 *
 * Input: up to 64 KiB of any bytes. The program compresses the input (hash chains over a
 * 64 KiB window, greedy matching with one step of lazy evaluation), decompresses the result,
 * checks that the round trip gives back the input, and commits statistics about it.
 * It exercises byte/half/word loads and stores, many branches, mul (hashing), unsigned
 * div/rem (Adler-32, the ratio) and signed div/rem (per-match figures).
 *
 * Compressed format: a sequence of items; control byte c:
 *   c <  0x80: a literal run of c + 1 bytes follows
 *   c >= 0x80: a match of length (c & 0x7f) + 3 (3..130); a u16 little-endian distance
 *              (1..65535) follows
 *
 * Journal (all little-endian, 4 bytes each):
 *   input length, compressed length, number of matches, number of literal bytes,
 *   compressed length * 1000 / input length (0 for empty input),
 *   (compressed length - input length) / matches and the same % matches (signed; 0 if no
 *   matches), Adler-32 of the input, Adler-32 of the compressed bytes.
 * Exit code 0; 1 if the round trip fails (a bug); 3 if the input is longer than 64 KiB.
 */
#include <verity.h>
#include <string.h>

#define MAX_INPUT   65536
#define MAX_OUTPUT  (MAX_INPUT + MAX_INPUT / 2 + 16)   /* worst case is 5/4 of the input */
#define HASH_BITS   13
#define HASH_SIZE   (1u << HASH_BITS)
#define MIN_MATCH   3
#define MAX_MATCH   130
#define MAX_DIST    65535
#define MAX_CHAIN   24

static uint8_t input[MAX_INPUT + 1];
static uint8_t packed[MAX_OUTPUT];
static uint8_t unpacked[MAX_INPUT];
static int32_t head[HASH_SIZE];
static int32_t prev[MAX_INPUT];

static uint32_t n_matches, n_literals;

static inline uint32_t hash3(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static void insert(const uint8_t *src, uint32_t len, uint32_t pos)
{
    if (pos + MIN_MATCH > len)
        return;
    uint32_t h = hash3(src + pos);
    prev[pos] = head[h];
    head[h] = (int32_t)pos;
}

/* Longest match for position pos among earlier positions on its hash chain. */
static uint32_t find_match(const uint8_t *src, uint32_t len, uint32_t pos, uint32_t *dist)
{
    if (pos + MIN_MATCH > len)
        return 0;
    uint32_t limit = len - pos;
    if (limit > MAX_MATCH)
        limit = MAX_MATCH;
    uint32_t best = 0;
    int32_t cand = head[hash3(src + pos)];
    for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
        uint32_t d = pos - (uint32_t)cand;
        if (d > MAX_DIST)
            break;
        if (src[cand + best] == src[pos + best]) {
            uint32_t l = 0;
            while (l < limit && src[cand + l] == src[pos + l])
                l++;
            if (l > best) {
                best = l;
                *dist = d;
                if (l == limit)
                    break;
            }
        }
        cand = prev[cand];
    }
    return best >= MIN_MATCH ? best : 0;
}

static uint32_t flush_literals(const uint8_t *src, uint32_t from, uint32_t to, uint8_t *out, uint32_t o)
{
    while (from < to) {
        uint32_t run = to - from;
        if (run > 128)
            run = 128;
        out[o++] = (uint8_t)(run - 1);
        memcpy(out + o, src + from, run);
        o += run;
        from += run;
        n_literals += run;
    }
    return o;
}

static uint32_t compress(const uint8_t *src, uint32_t len, uint8_t *out)
{
    for (uint32_t i = 0; i < HASH_SIZE; i++)
        head[i] = -1;
    uint32_t o = 0, lit_start = 0, pos = 0;
    while (pos < len) {
        uint32_t dist = 0;
        uint32_t l = find_match(src, len, pos, &dist);
        if (l > 0 && pos + 1 < len) {
            /* lazy step: prefer a longer match starting one byte later */
            uint32_t dist2 = 0;
            insert(src, len, pos);
            uint32_t l2 = find_match(src, len, pos + 1, &dist2);
            if (l2 > l + 1) {
                pos++;
                l = l2;
                dist = dist2;
            } else {
                /* undo nothing: pos is already inserted, skip the insert below */
                o = flush_literals(src, lit_start, pos, out, o);
                out[o++] = (uint8_t)(0x80 | (l - MIN_MATCH));
                out[o++] = (uint8_t)dist;
                out[o++] = (uint8_t)(dist >> 8);
                n_matches++;
                for (uint32_t k = 1; k < l; k++)
                    insert(src, len, pos + k);
                pos += l;
                lit_start = pos;
                continue;
            }
        }
        if (l > 0) {
            o = flush_literals(src, lit_start, pos, out, o);
            out[o++] = (uint8_t)(0x80 | (l - MIN_MATCH));
            out[o++] = (uint8_t)dist;
            out[o++] = (uint8_t)(dist >> 8);
            n_matches++;
            for (uint32_t k = 0; k < l; k++)
                insert(src, len, pos + k);
            pos += l;
            lit_start = pos;
        } else {
            insert(src, len, pos);
            pos++;
        }
    }
    return flush_literals(src, lit_start, len, out, o);
}

/* Returns the decompressed length, or -1 for a malformed stream. */
static int32_t decompress(const uint8_t *in, uint32_t len, uint8_t *out, uint32_t cap)
{
    uint32_t i = 0, o = 0;
    while (i < len) {
        uint8_t c = in[i++];
        if (c < 0x80) {
            uint32_t run = (uint32_t)c + 1;
            if (i + run > len || o + run > cap)
                return -1;
            for (uint32_t k = 0; k < run; k++)
                out[o++] = in[i++];
        } else {
            if (i + 2 > len)
                return -1;
            uint32_t l = (uint32_t)(c & 0x7f) + MIN_MATCH;
            uint32_t d = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
            i += 2;
            if (d == 0 || d > o || o + l > cap)
                return -1;
            for (uint32_t k = 0; k < l; k++, o++)
                out[o] = out[o - d];       /* overlapping copies repeat the pattern */
        }
    }
    return (int32_t)o;
}

static uint32_t adler32(const uint8_t *p, uint32_t len)
{
    uint32_t a = 1, b = 0;
    for (uint32_t i = 0; i < len; i++) {
        a = (a + p[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return b << 16 | a;
}

int main(void)
{
    uint32_t len = (uint32_t)read_input(input, MAX_INPUT + 1);
    if (len > MAX_INPUT) {
        log_str("lz: input longer than 64 KiB\n");
        return 3;
    }

    uint32_t clen = compress(input, len, packed);
    int32_t dlen = decompress(packed, clen, unpacked, MAX_INPUT);
    if (dlen != (int32_t)len || memcmp(unpacked, input, len) != 0) {
        log_str("lz: round trip failed\n");
        return 1;
    }

    int32_t saved = (int32_t)clen - (int32_t)len;
    int32_t per_match = n_matches ? saved / (int32_t)n_matches : 0;
    int32_t per_match_rem = n_matches ? saved % (int32_t)n_matches : 0;

    commit_u32(len);
    commit_u32(clen);
    commit_u32(n_matches);
    commit_u32(n_literals);
    commit_u32(len ? (uint32_t)((uint64_t)clen * 1000u / len) : 0);
    commit_u32((uint32_t)per_match);
    commit_u32((uint32_t)per_match_rem);
    commit_u32(adler32(input, len));
    commit_u32(adler32(packed, clen));
    return 0;
}
