#!/usr/bin/env bash
# The GPU check of issue 17, in two halves, both from the repository root:
#
#   1. Here, where the .NET SDK is:   bash benchmarks/gpu/check.sh stage
#      stages the test assembly (xunit v3: a program) and GpuCompare with the .NET runtime into
#      .gpu/ (../shared/gpu/stage.sh) in one step, and fails if .gpu/ exceeds the 64 MiB carry limit.
#   2. On the GPU machine (device tool: carry [".gpu"], timeout_s 540):
#                                     bash benchmarks/gpu/check.sh
#      prints the GPU (nvidia-smi) and torch, runs every CUDA test (trait Device=Cuda; a skip, i.e.
#      no CUDA device found, counts as a failure), then GpuCompare on cuda:0 against PyTorch
#      (pytorch_compare.py, same call), and writes everything to one file, $OUT/gpu-check.txt.
#      Each half has a time limit (tests 180 s, GpuCompare 240 s), so the whole run stays under
#      8 minutes. Extra arguments go to GpuCompare (e.g. --reps 10).
#      Exit status: 0 only when every CUDA test passed and GpuCompare finished.
set -uo pipefail
cd "$(dirname "$0")/../.."
limit_mib=64

case "${1:-gpu}" in
  stage)
    stage=${STAGE_SH:-../shared/gpu/stage.sh}
    [ -f "$stage" ] || stage=/work/shared/gpu/stage.sh
    bash "$stage" tests/DeepNet.Tests/DeepNet.Tests.csproj benchmarks/GpuCompare/GpuCompare.csproj || exit 1
    # The GPU machine is linux-x64, and the CUDA rows never load ONNX Runtime (only the ONNX tests do, and
    # they are not run there): its natives for every platform (~270 MB) would break the carry limit.
    find .gpu -mindepth 3 -maxdepth 3 -path '*/runtimes/*' ! -name linux-x64 -exec rm -rf {} +
    find .gpu -path '*/runtimes/linux-x64/native/libonnxruntime*' -delete
    echo "staged $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes') on $(date -u +%F)" > .gpu/staged.txt
    bytes=$(du -sb .gpu | cut -f1)
    echo "check: .gpu holds $((bytes / 1048576)) MiB ($bytes bytes; carry limit $limit_mib MiB)"
    [ "$bytes" -le $((limit_mib * 1048576)) ] || { echo "check: .gpu is over the carry limit" >&2; exit 1; }
    echo 'now on the GPU machine: carry [".gpu"], command: bash benchmarks/gpu/check.sh'
    ;;
  gpu)
    shift $(( $# > 0 ? 1 : 0 ))
    [ -x .gpu/run ] || { echo "check: .gpu/run missing: run 'bash benchmarks/gpu/check.sh stage' here and carry [\".gpu\"]" >&2; exit 2; }
    out=${OUT:-/tmp}
    results="$out/gpu-check.txt"
    status="$out/.gpu-check-status"
    {
      echo "# gpu check, $(date -u '+%F %T') UTC; $(cat .gpu/staged.txt 2>/dev/null)"
      nvidia-smi || echo "# nvidia-smi failed"
      nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader || true
      python3 -c 'import torch; print("# torch", torch.__version__, "cuda", torch.version.cuda)' || echo "# no torch"
      echo "## CUDA tests (DeepNet.Tests -trait Device=Cuda)"
      timeout 180 bash .gpu/run DeepNet.Tests -trait Device=Cuda -failSkips -noColor -parallelMode none
      tests=$?
      echo "## CUDA tests exit status $tests$([ $tests -eq 124 ] && echo ' (timed out after 180 s)')"
      echo "## GpuCompare --device cuda --run-torch $*"
      timeout 240 bash .gpu/run GpuCompare --device cuda --run-torch "$@"
      compare=$?
      echo "## GpuCompare exit status $compare$([ $compare -eq 124 ] && echo ' (timed out after 240 s)')"
      echo "$tests $compare" > "$status"
    } 2>&1 | tee "$results"
    read -r tests compare < "$status"
    rm -f "$status"
    echo "check: results in $results"
    [ "$tests" -eq 0 ] && [ "$compare" -eq 0 ]
    ;;
  *)
    sed -n '2,14p' "$0"
    exit 2
    ;;
esac
