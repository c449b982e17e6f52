#!/usr/bin/env python3
"""PyTorch side of the DeepNet-vs-PyTorch GPU comparison (issues 4 and 8).

Times on CUDA, with CUDA events and the median of several repetitions after warm-up:
  sgemm_1024, sgemm_4096      fp32 matmul, TF32 off (matmul and cuDNN)
  conv1_fwd_bwd               MNIST CNN layer 1: batch 64, conv 1->32 3x3 on 28x28, forward + backward
  conv2_fwd_bwd               MNIST CNN layer 2: batch 64, conv 32->64 3x3 on 13x13, forward + backward
  softmax_4096x1024           softmax along the last dim of [4096, 1024]
  add_4096x4096               elementwise x + y, [4096, 4096] (bandwidth: two reads, one write)
  mnist_cnn_step              Keras MNIST CNN training step, batch 64, cross entropy, Adam lr 1e-3
  transformer_step            Transformer encoder (2 layers, d 128, 4 heads, ff 512, post-norm ReLU, no dropout,
                              batch first) on [64, 16, 128]: forward, MSE vs a fixed target, backward, AdamW lr 1e-3
  transformer_step_bf16       the same under torch.autocast("cuda", dtype=torch.bfloat16)
  minilm_step                 the same step at MiniLM's size: 6 layers, d 384, 12 heads, ff 1536, [16, 128, 384]
and prints one `name: ms` line per workload (plus `# ...` comment lines), so a DeepNet-side
runner printing the same names can pair the lines up and compute ratios: benchmarks/GpuCompare
(DeepNet on CUDA) does, and runs this script itself with --run-torch. --tiny uses the same
tiny sizes as GpuCompare --tiny (names follow the sizes).

Written for the GPU machine (it has torch); the session that wrote it had no GPU, so it has
NOT been run yet. Usage: python3 benchmarks/gpu/pytorch_compare.py [--reps 20] [--warmup 5] [--tiny]
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


def add(rows, cols, dev):
    x = torch.randn(rows, cols, device=dev)
    y = torch.randn(rows, cols, device=dev)
    return lambda: torch.add(x, y)


def mnist_cnn_step(batch, dev):
    """The seed architecture of benchmarks/Shared/BenchmarkModels.cs MnistCnn."""
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10)).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 1, 28, 28, device=dev)
    y = torch.randint(0, 10, (batch,), device=dev)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()

    return step


def encoder_step(layers, d, heads, ff, batch, length, dev, bf16=False):
    """benchmarks/GpuCompare/EncoderWorkloads.cs: the same encoder, loss and optimizer."""
    nn = torch.nn
    layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, batch_first=True)
    # enable_nested_tensor off: DeepNet has no nested-tensor fast path either (and no mask is given).
    model = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False).to(dev)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    loss_fn = nn.MSELoss()
    x = torch.randn(batch, length, d, device=dev)
    target = torch.randn(batch, length, d, device=dev)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(model(x).float(), target)
        loss.backward()
        optimizer.step()

    return step


# The sizes of benchmarks/GpuCompare/WorkloadSizes.cs (Full and Tiny): keep the two in step.
# encoder sizes: (layers, d, heads, ff, batch, length).
FULL = dict(gemm=(1024, 4096), batch=64, conv=(28, 13), softmax=(4096, 1024), add=(4096, 4096),
            transformer=(2, 128, 4, 512, 64, 16), minilm=(6, 384, 12, 1536, 16, 128))
TINY = dict(gemm=(32, 64), batch=1, conv=(10, 6), softmax=(64, 128), add=(64, 64),
            transformer=(2, 8, 2, 16, 2, 4), minilm=(2, 12, 3, 24, 1, 4))


def workloads(s, dev):
    (g1, g2), b, (c1, c2), (sr, sc), (ar, ac) = s["gemm"], s["batch"], s["conv"], s["softmax"], s["add"]
    return [
        (f"sgemm_{g1}", sgemm(g1, dev), f"{2 * g1 ** 3 / 1e9:g} GFLOP"),
        (f"sgemm_{g2}", sgemm(g2, dev), f"{2 * g2 ** 3 / 1e9:g} GFLOP"),
        ("conv1_fwd_bwd", conv_fwd_bwd(b, 1, c1, 32, dev), None),
        ("conv2_fwd_bwd", conv_fwd_bwd(b, 32, c2, 64, dev), None),
        (f"softmax_{sr}x{sc}", softmax(sr, sc, dev), f"{2 * sr * sc * 4 / 1e9:g} GB"),
        (f"add_{ar}x{ac}", add(ar, ac, dev), f"{3 * ar * ac * 4 / 1e9:g} GB"),
        ("mnist_cnn_step", mnist_cnn_step(b, dev), f"{b} images"),
        ("transformer_step", encoder_step(*s["transformer"], dev), f"{s['transformer'][4] * s['transformer'][5]} tokens"),
        ("transformer_step_bf16", encoder_step(*s["transformer"], dev, bf16=True),
         f"{s['transformer'][4] * s['transformer'][5]} tokens"),
        ("minilm_step", encoder_step(*s["minilm"], dev), f"{s['minilm'][4] * s['minilm'][5]} tokens"),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--tiny", action="store_true", help="GpuCompare's tiny sizes")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("pytorch_compare: no CUDA device visible to torch")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    print(f"# torch {torch.__version__}, {torch.cuda.get_device_name(0)}, TF32 off, median of {args.reps}")
    for name, fn, work in workloads(TINY if args.tiny else FULL, dev):
        ms = time_ms(fn, args.warmup, args.reps)
        print(f"{name}: {ms:.4f}", flush=True)
        if work is not None:
            amount, unit = work.split(" ")
            print(f"# {name}: {float(amount) / (ms / 1e3):.4g} {unit}/s")


if __name__ == "__main__":
    main()
