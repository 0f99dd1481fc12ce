#!/bin/bash
# joint vs single task incl. the 3:1 I2VM:V2M mixture; best-validation weights. Argument: call seconds.
# Env: SELECT, VARIANTS, TRAIN_S, STEPS (cosine length and step cap, default 3000), STREAM_FRAMES/STREAM_STRIDE (*_stream variants), CLIPS (default 10000; 30000 takes ~450 s to synthesize and tokenize, so run once with
# PREPARE=1 and then again at once: the data stays in /tmp while the machine is warm, idle release is 30 s).
. benchmarks/device_runs/env.sh
T=${1:-560}
T0=$(date +%s)
mkdir -p /tmp/jout
( nvidia-smi --query-gpu=name --format=csv; git log -1 --format=%H ) > $OUT/joint.log 2>&1
timeout $T python3 benchmarks/joint.py --device cuda --clips ${CLIPS:-10000} --clip-frames 21 --data-dir /tmp/joint_data_${CLIPS:-10000} --token-dir /tmp/joint_tokens_${CLIPS:-10000} ${PREPARE:+--prepare-only} --fill 0.8 0.95 --workers 15 --seconds ${TRAIN_S:-75} ${STEPS:+--steps $STEPS} --eval-clips 256 --generate-clips 256 --select ${SELECT:-best} --val-every 100 --val-batches 8 --samples 2 --variants ${VARIANTS:-v2m_only i2vm_only joint_equal_data joint_i2vm3} ${STREAM_FRAMES:+--stream-frames $STREAM_FRAMES} ${STREAM_STRIDE:+--stream-stride $STREAM_STRIDE} --out-dir /tmp/jout >> $OUT/joint.log 2>&1
echo "done at $(( $(date +%s) - T0 )) s" >> $OUT/joint.log
cp /tmp/jout/joint.json $OUT/ 2>/dev/null
tar cf $OUT/jout.tar -C /tmp jout
