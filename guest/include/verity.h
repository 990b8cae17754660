/*
 * verity.h — the Verity guest SDK (RV32IM, ilp32).
 *
 * A guest is a static RV32IM program. It talks to the host only through three system calls
 * (`ecall`, Linux RISC-V convention: number in a7, arguments in a0..a2), so the same ELF runs
 * unmodified on the Verity executor and under `qemu-riscv32` (Linux user-mode emulation):
 *
 *   a7 = 63  read(fd = 0, buf, max)   -> bytes read, 0 at the end of the input
 *   a7 = 64  write(fd, buf, len)      -> len; fd 1 = journal (public output; stdout under qemu),
 *                                               fd 2 = log (host stderr, not proven)
 *   a7 = 93  exit(code)               -> does not return; 0 means success
 *
 * Everything here is `static inline`: there is no library to link. Include it and write
 * `int main(void)`; the startup code (start.S) sets up the stack, zeroes .bss, calls main and
 * exits with main's return value.
 *
 *   #include <verity.h>
 *   int main(void) {
 *       uint32_t n;
 *       if (!read_input_exact(&n, sizeof n)) return 1;   // little-endian u32 from the input
 *       commit_u32(n * n);                               // 4 bytes to the journal
 *       return 0;                                        // exit code 0
 *   }
 */
#ifndef VERITY_H
#define VERITY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VERITY_SYS_READ  63
#define VERITY_SYS_WRITE 64
#define VERITY_SYS_EXIT  93

#define VERITY_FD_INPUT   0   /* private input (stdin under qemu) */
#define VERITY_FD_JOURNAL 1   /* public output (stdout under qemu) */
#define VERITY_FD_LOG     2   /* diagnostics, not proven (stderr under qemu) */

/* ---- raw system calls ------------------------------------------------------------------ */

/* read(fd, buf, max): one system call; returns the number of bytes read (0 at the end). */
static inline long verity_sys_read(int fd, void *buf, size_t max)
{
    register long a0 __asm__("a0") = fd;
    register long a1 __asm__("a1") = (long)buf;
    register long a2 __asm__("a2") = (long)max;
    register long a7 __asm__("a7") = VERITY_SYS_READ;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

/* write(fd, buf, len): one system call; returns the number of bytes written. */
static inline long verity_sys_write(int fd, const void *buf, size_t len)
{
    register long a0 __asm__("a0") = fd;
    register long a1 __asm__("a1") = (long)buf;
    register long a2 __asm__("a2") = (long)len;
    register long a7 __asm__("a7") = VERITY_SYS_WRITE;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

/* ---- the guest API ---------------------------------------------------------------------- */

/* Ends the program with exit code `code` (0 = success). Under qemu the process exit status is
 * code & 0xff, so keep codes in 0..255 for programs that must behave the same on both. */
__attribute__((noreturn)) static inline void exit_guest(int code)
{
    register long a0 __asm__("a0") = code;
    register long a7 __asm__("a7") = VERITY_SYS_EXIT;
    for (;;)
        __asm__ volatile("ecall" : : "r"(a0), "r"(a7) : "memory");
}

/* Reads up to `max` bytes of the private input into `buf`, repeating the read system call
 * until `max` bytes have arrived or the input is exhausted. Returns the number of bytes read:
 * less than `max` only at the end of the input. */
static inline size_t read_input(void *buf, size_t max)
{
    size_t done = 0;
    while (done < max) {
        long n = verity_sys_read(VERITY_FD_INPUT, (uint8_t *)buf + done, max - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    return done;
}

/* Reads exactly `len` bytes; returns false (having read what there was) if the input ends first. */
static inline bool read_input_exact(void *buf, size_t len)
{
    return read_input(buf, len) == len;
}

/* Reads a little-endian u32; returns `fallback` if fewer than 4 bytes are left. */
static inline uint32_t read_u32(uint32_t fallback)
{
    uint8_t b[4];
    if (!read_input_exact(b, 4))
        return fallback;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Writes all `len` bytes to fd `fd`, repeating the write system call on short writes.
 * An error ends the program with exit code 255. */
static inline void verity_write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    while (len > 0) {
        long n = verity_sys_write(fd, p, len);
        if (n <= 0)
            exit_guest(255);
        p += n;
        len -= (size_t)n;
    }
}

/* Appends `len` bytes to the journal (the public output bound into the receipt). */
static inline void commit(const void *data, size_t len)
{
    verity_write_all(VERITY_FD_JOURNAL, data, len);
}

/* Appends a u32 / u64 to the journal, little-endian. */
static inline void commit_u32(uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    commit(b, 4);
}

static inline void commit_u64(uint64_t v)
{
    commit_u32((uint32_t)v);
    commit_u32((uint32_t)(v >> 32));
}

/* Writes `len` bytes of text to the log (host stderr; not part of the proof). No formatting:
 * use snprintf from picolibc (<stdio.h>) into a buffer first if you need it. */
static inline void log_message(const char *message, size_t len)
{
    verity_write_all(VERITY_FD_LOG, message, len);
}

/* Writes a NUL-terminated string to the log. */
static inline void log_str(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    log_message(s, n);
}

#ifdef __cplusplus
}
#endif

#endif /* VERITY_H */
