#!/bin/bash
# V2M with another video tokenizer on the data of joint_vs_single.sh (10,000 clips, fill 0.8-0.95, same seed),
# so its V2M-only figures are the baseline. Argument: a folder holding video.pt (carry it) and, optionally,
# motion.pt; without one the shipped motion tokenizer is used, which keeps the carried tree small.
# Env: T (call seconds), TRAIN_S (training seconds per variant, default 75), VARIANTS, SELECT.
# Carried size: tree (~25 MiB) + .whl (~35 MiB) + the folder must stay under 64 MiB; with an 8 MiB video.pt, move the
# shipped unimo/assets/tokenizers/video.pt (not used here) out of the tree for the call and back after it.
. benchmarks/device_runs/env.sh
TOK=${1:?folder with video.pt and optionally motion.pt}
[ -f $TOK/motion.pt ] || cp unimo/assets/tokenizers/motion.pt $TOK/
mkdir -p /tmp/vout
( nvidia-smi --query-gpu=name --format=csv; git log -1 --format=%H; sha256sum $TOK/*.pt ) > $OUT/v2m_tok.log 2>&1
timeout ${T:-560} python3 benchmarks/joint.py --device cuda --tokenizers-dir $TOK --data-dir /tmp/joint_data_10000 \
  --token-dir /tmp/tokens_$(basename $TOK) \
  --clips 10000 --clip-frames 21 --fill 0.8 0.95 --workers 15 --seconds ${TRAIN_S:-75} --eval-clips 256 --generate-clips 0 \
  --select ${SELECT:-best} --val-every 100 --val-batches 8 --samples 2 --variants ${VARIANTS:-v2m_only v2m_only_noise} \
  --out-dir /tmp/vout >> $OUT/v2m_tok.log 2>&1
cp /tmp/vout/joint.json $OUT/ 2>/dev/null
tar cf $OUT/vout.tar -C /tmp vout
