using DeepNet.Tensors;
using DeepNet.Tests.Testing;
using Xunit;

namespace DeepNet.Tests.Autograd;

/// <summary>
/// One row per public Tensor op that has a gradient, each gradchecked in Float64 with the tight
/// tolerance (torch.autograd.gradcheck's eps 1e-6, atol/rtol 1e-5), on the CPU (the GPU's Float64 kernels
/// are held to the CPU's by GpuParityTests.Float64).
/// The ops' own test classes gradcheck them again (GradCheck runs Float64 and Float32); this table is
/// the inventory. Ops with no gradient to check: comparisons, ArgMax, the in-place and optimizer
/// updates (no graph), and the int8 QuantizedLinear/QuantizedEmbedding (inference only).
/// </summary>
public class Float64GradCheckTests
{
    private static (float[] Data, int[] Shape) U(int seed, params int[] shape) => RandomData.Uniform(seed, shape);
    private static (float[] Data, int[] Shape) P(int seed, params int[] shape) => RandomData.Positive(seed, shape);
    private static (float[] Data, int[] Shape) Away(int seed, float[] kinks, params int[] shape) => RandomData.AwayFrom(seed, shape, kinks);
    private static (float[] Data, int[] Shape) D(int seed, params int[] shape) => RandomData.Distinct(seed, shape);

    private static readonly Dictionary<string, (Func<Tensor[], Tensor> F, (float[] Data, int[] Shape)[] Inputs)> Cases = new()
    {
        ["Add"] = (t => t[0] + t[1], [U(1, 3, 4), U(2, 4)]),
        ["Sub"] = (t => t[0] - t[1] * 2f + 0.5f, [U(1, 3, 4), U(2, 3, 1)]),
        ["Mul"] = (t => t[0] * t[1], [U(1, 3, 4), U(2, 1, 4)]),
        ["Div"] = (t => t[0] / t[1] / 3f, [U(1, 3, 4), P(2, 3, 4)]),
        ["Pow"] = (t => t[0].Pow(t[1]) + t[0].Pow(1.5f), [P(1, 2, 3), U(2, 2, 3)]),
        ["Maximum"] = (t => t[0].Maximum(t[1] + 0.05f), [D(1, 2, 5), D(7, 2, 5)]),
        ["Minimum"] = (t => t[0].Minimum(t[1] + 0.05f), [D(1, 2, 5), D(7, 2, 5)]),
        ["Neg"] = (t => -t[0], [U(1, 6)]),
        ["Exp"] = (t => t[0].Exp(), [U(1, 6)]),
        ["Log"] = (t => t[0].Log(), [P(1, 6)]),
        ["Sqrt"] = (t => t[0].Sqrt(), [P(1, 6)]),
        ["Abs"] = (t => t[0].Abs(), [Away(1, [0f], 6)]),
        ["Floor"] = (t => t[0].Floor() + t[0], [Away(1, [-1f, 0f, 1f], 6)]),
        ["Clamp"] = (t => t[0].Clamp(-0.5f, 0.5f), [Away(1, [-0.5f, 0.5f], 8)]),
        ["Relu"] = (t => t[0].Relu(), [Away(1, [0f], 8)]),
        ["LeakyRelu"] = (t => t[0].LeakyRelu(0.2f), [Away(1, [0f], 8)]),
        ["Sigmoid"] = (t => t[0].Sigmoid(), [U(1, 8)]),
        ["Tanh"] = (t => t[0].Tanh(), [U(1, 8)]),
        ["Gelu"] = (t => t[0].Gelu(), [U(1, 8)]),
        ["GeluTanh"] = (t => t[0].Gelu(GeluApproximation.Tanh), [U(1, 8)]),
        ["Where"] = (t => Tensor.Where(t[0].Gt(0f), t[0], t[1]), [Away(1, [0f], 2, 4), U(2, 4)]),
        ["AddBiasActivation"] = (t => t[0].AddBiasActivation(t[1], Activation.Tanh), [U(1, 2, 3, 4), U(2, 3)]),
        ["Activate"] = (t => t[0].Activate(Activation.Sigmoid), [U(1, 5)]),
        ["Linear"] = (t => Tensor.Linear(t[0], t[1], t[2]), [U(1, 4, 3), U(2, 5, 3), U(3, 5)]),
        ["MatMul"] = (t => t[0].MatMul(t[1]), [U(1, 2, 3, 4), U(2, 4, 5)]),
        ["CrossEntropy"] = (t => t[0].CrossEntropy(Tensor.FromArray(new long[] { 2, 0, -100, 1 }), labelSmoothing: 0.1f), [U(1, 4, 3)]),
        ["CrossEntropyProbabilities"] = (t => t[0].CrossEntropy(Tensor.FromArray(new[] { 0.2, 0.3, 0.5, 1, 0, 0, 0.1, 0.1, 0.8, 0.5, 0.5, 0 }, [4, 3]),
            Tensor.FromArray(new[] { 1f, 2f, 0.5f }), labelSmoothing: 0.2f), [U(1, 4, 3)]),
        ["NllLoss"] = (t => t[0].LogSoftmax(1).NllLoss(Tensor.FromArray(new long[] { 2, 0, 1 }), Tensor.FromArray(new[] { 1f, 2f, 0.5f })), [U(1, 3, 3)]),
        ["BinaryCrossEntropyWithLogits"] = (t => t[0].BinaryCrossEntropyWithLogits(t[1].Sigmoid()), [Away(1, [0f], 2, 3), U(2, 2, 3)]),
        ["MseLoss"] = (t => t[0].MseLoss(t[1]), [U(1, 2, 3), U(2, 2, 3)]),
        ["Reshape/View/Flatten"] = (t => t[0].Reshape(3, 4).View(4, 3).Flatten() * t[0].Reshape(12), [U(1, 2, 6)]),
        ["Permute/Transpose/Contiguous"] = (t => t[0].Permute(2, 0, 1).Transpose(0, 1).Contiguous() * 1.5f, [U(1, 2, 3, 4)]),
        ["Narrow/Slice/Select"] = (t => t[0].Narrow(1, 1, 3).Slice(0, 0, 2).Select(1, 2) + t[0].Select(0, 1).Sum(), [U(1, 3, 5)]),
        ["Squeeze/Unsqueeze/Expand"] = (t => t[0].Unsqueeze(1).Expand(2, 3, 4).Sum([1]) + t[0].Unsqueeze(0).Squeeze(0), [U(1, 2, 4)]),
        ["Cat/Stack"] = (t => Tensor.Cat([t[0], t[1] * 2f], 1) + Tensor.Stack([t[0], t[0]], 1).Reshape(2, 6), [U(1, 2, 3), U(2, 2, 3)]),
        ["Gather"] = (t => t[0].Gather(1, Tensor.FromArray(new long[] { 0, 2, 2, 1, 0, 0 }, [2, 3])), [U(1, 2, 4)]),
        ["IndexSelect/Embedding"] = (t => t[0].IndexSelect(0, Tensor.FromArray(new long[] { 2, 0, 2 })) + Tensor.Embedding(Tensor.FromArray(new long[] { 1, 1, 0 }), t[0]), [U(1, 3, 4)]),
        ["Softmax"] = (t => t[0].Softmax(0), [U(1, 3, 4)]),
        ["LogSoftmax"] = (t => t[0].LogSoftmax(-1), [U(1, 3, 4)]),
        ["Conv2D"] = (t => t[0].Conv2D(t[1], t[2], stride: (2, 1), padding: (1, 0), dilation: (1, 2), groups: 2), [U(1, 2, 4, 6, 5), U(2, 4, 2, 3, 2), U(3, 4)]),
        ["MaxPool2D"] = (t => t[0].MaxPool2D((2, 3), (1, 2), (1, 1), ceilMode: true), [D(1, 1, 2, 5, 6)]),
        ["MaxPool2DWithIndices"] = (t => t[0].MaxPool2DWithIndices((2, 2)).Values, [D(1, 1, 2, 4, 4)]),
        ["AvgPool2D"] = (t => t[0].AvgPool2D((2, 3), (2, 2), (1, 1), ceilMode: true, countIncludePad: false), [U(1, 1, 2, 5, 6)]),
        ["Dropout"] = (t => t[0].Dropout(0.4f, true, new Generator(11)), [U(1, 4, 5)]),
        ["BatchNorm"] = (t => t[0].BatchNorm(null, null, t[1], t[2], training: true), [U(1, 4, 3, 2), P(2, 3), U(3, 3)]),
        ["LayerNorm"] = (t => t[0].LayerNorm([2, 3], t[1], t[2]), [U(1, 2, 2, 3), P(2, 2, 3), U(3, 2, 3)]),
        ["ScaledDotProductAttention"] = (t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true), [U(1, 1, 2, 3, 4), U(2, 1, 2, 5, 4), U(3, 1, 2, 5, 2)]),
        ["Sum/Mean"] = (t => t[0].Sum([1]) + t[0].Mean([1]) * 2f + t[0].Mean(), [U(1, 3, 4)]),
        ["Max/Min"] = (t => t[0].Max([1]) + t[0].Min([0]).Sum() + t[0].Max(0).Values.Sum() + t[0].Min(1).Values, [D(1, 3, 4)]),
        ["Var"] = (t => t[0].Var([1]) + t[0].Var([0], unbiased: false).Sum(), [U(1, 3, 4)]),
        ["SumTo"] = (t => t[0].SumTo([1, 4]), [U(1, 3, 4)]),
        ["Clone"] = (t => t[0].Clone() * t[0], [U(1, 5)]),
    };

    public static TheoryData<string> Ops => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Ops))]
    public void Backward_MatchesFiniteDifferences_InFloat64(string op)
    {
        var (f, inputs) = Cases[op];
        GradCheck.CheckFloat64(f, Device.Cpu, inputs);
    }

}
