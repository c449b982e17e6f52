#!/usr/bin/env bash
# DeepNet vs PyTorch on the GPU machine (issues 4 and 8). Two halves, both from the repository root:
#
#   1. Here, where the .NET SDK is:      bash benchmarks/gpu/run-on-gpu.sh stage
#      builds benchmarks/GpuCompare and packs it with the .NET runtime into .gpu/ (../shared/gpu/stage.sh).
#   2. On the GPU machine (device tool, carry [".gpu"]), command:
#                                        bash benchmarks/gpu/run-on-gpu.sh gpu
#      prints the GPU, runs GpuCompare on cuda:0 with --run-torch (DeepNet first, then
#      benchmarks/gpu/pytorch_compare.py in the same call) and keeps the output in $OUT/gpucompare.txt.
#      Extra arguments go to GpuCompare, e.g. `gpu --reps 50`.
#
# This is GpuCompare alone; benchmarks/gpu/check.sh also stages and runs every CUDA test
# (the test assembly is an xunit v3 program) and is the one command for the GPU check.
set -euo pipefail
cd "$(dirname "$0")/../.."

case "${1:-}" in
  stage)
    # stage.sh lives in the shared folder beside the checkout: ../shared from /work/main, /work/shared from a worktree.
    stage=${STAGE_SH:-../shared/gpu/stage.sh}
    [ -f "$stage" ] || stage=/work/shared/gpu/stage.sh
    bash "$stage" benchmarks/GpuCompare/GpuCompare.csproj
    echo 'now run on the GPU machine: carry [".gpu"], command: bash benchmarks/gpu/run-on-gpu.sh gpu'
    ;;
  gpu)
    shift
    [ -x .gpu/run ] || { echo "run-on-gpu: .gpu/run missing: stage first (bash benchmarks/gpu/run-on-gpu.sh stage) and carry [\".gpu\"]" >&2; exit 2; }
    out=${OUT:-/tmp}
    { nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true
      python3 -c 'import torch; print("# torch", torch.__version__, "cuda", torch.version.cuda)' || true
      bash .gpu/run GpuCompare --device cuda --run-torch "$@"
    } 2>&1 | tee "$out/gpucompare.txt"
    ;;
  *)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac
