using TorchSharp;
using static TorchSharp.torch;

namespace FixtureGen;

// torch.nn.RNN / LSTM / GRU references for tests/DeepNet.Tests/Layers/RecurrentFixtureTests.cs.
// Each case "<case>.*" stores the parameters under PyTorch's names, the input (and initial states),
// the outputs, the projections P, Q, R of the scalar loss Σ output⊙P + Σ h_n⊙Q (+ Σ c_n⊙R), and the
// gradients of that loss with respect to the input, the initial states and every parameter.
internal static partial class Fixtures
{
    [Fixture]
    public static void Rnn(FixtureFile file)
    {
        RnnCase(file, "tanh_bi2", nn.NonLinearities.Tanh, layers: 2, bias: true, batchFirst: false, bidirectional: true, withState: true, seed: 10);
        RnnCase(file, "relu_bf", nn.NonLinearities.ReLU, layers: 1, bias: false, batchFirst: true, bidirectional: false, withState: false, seed: 11);
    }

    [Fixture]
    public static void Lstm(FixtureFile file)
    {
        LstmCase(file, "bi2", layers: 2, bias: true, batchFirst: false, bidirectional: true, withState: true, seed: 20);
        LstmCase(file, "bf", layers: 1, bias: false, batchFirst: true, bidirectional: false, withState: false, seed: 21);
    }

    [Fixture]
    public static void Gru(FixtureFile file)
    {
        GruCase(file, "bi2", layers: 2, bias: true, batchFirst: false, bidirectional: true, withState: true, seed: 30);
        GruCase(file, "bf", layers: 1, bias: false, batchFirst: true, bidirectional: false, withState: false, seed: 31);
    }

    private const long SeqLength = 4, Batch = 2, InputSize = 3, HiddenSize = 5;

    private static void RnnCase(FixtureFile file, string name, nn.NonLinearities nonlinearity, long layers, bool bias, bool batchFirst,
        bool bidirectional, bool withState, int seed)
    {
        manual_seed(seed);
        var rnn = nn.RNN(InputSize, HiddenSize, layers, nonlinearity, bias, batchFirst, 0.0, bidirectional, dtype: ScalarType.Float64);
        var (input, states) = RecurrentInputs(file, name, rnn, layers, batchFirst, bidirectional, withState ? 1 : 0);
        var (output, hn) = rnn.forward(input, states.Length > 0 ? states[0] : null);
        RecordRecurrent(file, name, rnn, input, states, [output, hn]);
    }

    private static void LstmCase(FixtureFile file, string name, long layers, bool bias, bool batchFirst, bool bidirectional, bool withState, int seed)
    {
        manual_seed(seed);
        var lstm = nn.LSTM(InputSize, HiddenSize, layers, bias, batchFirst, 0.0, bidirectional, dtype: ScalarType.Float64);
        var (input, states) = RecurrentInputs(file, name, lstm, layers, batchFirst, bidirectional, withState ? 2 : 0);
        var (output, hn, cn) = lstm.forward(input, states.Length > 0 ? (states[0], states[1]) : null);
        RecordRecurrent(file, name, lstm, input, states, [output, hn, cn]);
    }

    private static void GruCase(FixtureFile file, string name, long layers, bool bias, bool batchFirst, bool bidirectional, bool withState, int seed)
    {
        manual_seed(seed);
        var gru = nn.GRU(InputSize, HiddenSize, layers, bias, batchFirst, 0.0, bidirectional, dtype: ScalarType.Float64);
        var (input, states) = RecurrentInputs(file, name, gru, layers, batchFirst, bidirectional, withState ? 1 : 0);
        var (output, hn) = gru.forward(input, states.Length > 0 ? states[0] : null);
        RecordRecurrent(file, name, gru, input, states, [output, hn]);
    }

    /// <summary>Rounds the module's parameters to float32 values and draws the input and initial states.</summary>
    private static (Tensor Input, Tensor[] States) RecurrentInputs(FixtureFile file, string name, nn.Module module, long layers,
        bool batchFirst, bool bidirectional, int stateCount)
    {
        RoundParameters(module);
        long directions = bidirectional ? 2 : 1;
        var input = Float32Randn(batchFirst ? [Batch, SeqLength, InputSize] : [SeqLength, Batch, InputSize]);
        var states = Enumerable.Range(0, stateCount).Select(_ => Float32Randn([layers * directions, Batch, HiddenSize])).ToArray();
        file.Meta($"{name}.num_layers", layers);
        file.Meta($"{name}.batch_first", batchFirst ? 1 : 0);
        file.Meta($"{name}.bidirectional", bidirectional ? 1 : 0);
        return (input, states);
    }

    /// <summary>Stores parameters, inputs, outputs, projections and the gradients of Σ outputs[k]⊙P_k.</summary>
    private static void RecordRecurrent(FixtureFile file, string name, nn.Module module, Tensor input, Tensor[] states, Tensor[] outputs)
    {
        string[] outputNames = ["output", "h_n", "c_n"];
        string[] projectionNames = ["P", "Q", "R"];
        Tensor loss = zeros(1, dtype: ScalarType.Float64);
        for (int k = 0; k < outputs.Length; k++)
        {
            var projection = Float32Randn(outputs[k].shape).requires_grad_(false);
            file.AddFloat32($"{name}.{outputNames[k]}", outputs[k]);
            file.AddFloat32($"{name}.{projectionNames[k]}", projection);
            loss = loss + (outputs[k] * projection).sum();
        }
        loss.backward();
        file.AddFloat32($"{name}.input", input);
        file.AddFloat32($"{name}.grad.input", input.grad!);
        string[] stateNames = ["h0", "c0"];
        for (int s = 0; s < states.Length; s++)
        {
            file.AddFloat32($"{name}.{stateNames[s]}", states[s]);
            file.AddFloat32($"{name}.grad.{stateNames[s]}", states[s].grad!);
        }
        foreach (var (parameterName, parameter) in module.named_parameters())
        {
            file.AddFloat32($"{name}.{parameterName}", parameter);
            file.AddFloat32($"{name}.grad.{parameterName}", parameter.grad!);
        }
    }

    /// <summary>Rounds every parameter to a float32-representable value (the tests hold float32).</summary>
    private static void RoundParameters(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in module.named_parameters())
            parameter.copy_(parameter.to_type(ScalarType.Float32).to_type(ScalarType.Float64));
    }

    /// <summary>A float64 leaf holding standard normal float32 values, requiring grad.</summary>
    private static Tensor Float32Randn(long[] shape) =>
        randn(shape, dtype: ScalarType.Float32).to_type(ScalarType.Float64).requires_grad_();
}
