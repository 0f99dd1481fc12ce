#!/bin/bash
# motion tokenizer: straight-through vs rotation (batch 1024) in parallel; a 4x4x4 person-weighted video
# tokenizer alongside. Argument: training seconds per run (default 330)
. benchmarks/device_runs/env.sh
S=${1:-330}
T0=$(date +%s)
nvidia-smi --query-gpu=name,memory.used --format=csv > $OUT/mt_st.log
MT="python3 benchmarks/motion_tokenizer.py --device cuda --width 128 --batch-size 1024 --lr 2e-3 --train-clips 16384 --real-dir .real --motion-cache /tmp/mcache"
timeout 200 $MT --data-only --variants experts_s4_k1024_speed2 >> $OUT/mt_st.log 2>&1
echo "data done at $(( $(date +%s) - T0 )) s" >> $OUT/mt_st.log
mkdir -p /tmp/mt_exp /tmp/mt_md /tmp/vt
( timeout $((S+150)) $MT --seconds $S --variants experts_s4_k1024_speed2 --out /tmp/mt_md/mt_st.json --export /tmp/mt_exp/st_fp16.pt >> $OUT/mt_st.log 2>&1; cp /tmp/mt_md/mt_st.json $OUT/ ) &
( timeout $((S+150)) $MT --seconds $S --variants experts_s4_k1024_speed2_rotation --out /tmp/mt_md/mt_rot.json --export /tmp/mt_exp/rot_fp16.pt > $OUT/mt_rot.log 2>&1; cp /tmp/mt_md/mt_rot.json $OUT/ ) &
( timeout $((S+140)) python3 benchmarks/video_tokenizer.py --device cuda --size 64 --eval-sizes 64 --budget $((S+60)) --seconds $S --batch-size 32 --train-clips 1536 --workers 6 --spatial-compression 4 --person-weight 10 --export /tmp/vt/vt444_pw10.pt --real-dir .real --out /tmp/vt/vt444_pw10.json > $OUT/vt.log 2>&1 ) &
# (joint_vs_single.sh makes its token shards itself, or reuses those of `python3 benchmarks/joint.py --device cuda --clips 10000 --clip-frames 21 --fill 0.8 0.95 --prepare-only`)
wait
echo "all done at $(( $(date +%s) - T0 )) s" >> $OUT/mt_st.log
tar cf $OUT/exports.tar -C /tmp mt_exp mt_md vt
