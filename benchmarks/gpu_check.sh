#!/usr/bin/env bash
# The GPU check: one table, in at most about 5 minutes, for when a GPU
# machine is lent (docs/benchmarks.md, "GPU check"):
#   1. CLIP ViT-B/16 at 384x128 (random weights), SDM on a batch of
#      $BATCH: forward + backward + Adam step, samples/s and peak memory, in
#      fp32, bf16 AMP and fp16 AMP, each with no mask, random mask and AWM
#      (benchmarks/backbone_speed.py);
#   2. tools/dist_train.sh on all local GPUs (NCCL) for a few iterations of
#      the AMNS tiny recipe on a generated SynthPEDES;
#   3. the retrieval metric (R@K, mAP, mINP) at the ICFG-PEDES test size
#      (19,848 queries x 19,848 images, 512-d) on the GPU.
#
#   benchmarks/gpu_check.sh                  # needs CUDA
#   CPU_SMOKE=1 benchmarks/gpu_check.sh      # tiny sizes on the CPU (gloo):
#                                            # checks the script, not speed
#
# Environment: PYTHON (default: the repo's .venv, else python), BATCH
# (default 64, the recipes' batch), STEPS (timed steps per setting,
# default 5). Each part runs under `timeout`; a part that fails or runs out
# of time shows FAILED in its rows, and the script then exits 1.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON=${PYTHON:-"$REPO/.venv/bin/python"}
[ -x "$PYTHON" ] || PYTHON=python
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
CPU_SMOKE=${CPU_SMOKE:-0}
STEPS=${STEPS:-5}

if [ "$CPU_SMOKE" = 1 ]; then
    DEVICE=cpu SIZE=tiny BATCH=${BATCH:-4} STEPS=1 NPROC=2
    METRIC_SIZE=2000 SPEED_LIMIT=240 DIST_LIMIT=240 METRIC_LIMIT=60
else
    if ! "$PYTHON" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
        echo "gpu_check.sh: no CUDA device visible to $PYTHON" \
             "(torch.cuda.is_available() is False); use CPU_SMOKE=1 to" \
             "check the script on a CPU" >&2
        exit 2
    fi
    DEVICE=cuda SIZE=vitb16 BATCH=${BATCH:-64}
    NPROC=$("$PYTHON" -c 'import torch; print(torch.cuda.device_count())')
    METRIC_SIZE=19848 SPEED_LIMIT=150 DIST_LIMIT=90 METRIC_LIMIT=45
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ROWS="$WORK/rows.md"
FAILED=0
row() { echo "| $1 | $2 | $3 | $4 |" >> "$ROWS"; }

# 1. Backbone speed: the nine settings in one process (one CUDA start).
if ! timeout "$SPEED_LIMIT" "$PYTHON" - "$REPO/benchmarks" "$SIZE" "$DEVICE" \
        "$BATCH" "$STEPS" > "$WORK/speed.txt" 2> "$WORK/speed.err" <<'EOF'
import contextlib, gc, io, json, sys
import torch
sys.path.insert(0, sys.argv[1])
import backbone_speed
size, device, batch, steps = sys.argv[2:]
for amp in ('fp32', 'bf16', 'fp16'):
    for mask in ('none', 'random', 'awm'):
        argv = ['--size', size, '--device', device, '--batch-size', batch,
                '--steps', steps, '--warmup', '1', '--mask', mask, '--json']
        if amp != 'fp32':
            argv += ['--amp', amp]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            backbone_speed.main(argv)
        figures = json.loads(out.getvalue().strip().splitlines()[-1])
        print(f"{amp}\t{mask}\t{figures['samples_per_s']:.1f}\t"
              f"{figures['peak_mib']:.0f}", flush=True)
        gc.collect()
        if device == 'cuda':
            torch.cuda.empty_cache()
EOF
then
    FAILED=1
    tail -20 "$WORK/speed.err" >&2
fi
"$PYTHON" - "$WORK/speed.txt" "$SIZE" "$BATCH" >> "$ROWS" <<'EOF'
import sys
path, size, batch = sys.argv[1:]
done = {tuple(line.split('\t')[:2]): line.split('\t')[2:]
        for line in open(path).read().splitlines()}
name = 'ViT-B/16 384x128' if size == 'vitb16' else f'{size} backbone'
for amp in ('fp32', 'bf16', 'fp16'):
    for mask in ('none', 'random', 'awm'):
        rate, peak = done.get((amp, mask), ('FAILED', None))
        rate = rate if peak is None else f'{rate} samples/s'
        peak = '-' if peak is None else f'{peak} MiB'
        print(f'| {name} fwd+bwd+step, batch {batch} | {amp}, mask {mask} '
              f'| {rate} | {peak} |')
EOF

# 2. dist_train.sh on every local GPU (NCCL; gloo in the CPU smoke run).
(cd "$WORK" && "$PYTHON" -c "
from amnsfw.datasets.synthpedes import generate_synthpedes
generate_synthpedes('data', num_train_ids=16, num_val_ids=2,
                    num_test_ids=2, images_per_id=2)")
BACKEND=$([ "$DEVICE" = cuda ] && echo nccl || echo gloo)
OPTIONS=(train_cfg.max_epochs=1 train_dataloader.batch_size=8
         train_dataloader.num_workers=0 train_dataloader.persistent_workers=0
         val_cfg=None val_dataloader=None val_evaluator=None
         default_hooks.logger.interval=1)
# The tiny CLIP's stem has BatchNorm: share its statistics across GPUs
# (SyncBatchNorm does not run on CPUs).
SETTING="$BACKEND, loss_batch=global"
if [ "$DEVICE" = cuda ]; then
    OPTIONS+=(sync_bn=torch)
    SETTING="$SETTING, sync_bn=torch"
fi
start=$SECONDS
if (cd "$WORK" && PORT=${PORT:-29533} timeout "$DIST_LIMIT" \
        bash "$REPO/tools/dist_train.sh" \
        "$REPO/plugins/amns/configs/amns_tinyclip_30e_synthpedes.py" "$NPROC" \
        --work-dir "$WORK/dist" --cfg-options "${OPTIONS[@]}" \
        > "$WORK/dist.log" 2>&1); then
    iters=$(grep -c 'Epoch(train)' "$WORK/dist.log" || true)
    loss=$(grep 'Epoch(train)' "$WORK/dist.log" | tail -1 |
           sed -n 's/.* loss: \([0-9.]*\).*/\1/p')
    row "dist_train.sh, AMNS tiny recipe, $NPROC processes" \
        "$SETTING" \
        "$iters iterations in $((SECONDS - start)) s with start-up, last loss $loss" \
        "-"
else
    FAILED=1
    row "dist_train.sh, AMNS tiny recipe, $NPROC processes" "$BACKEND" \
        FAILED "-"
    tail -20 "$WORK/dist.log" >&2
fi

# 3. The retrieval metric at the ICFG-PEDES test size.
if ! timeout "$METRIC_LIMIT" "$PYTHON" - "$METRIC_SIZE" "$DEVICE" \
        >> "$ROWS" 2> "$WORK/metric.err" <<'EOF'
import sys, time
import torch
from amnsfw.evaluation.functional import retrieval_metrics
size, device = int(sys.argv[1]), sys.argv[2]
generator = torch.Generator().manual_seed(0)
gallery_pids = torch.arange(size) // 4
query_pids = gallery_pids[torch.randperm(size, generator=generator)]
query = torch.randn(size, 512, generator=generator).to(device)
gallery = torch.randn(size, 512, generator=generator).to(device)
if device == 'cuda':
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
start = time.perf_counter()
metrics = retrieval_metrics(query, gallery, query_pids, gallery_pids)
if device == 'cuda':
    torch.cuda.synchronize()
seconds = time.perf_counter() - start
peak = (f'{torch.cuda.max_memory_allocated() / 2**20:.0f} MiB'
        if device == 'cuda' else '-')
print(f'| retrieval metric, {size:,} x {size:,}, 512-d | {device} '
      f'| {seconds:.2f} s (R1 {metrics["R1"]:.2f}, mAP {metrics["mAP"]:.2f}) '
      f'| {peak} |')
EOF
then
    FAILED=1
    row "retrieval metric, $METRIC_SIZE x $METRIC_SIZE" "$DEVICE" FAILED "-"
    tail -20 "$WORK/metric.err" >&2
fi

echo
if [ "$DEVICE" = cuda ]; then
    "$PYTHON" -c 'import torch; print("GPU:", torch.cuda.get_device_name(), "x", torch.cuda.device_count(), "| torch", torch.__version__)'
else
    echo "CPU smoke run (CPU_SMOKE=1): tiny sizes, not a measurement"
fi
echo
echo "| what | setting | result | peak memory |"
echo "|---|---|---|---|"
cat "$ROWS"
exit "$FAILED"
