/*
 * start.S — Verity guest startup code (RV32IM, ilp32).
 *
 * _start: sets gp, tp and sp (sp = __stack_top from link.ld; the executor and qemu-riscv32 both
 * start us with whatever sp they like, we use our own stack), zeroes .bss, calls
 * main(0, NULL) and passes its return value to the exit system call (a7 = 93).
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

    /* zero .tbss and .bss: [__bss_start, __bss_end), both 4-byte aligned by link.ld */
    la      t0, __bss_start
    la      t1, __bss_end
    bgeu    t0, t1, 2f
1:  sw      zero, 0(t0)
    addi    t0, t0, 4
    bltu    t0, t1, 1b
2:
    li      a0, 0               /* argc */
    li      a1, 0               /* argv */
    call    main

    /* exit(main's return value); a0 already holds it */
    li      a7, 93
3:  ecall
    j       3b
    .size _start, . - _start
