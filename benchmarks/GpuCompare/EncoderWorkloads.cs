using DeepNet.Autograd;
using DeepNet.Layers;
using DeepNet.Layers.Losses;
using DeepNet.Optimizers;
using DeepNet.Tensors;

namespace DeepNet.GpuCompare;

/// <summary>
/// Transformer encoder training steps (issue 17): forward, MSE against a fixed random target,
/// backward, AdamW (lr 1e-3, weight decay 0.01), as pytorch_compare.py's transformer_step,
/// transformer_step_bf16 (the same under bfloat16 autocast: matmuls and attention in bf16 with fp32
/// accumulation, the loss in fp32) and minilm_step (MiniLM's size: 6 layers, 384 wide, 12 heads).
/// </summary>
public static class EncoderWorkloads
{
    private static readonly Goal Fp32Step = new(1 / 1.5, "issue 17: Transformer encoder step <= 1.5x PyTorch eager fp32");
    private static readonly Goal Bf16Step = new(1.0, "issue 17: Transformer encoder step with the bf16 tensor-core path <= 1.0x PyTorch");

    /// <summary>The three steps, in the order the Python script prints them.</summary>
    public static IEnumerable<GpuWorkload> All(Device device, EncoderSize transformer, EncoderSize miniLm, Generator g)
    {
        yield return Step("transformer_step", device, transformer, g, autocast: false, [Fp32Step]);
        yield return Step("transformer_step_bf16", device, transformer, g, autocast: true, [Bf16Step]);
        yield return Step("minilm_step", device, miniLm, g, autocast: false, [Fp32Step]);
    }

    private static GpuWorkload Step(string name, Device device, EncoderSize s, Generator g, bool autocast, Goal[] goals)
    {
        var model = new TransformerEncoder(() => new TransformerEncoderLayer(s.Dim, s.Heads, s.Feedforward, dropout: 0f,
            batchFirst: true, generator: g), s.Layers);
        model.To(device);
        var optimizer = new AdamW(model.Parameters(), 1e-3, weightDecay: 0.01);
        var loss = new MseLoss();
        var x = Tensor.Randn([s.Batch, s.Length, s.Dim], g, device);
        var target = Tensor.Randn([s.Batch, s.Length, s.Dim], g, device);
        return new GpuWorkload(name,
            () =>
            {
                using var scope = new DisposeScope();
                optimizer.ZeroGrad();
                Tensor value;
                using (Autocast.Enable(DType.BFloat16, enabled: autocast))
                    value = loss.Forward(model.Forward(x), target);
                value.Backward();
                optimizer.Step();
            },
            ms => $"{(double)s.Batch * s.Length / ms * 1e3:G4} tokens/s", goals,
            () => { optimizer.Dispose(); model.Dispose(); x.Dispose(); target.Dispose(); });
    }
}
