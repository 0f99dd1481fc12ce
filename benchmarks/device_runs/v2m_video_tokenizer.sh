#!/bin/bash
# V2M with another video tokenizer on the data of joint_vs_single.sh (10,000 clips, fill 0.8-0.95, same seed),
# so its V2M-only figures are the baseline. Argument: a folder holding video.pt and motion.pt (carry it).
. benchmarks/device_runs/env.sh
TOK=${1:?folder with video.pt and motion.pt}
mkdir -p /tmp/vout
( nvidia-smi --query-gpu=name --format=csv; git log -1 --format=%H; sha256sum $TOK/*.pt ) > $OUT/v2m_tok.log 2>&1
timeout ${T:-560} python3 benchmarks/joint.py --device cuda --tokenizers-dir $TOK --token-dir /tmp/tokens_$(basename $TOK) \
  --clips 10000 --clip-frames 21 --fill 0.8 0.95 --workers 15 --seconds 75 --eval-clips 256 --generate-clips 0 \
  --select ${SELECT:-best} --val-every 100 --val-batches 8 --samples 2 --variants ${VARIANTS:-v2m_only v2m_only_noise} \
  --out-dir /tmp/vout >> $OUT/v2m_tok.log 2>&1
cp /tmp/vout/joint.json $OUT/ 2>/dev/null
tar cf $OUT/vout.tar -C /tmp vout
