#!/bin/bash
# One motion-tokenizer variant alone on the GPU (default batch 1024: the long-run recipe of session 15), exported.
# Arguments: training seconds (default 420), variant (default experts_s4_k1024_speed2: straight-through).
# Env: BATCH (session 5's batch-256 run learned body shape, the batch-1024 run never did), LR (default 2e-3).
. benchmarks/device_runs/env.sh
S=${1:-420}
V=${2:-experts_s4_k1024_speed2}
nvidia-smi --query-gpu=name --format=csv > $OUT/motion_long.log
timeout $((S+150)) python3 benchmarks/motion_tokenizer.py --device cuda --width 128 --batch-size ${BATCH:-1024} --lr ${LR:-2e-3} \
  --train-clips 16384 --real-dir .real --motion-cache /tmp/mcache --seconds $S --variants $V \
  --out $OUT/motion_long.json --export $OUT/${V}_fp16.pt >> $OUT/motion_long.log 2>&1
tail -4 $OUT/motion_long.log
