#!/usr/bin/env bash
# Engine speed figures, all measured in one run (ratios are what to compare on a shared machine):
# large-matmul FLOP/s, training images/s and achieved FLOP/s, inference speedup vs FLOPs reduction.
# Usage: bench/engine.sh [--arch vgg11] [--dataset cifar10] [--steps 20] [--batch-size 64]
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./sculptor engine bench "$@"
