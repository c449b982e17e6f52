using ILGPU;
using ILGPU.Runtime;

namespace DeepNet.Kernels.Gpu;

// Device-side index checks without a host sync. Gather, ScatterAdd, the cross-entropy forward and
// nll_loss's target check (ClassTargetCheck) each own a status slot [flag, bad value, limit]: a kernel that meets a bad index skips it and
// writes the slot. Launchers only mark the slot pending; the next natural sync (CopyToHost,
// Synchronize) copies the slots back with its own wait and raises the error, naming the op, the
// value and the limit, as PyTorch reports a device-side assert at the next synchronization.
// Oracle: GpuParityTests.Gather_ReportsTheBadIndexAtTheNextSync_AndRecovers, CrossEntropyTests.
public sealed partial class GpuBackend
{
    private const int SlotLength = 3;
    private static readonly string[] CheckedOps = ["gather", "scatter_add", "cross_entropy", "nll_loss"];
    private int _pendingChecks;   // bit per IndexCheck slot launched since the last sync

    /// <summary>The status slot of <paramref name="op"/> for a kernel about to be queued; checked at the next sync.</summary>
    internal ArrayView<float> IndexStatus(IndexCheck op)
    {
        Interlocked.Or(ref _pendingChecks, 1 << (int)op);
        return _status.View.SubView((int)op * SlotLength, SlotLength);
    }

    /// <summary>Waits for the queue, reading the pending status slots in the same wait; throws for a bad index.</summary>
    private void SyncAndCheck()
    {
        int pending = Interlocked.Exchange(ref _pendingChecks, 0);
        Span<float> status = stackalloc float[CheckedOps.Length * SlotLength];
        if (pending != 0) _status.View.CopyToCPU(Stream, status);
        Stream.Synchronize();
        _counter.Sync();
        if (pending == 0) return;
        // Loss targets first: a bad nll_loss target also reaches the gather behind it, and the target is the cause.
        for (int op = CheckedOps.Length - 1; op >= 0; op--)
        {
            var slot = status.Slice(op * SlotLength, SlotLength);
            if ((pending & (1 << op)) == 0 || slot[0] == 0f) continue;
            _status.View.MemSetToZero(Stream);
            throw new ArgumentException(Message((IndexCheck)op, slot[1], (int)slot[2]));
        }
    }

    private static string Message(IndexCheck op, float value, int limit) =>
        (op is IndexCheck.CrossEntropy or IndexCheck.NllLoss
            ? value != MathF.Floor(value) || !float.IsFinite(value)
                ? $"{CheckedOps[(int)op]}: target {value} is not an integer class index (class numbers 0..{limit - 1})"
                : $"{CheckedOps[(int)op]}: target {value} is out of range for {limit} classes (valid: 0..{limit - 1} or ignore_index)"
            : $"{CheckedOps[(int)op]}: index {value} is out of range for a dim of size {limit}")
        + " (checked on the device; reported at the first synchronization after the op was queued)";
}

/// <summary>The ops whose kernels check indices on the device; each owns a status slot.</summary>
internal enum IndexCheck
{
    Gather,
    ScatterAdd,
    CrossEntropy,
    NllLoss,
}
