#!/usr/bin/env python3
# Prints the unrolled round bodies pasted into src/Verity.Crypto (Blake3.cs scalar rounds, Blake3Lanes.cs
# lane-parallel rounds, Keccak256.cs round). Usage: blake3_keccak_rounds.py scalar|vec|vecseq|keccak INDENT
# The message schedule and rotation constants are those of the BLAKE3 and Keccak specifications.
# Generates the unrolled BLAKE3 round code (scalar and lane-parallel) and the Keccak-f round body.
P = [2,6,3,10,7,0,4,13,1,11,12,5,9,14,15,8]
sched = [list(range(16))]
for r in range(6):
    prev = sched[-1]
    sched.append([prev[P[i]] for i in range(16)])
GS = [(0,4,8,12),(1,5,9,13),(2,6,10,14),(3,7,11,15),(0,5,10,15),(1,6,11,12),(2,7,8,13),(3,4,9,14)]

def blake_scalar(ind):
    out = []
    for r in range(7):
        s = sched[r]
        out.append(f"// Round {r + 1}")
        for half in (0, 1):
            gs = range(4) if half == 0 else range(4, 8)
            for step in (0, 1):
                mx = [s[2*g + step] for g in gs]
                rot1, rot2 = (16, 12) if step == 0 else (8, 7)
                for gi, g in enumerate(gs):
                    a,b,c,d = GS[g]
                    out.append(f"v{a} += v{b} + m{mx[gi]}; v{d} = BitOperations.RotateRight(v{d} ^ v{a}, {rot1});")
                for gi, g in enumerate(gs):
                    a,b,c,d = GS[g]
                    out.append(f"v{c} += v{d}; v{b} = BitOperations.RotateRight(v{b} ^ v{c}, {rot2});")
    return "\n".join(ind + l for l in out)

def blake_vec(ind):
    out = []
    for r in range(7):
        s = sched[r]
        out.append(f"// Round {r + 1}")
        for half in (0, 1):
            gs = range(4) if half == 0 else range(4, 8)
            for step in (0, 1):
                mx = [s[2*g + step] for g in gs]
                rot1, rot2 = (16, 12) if step == 0 else (8, 7)
                for gi, g in enumerate(gs):
                    a,b,c,d = GS[g]
                    out.append(f"v{a} = TOps.Add(TOps.Add(v{a}, v{b}), m{mx[gi]});")
                for gi, g in enumerate(gs):
                    a,b,c,d = GS[g]
                    out.append(f"v{d} = TOps.Rotr{rot1}(TOps.Xor(v{d}, v{a}));")
                for gi, g in enumerate(gs):
                    a,b,c,d = GS[g]
                    out.append(f"v{c} = TOps.Add(v{c}, v{d});")
                for gi, g in enumerate(gs):
                    a,b,c,d = GS[g]
                    out.append(f"v{b} = TOps.Rotr{rot2}(TOps.Xor(v{b}, v{c}));")
    return "\n".join(ind + l for l in out)

# Keccak-f[1600] round: lanes a{x}{y} index x + 5y
R = [[0,36,3,41,18],[1,44,10,45,2],[62,6,43,15,61],[28,55,25,21,56],[27,20,39,8,14]]  # R[x][y]
def keccak(ind):
    out = []
    for x in range(5):
        out.append(f"ulong c{x} = a{x}0 ^ a{x}1 ^ a{x}2 ^ a{x}3 ^ a{x}4;")
    for x in range(5):
        out.append(f"ulong d{x} = c{(x-1)%5} ^ BitOperations.RotateLeft(c{(x+1)%5}, 1);")
    # rho + pi: B[y][(2x+3y)%5] = rot(A[x][y] ^ D[x], R[x][y])
    B = {}
    for x in range(5):
        for y in range(5):
            X, Y = y, (2*x + 3*y) % 5
            r = R[x][y]
            e = f"a{x}{y} ^ d{x}"
            B[(X,Y)] = f"BitOperations.RotateLeft({e}, {r})" if r else f"({e})"
    for y in range(5):
        for x in range(5):
            out.append(f"ulong b{x}{y} = {B[(x,y)]};")
    for y in range(5):
        for x in range(5):
            out.append(f"a{x}{y} = b{x}{y} ^ (~b{(x+1)%5}{y} & b{(x+2)%5}{y});")
    return "\n".join(ind + l for l in out)

import sys
which = sys.argv[1]
ind = " " * int(sys.argv[2])
if which != "vecseq": print({"scalar": blake_scalar, "vec": blake_vec, "keccak": keccak}[which](ind))

def blake_vec_seq(ind):
    # One G at a time (less register pressure for 16-register ISAs).
    out = []
    for r in range(7):
        s = sched[r]
        out.append(f"// Round {r + 1}")
        for g in range(8):
            a,b,c,d = GS[g]
            mx, my = s[2*g], s[2*g+1]
            out.append(f"v{a} = TOps.Add(TOps.Add(v{a}, v{b}), m{mx}); v{d} = TOps.Rotr16(TOps.Xor(v{d}, v{a}));")
            out.append(f"v{c} = TOps.Add(v{c}, v{d}); v{b} = TOps.Rotr12(TOps.Xor(v{b}, v{c}));")
            out.append(f"v{a} = TOps.Add(TOps.Add(v{a}, v{b}), m{my}); v{d} = TOps.Rotr8(TOps.Xor(v{d}, v{a}));")
            out.append(f"v{c} = TOps.Add(v{c}, v{d}); v{b} = TOps.Rotr7(TOps.Xor(v{b}, v{c}));")
    return "\n".join(ind + l for l in out)
if which == "vecseq":
    print(blake_vec_seq(ind))
