#!/usr/bin/env python3
"""Prints the residual-block scales of sss-trained checkpoints (params.bin, the TensorFile format of
engine/checkpoint/TensorFile.java) and each block's effective output scale, |scale| x max|bn2.gamma| (the branch's last BN
can grow while the scale shrinks, so the scale alone does not say a block is dead). Used for docs/engine.md's sss section:

    docs/results/block-scales.py runs/evidence/sss/seed-*/baseline
"""
import struct
import sys


def tensors(path):
    b = open(path, 'rb').read()
    if b[:4] != b'SCTF':
        sys.exit(f'{path}: not a Sculptor tensor file')
    count, o, out = struct.unpack_from('<I', b, 8)[0], 12, {}
    for _ in range(count):
        n = struct.unpack_from('<I', b, o)[0]
        name = b[o + 4:o + 4 + n].decode()
        o += 4 + n
        rank = struct.unpack_from('<I', b, o)[0]
        dims = struct.unpack_from(f'<{rank}q', b, o + 4)
        o += 4 + 8 * rank
        enc, size = b[o], 1
        o += 1
        for d in dims:
            size *= d
        if enc == 0:
            out[name] = list(struct.unpack_from(f'<{size}f', b, o))
            o += 4 * size
        else:  # sparse: bitmap, then the stored values
            bitmap, o, vals = b[o:o + (size + 7) // 8], o + (size + 7) // 8, []
            for i in range(size):
                if bitmap[i // 8] >> (i % 8) & 1:
                    vals.append(struct.unpack_from('<f', b, o)[0])
                    o += 4
                else:
                    vals.append(0.0)
            out[name] = vals
    return out


for ckpt in sys.argv[1:]:
    t = tensors(ckpt.rstrip('/') + '/params.bin')
    print(ckpt)
    for name in (k for k in t if k.endswith('.residual.scale')):
        block = name[:-len('.residual.scale')]
        s = t[name][0]
        bn = t.get(block + '.bn2.gamma')
        eff = f'  effective {abs(s) * max(abs(x) for x in bn):.5f}' if bn else ''
        print(f'  {block:10s} scale {s: .5f}{" (exactly 0)" if s == 0 else ""}{eff}')
