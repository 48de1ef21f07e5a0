#!/usr/bin/env bash
# What the channel-padding remedy for wrong convolution kernels costs (see docs/engine.md, "Numerics"): training and
# inference speed of pruned LeNet, ResNet-20 and VGG-11 with native kernels and with channels padded to multiples of
# 16, alternated in one run; median and range of the repeats, and the padded/native ratio.
# Usage: bench/kernels.sh [--repeats 3] [--steps 20] [--batch-size 64]
set -euo pipefail
cd "$(dirname "$0")/.."
exec ./sculptor engine bench --kernels "$@"
