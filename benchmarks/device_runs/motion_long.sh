#!/bin/bash
# One motion-tokenizer variant alone on the GPU (default batch 1024: the long-run recipe of session 15), exported.
# Arguments: training seconds (default 420), variant (default experts_s4_k1024_speed2: straight-through).
# Env: BATCH, LR (default 2e-3), TRAIN_CLIPS (default 16384). Session 5's run (batch 256, lr 1e-3, 4096 clips) learned
# body shape; batch 1024 and batch 256 at lr 2e-3 with 16384 clips (session 18) never did: try LR=1e-3 TRAIN_CLIPS=4096.
# EXTRA: more motion_tokenizer.py arguments (e.g. --seed 1). TAG (default motion_long) names the log, JSON and motion cache, so two runs can share one GPU call in parallel.
. benchmarks/device_runs/env.sh
S=${1:-420}
V=${2:-experts_s4_k1024_speed2}
T=${TAG:-motion_long}
nvidia-smi --query-gpu=name --format=csv > $OUT/$T.log
timeout $((S+150)) python3 benchmarks/motion_tokenizer.py --device cuda --width 128 --batch-size ${BATCH:-1024} --lr ${LR:-2e-3} \
  --train-clips ${TRAIN_CLIPS:-16384} --real-dir .real --motion-cache /tmp/mcache_$T --seconds $S --variants $V \
  ${EXTRA} --out $OUT/$T.json --export $OUT/${T}_${V}_fp16.pt >> $OUT/$T.log 2>&1
tail -4 $OUT/$T.log
