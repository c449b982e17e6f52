using System.Globalization;
using System.Runtime.CompilerServices;
using DeepNet.Autograd;
using DeepNet.Serialization;
using DeepNet.Tensors;

namespace DeepNet.Optimizers;

/// <summary>
/// Dynamic loss scaling for float16 autocast (torch.amp.GradScaler): <see cref="Scale"/> multiplies
/// the loss so small float16 gradients do not flush to zero, <see cref="Step"/> divides the
/// gradients back (<see cref="Unscale"/>) and skips the optimizer step when any of them is Inf or
/// NaN, <see cref="Update"/> halves the scale after such a step and doubles it after
/// <see cref="GrowthInterval"/> good steps in a row. One iteration:
/// <c>scaler.Scale(loss).Backward(); scaler.Step(optimizer); scaler.Update();</c>
/// (call <see cref="Unscale"/> first to clip the true gradients). The overflow check reads one
/// number back from the device per optimizer and step. Disabled, every call passes through.
/// </summary>
public sealed class GradScaler
{
    private readonly ConditionalWeakTable<Optimizer, StepRecord> _records = new();
    private readonly List<StepRecord> _pending = [];

    /// <summary>torch's defaults: scale 2^16, ×2 after 2000 good steps, ×0.5 after an overflow.</summary>
    public GradScaler(double initScale = 65536.0, double growthFactor = 2.0, double backoffFactor = 0.5,
        int growthInterval = 2000, bool enabled = true)
    {
        if (!(initScale > 0) || !double.IsFinite(initScale))
            throw new ArgumentException($"grad_scaler: init_scale must be a finite number > 0, got {initScale}");
        if (!(growthFactor > 1) || !double.IsFinite(growthFactor))
            throw new ArgumentException($"grad_scaler: growth_factor must be a finite number > 1, got {growthFactor}");
        if (!(backoffFactor > 0 && backoffFactor < 1))
            throw new ArgumentException($"grad_scaler: backoff_factor must be in (0, 1), got {backoffFactor}");
        if (growthInterval < 1)
            throw new ArgumentException($"grad_scaler: growth_interval must be >= 1, got {growthInterval}");
        ScaleFactor = initScale;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
        IsEnabled = enabled;
    }

    /// <summary>The current loss scale (torch's get_scale()).</summary>
    public double ScaleFactor { get; private set; }

    public double GrowthFactor { get; }
    public double BackoffFactor { get; }
    public int GrowthInterval { get; }

    /// <summary>False: Scale returns the loss, Step just steps, Update does nothing.</summary>
    public bool IsEnabled { get; }

    /// <summary>Good steps since the scale last changed (torch's _growth_tracker).</summary>
    public int GrowthTracker { get; private set; }

    /// <summary>loss · scale (a new tensor in the graph), or <paramref name="loss"/> itself when disabled.</summary>
    public Tensor Scale(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return IsEnabled ? loss * (float)ScaleFactor : loss;
    }

    /// <summary>
    /// Divides every gradient of <paramref name="optimizer"/>'s parameters by the scale, in place, and
    /// records whether any is Inf or NaN (for <see cref="Step"/> and <see cref="Update"/>). At most once
    /// per optimizer between two Updates (torch's rule; Step calls it when the caller did not).
    /// </summary>
    public void Unscale(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!IsEnabled) return;
        var record = _records.GetValue(optimizer, _ => new StepRecord());
        if (record.Unscaled)
            throw new InvalidOperationException("grad_scaler: Unscale was already called on this optimizer since the last Update");
        if (record.Stepped)
            throw new InvalidOperationException("grad_scaler: Unscale is called after Step in this iteration; call it before Step (and Update after both)");
        record.FoundInf = UnscaleAndCheck(optimizer, (float)(1.0 / ScaleFactor));
        record.Unscaled = true;
        _pending.Add(record);
    }

    /// <summary>
    /// Unscales the gradients (unless <see cref="Unscale"/> already did) and runs
    /// <c>optimizer.Step()</c> only when every gradient is finite. True when the step ran.
    /// </summary>
    public bool Step(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!IsEnabled)
        {
            optimizer.Step();
            return true;
        }
        var record = _records.GetValue(optimizer, _ => new StepRecord());
        if (record.Stepped)
            throw new InvalidOperationException("grad_scaler: Step was already called on this optimizer since the last Update");
        if (!record.Unscaled) Unscale(optimizer);
        record.Stepped = true;
        if (record.FoundInf) return false;
        optimizer.Step();
        return true;
    }

    /// <summary>
    /// Adjusts the scale for the next iteration: × <see cref="BackoffFactor"/> when this iteration found
    /// an Inf/NaN gradient, else × <see cref="GrowthFactor"/> once <see cref="GrowthInterval"/> good steps
    /// in a row have passed. <paramref name="newScale"/> sets the scale directly instead. Needs a Step (or Unscale) first.
    /// </summary>
    public void Update(double? newScale = null)
    {
        if (!IsEnabled) return;
        if (newScale is { } set)
        {
            if (!(set > 0) || !double.IsFinite(set))
                throw new ArgumentException($"grad_scaler: the new scale must be a finite number > 0, got {set}");
            ScaleFactor = set;
        }
        else
        {
            if (_pending.Count == 0)
                throw new InvalidOperationException("grad_scaler: Update needs an inf check first: call Step (or Unscale) on an optimizer in this iteration");
            if (_pending.Any(r => r.FoundInf))
            {
                ScaleFactor *= BackoffFactor;
                GrowthTracker = 0;
            }
            else if (++GrowthTracker == GrowthInterval)
            {
                ScaleFactor *= GrowthFactor;
                GrowthTracker = 0;
            }
        }
        foreach (var record in _pending) record.Reset();
        _pending.Clear();
    }

    /// <summary>Writes the scale and growth tracker into <paramref name="checkpoint"/>'s metadata under <paramref name="prefix"/>.</summary>
    public void WriteTo(Checkpoint checkpoint, string prefix = "grad_scaler.")
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.SetMetadata(prefix + "scale", ScaleFactor.ToString("R", CultureInfo.InvariantCulture));
        checkpoint.SetInt(prefix + "growth_tracker", GrowthTracker);
    }

    /// <summary>Reads back what <see cref="WriteTo"/> wrote (resuming training keeps the learned scale).</summary>
    public void ReadFrom(Checkpoint checkpoint, string prefix = "grad_scaler.")
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (!checkpoint.Metadata.TryGetValue(prefix + "scale", out string? text)
            || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double scale) || !(scale > 0) || !double.IsFinite(scale))
            throw new SafeTensorsFormatException($"checkpoint: metadata key '{prefix}scale' is missing or not a finite number > 0");
        long tracker = checkpoint.GetInt(prefix + "growth_tracker");
        if (tracker < 0 || tracker >= GrowthInterval)
            throw new SafeTensorsFormatException($"checkpoint: '{prefix}growth_tracker' is {tracker}, outside [0, {GrowthInterval}) for this scaler's growth interval");
        ScaleFactor = scale;
        GrowthTracker = (int)tracker;
    }

    // grad ·= 1/scale for every gradient; Inf or NaN anywhere shows as NaN in Σ grad·0 (one read-back).
    private static bool UnscaleAndCheck(Optimizer optimizer, float inverse)
    {
        using var noGrad = GradMode.NoGrad();
        using var scope = new DisposeScope();
        Tensor? flag = null;
        foreach (var state in optimizer.States)
        {
            if (state.Parameter.Grad is not { } grad) continue;
            grad.MulInPlace(inverse);
            var probe = grad.Mul(0f).Sum();
            if (probe.DType != DType.Float32) probe = probe.To(DType.Float32);
            flag = flag is null ? probe : flag + probe.To(flag.Device);
        }
        return flag is not null && !float.IsFinite(flag.Item());
    }

    private sealed class StepRecord
    {
        public bool Unscaled, Stepped, FoundInf;

        public void Reset() => Unscaled = Stepped = FoundInf = false;
    }
}
