#!/usr/bin/env python3
"""PyTorch side of the DeepNet-vs-PyTorch GPU comparison (issues 4 and 8).

Times on CUDA, with CUDA events and the median of several repetitions after warm-up:
  sgemm_1024, sgemm_4096      fp32 matmul, TF32 off (matmul and cuDNN)
  conv1_fwd_bwd               MNIST CNN layer 1: batch 64, conv 1->32 3x3 on 28x28, forward + backward
  conv2_fwd_bwd               MNIST CNN layer 2: batch 64, conv 32->64 3x3 on 13x13, forward + backward
  softmax_4096x1024           softmax along the last dim of [4096, 1024]
and prints one `name: ms` line per workload (plus `# ...` comment lines), so a DeepNet-side
runner printing the same names can pair the lines up and compute ratios.

Written for the GPU machine (it has torch); the session that wrote it had no GPU, so it has
NOT been run yet. Usage: python3 benchmarks/gpu/pytorch_compare.py [--reps 20] [--warmup 5]
"""
import argparse
import statistics

import torch


def time_ms(fn, warmup, reps):
    """Median milliseconds of fn() over reps runs, each bracketed by CUDA events."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def sgemm(n, dev):
    a = torch.randn(n, n, device=dev)
    b = torch.randn(n, n, device=dev)
    c = torch.empty(n, n, device=dev)
    return lambda: torch.matmul(a, b, out=c)


def conv_fwd_bwd(n, c, h, k, dev):
    x = torch.randn(n, c, h, h, device=dev, requires_grad=True)
    conv = torch.nn.Conv2d(c, k, 3).to(dev)

    def step():
        x.grad = None
        conv.zero_grad(set_to_none=True)
        conv(x).sum().backward()

    return step


def softmax(rows, cols, dev):
    x = torch.randn(rows, cols, device=dev)
    return lambda: torch.softmax(x, dim=-1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("pytorch_compare: no CUDA device visible to torch")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name(0)}, TF32 off, median of {args.reps}")
    workloads = [
        ("sgemm_1024", sgemm(1024, dev)),
        ("sgemm_4096", sgemm(4096, dev)),
        ("conv1_fwd_bwd", conv_fwd_bwd(64, 1, 28, 32, dev)),
        ("conv2_fwd_bwd", conv_fwd_bwd(64, 32, 13, 64, dev)),
        ("softmax_4096x1024", softmax(4096, 1024, dev)),
    ]
    for name, fn in workloads:
        ms = time_ms(fn, args.warmup, args.reps)
        print(f"{name}: {ms:.4f}")
        if name.startswith("sgemm_"):
            n = int(name.split("_")[1])
            print(f"# {name}: {2 * n ** 3 / ms / 1e9:.1f} TFLOP/s")
        elif name.startswith("softmax_"):
            print(f"# {name}: {2 * 4096 * 1024 * 4 / ms / 1e6:.1f} GB/s (read + write)")


if __name__ == "__main__":
    main()
