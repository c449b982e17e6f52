using DeepNet.Layers;
using DeepNet.Tensors;
using Xunit;

namespace DeepNet.Tests.Layers;

/// <summary>
/// Rnn, Lstm and Gru against torch.nn.RNN/LSTM/GRU (tools/FixtureGen/Fixtures.Recurrent.cs): the
/// recorded parameters load by PyTorch's names, and the outputs, final states and the gradients of
/// Σ output⊙P + Σ h_n⊙Q (+ Σ c_n⊙R) for the input, initial states and every parameter match.
/// Sizes: T = 4, N = 2, in = 3, H = 5. References are float64; we compute in float32.
/// </summary>
public sealed class RecurrentFixtureTests
{
    private const double OutputTolerance = 2e-5;
    private const double GradientTolerance = 1e-4;
    private const int Input = 3, Hidden = 5;

    [Theory]
    [InlineData("tanh_bi2", Activation.Tanh, 2, true, false, true)]
    [InlineData("relu_bf", Activation.Relu, 1, false, true, false)]
    public void Rnn_MatchesTorch(string name, Activation nonlinearity, int layers, bool bias, bool batchFirst, bool bidirectional)
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("rnn", name);
        using var rnn = new Rnn(Input, Hidden, layers, bias, batchFirst, bidirectional: bidirectional, nonlinearity: nonlinearity);
        fixture.LoadInto(rnn);
        var x = fixture.Tensor("input", requiresGrad: true);
        var h0 = fixture.Has("h0") ? fixture.Tensor("h0", requiresGrad: true) : null;
        var (output, hn) = rnn.ForwardWithState(x, h0);
        AssertMatches(fixture, rnn, [x, h0], [output, hn]);
    }

    [Theory]
    [InlineData("bi2", 2, true, false, true)]
    [InlineData("bf", 1, false, true, false)]
    public void Lstm_MatchesTorch(string name, int layers, bool bias, bool batchFirst, bool bidirectional)
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("lstm", name);
        using var lstm = new Lstm(Input, Hidden, layers, bias, batchFirst, bidirectional: bidirectional);
        fixture.LoadInto(lstm);
        var x = fixture.Tensor("input", requiresGrad: true);
        var h0 = fixture.Has("h0") ? fixture.Tensor("h0", requiresGrad: true) : null;
        var c0 = fixture.Has("c0") ? fixture.Tensor("c0", requiresGrad: true) : null;
        var (output, hn, cn) = lstm.ForwardWithState(x, h0, c0);
        AssertMatches(fixture, lstm, [x, h0, c0], [output, hn, cn]);
    }

    [Theory]
    [InlineData("bi2", 2, true, false, true)]
    [InlineData("bf", 1, false, true, false)]
    public void Gru_MatchesTorch(string name, int layers, bool bias, bool batchFirst, bool bidirectional)
    {
        using var scope = new DisposeScope();
        var fixture = TorchFixture.Load("gru", name);
        using var gru = new Gru(Input, Hidden, layers, bias, batchFirst, bidirectional: bidirectional);
        fixture.LoadInto(gru);
        var x = fixture.Tensor("input", requiresGrad: true);
        var h0 = fixture.Has("h0") ? fixture.Tensor("h0", requiresGrad: true) : null;
        var (output, hn) = gru.ForwardWithState(x, h0);
        AssertMatches(fixture, gru, [x, h0], [output, hn]);
    }

    /// <summary>Compares outputs, then backpropagates the recorded projections and compares every gradient.</summary>
    private static void AssertMatches(TorchFixture fixture, Module module, Tensor?[] inputs, Tensor[] outputs)
    {
        string[] outputNames = ["output", "h_n", "c_n"], projections = ["P", "Q", "R"], inputNames = ["input", "h0", "c0"];
        for (int k = 0; k < outputs.Length; k++) fixture.AssertClose(outputNames[k], outputs[k], OutputTolerance);

        var loss = Tensor.Zeros([]);
        for (int k = 0; k < outputs.Length; k++)
            loss = loss.Add(outputs[k].Mul(fixture.Tensor(projections[k])).Sum());
        loss.Backward();

        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is not null) fixture.AssertClose("grad." + inputNames[i], inputs[i]!.Grad, GradientTolerance);
        foreach (var (name, parameter) in module.NamedParameters())
            fixture.AssertClose("grad." + name, parameter.Grad, GradientTolerance);
    }
}
