/*
 * start.S — Verity guest startup code (RV32IM, ilp32).
 *
 * _start: sets gp, tp and sp (sp = __stack_top from link.ld; the executor and qemu-riscv32 both
 * start us with whatever sp they like, we use our own stack), calls main(0, NULL) and passes its
 * return value to the exit system call (a7 = 93).
 *
 * .bss is not cleared here: link.ld places it inside a PT_LOAD segment whose memory size covers it,
 * and both the Verity loader and Linux/qemu zero-fill that (ELF semantics). Clearing it again would
 * cost 3 proven cycles per word (about 400,000 for the lz example).
 */
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top
    la      tp, __tls_base      /* thread pointer: the one TLS block, in place */

    li      a0, 0               /* argc */
    li      a1, 0               /* argv */
    call    main

    /* exit(main's return value); a0 already holds it */
    li      a7, 93
3:  ecall
    j       3b
    .size _start, . - _start
