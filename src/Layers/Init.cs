using DeepNet.Autograd;
using DeepNet.Tensors;

namespace DeepNet.Layers;

/// <summary>
/// Parameter initializers with PyTorch's defaults. The shape forms make a new tensor; the tensor
/// forms fill an existing one in place (torch.nn.init's xavier_uniform_ etc., under no-grad) and
/// return it, e.g. <c>Init.XavierUniform(dense.Weight)</c> or Dense's <c>weightInit:</c> argument.
/// Every one takes an optional <see cref="Generator"/> so models can be built reproducibly;
/// without one the default generator is used (reseed it with <see cref="Generator.ManualSeed"/>).
/// </summary>
public static class Init
{
    /// <summary>U(−bound, bound) of the given shape.</summary>
    public static Tensor Uniform(int[] shape, float bound, Generator? generator = null, Device? device = null) =>
        Tensor.Rand(shape, generator, device, -bound, bound);

    /// <summary>N(mean, std²) of the given shape (nn.Embedding's default is N(0, 1)).</summary>
    public static Tensor Normal(int[] shape, float mean = 0f, float std = 1f, Generator? generator = null, Device? device = null) =>
        Tensor.Randn(shape, generator, device, mean, std);

    /// <summary>
    /// kaiming_uniform_: U(−b, b) with b = gain·√(3 / fan_in) and gain = √(2 / (1 + a²)).
    /// With PyTorch's a = √5 for Linear and Conv weights, b = 1/√fan_in.
    /// </summary>
    public static Tensor KaimingUniform(int[] shape, int fanIn, double a = 2.2360679774997896964,
        Generator? generator = null, Device? device = null)
    {
        if (fanIn <= 0) throw new ArgumentException($"kaiming_uniform: fan_in must be positive, got {fanIn} for shape [{string.Join(",", shape)}]");
        double gain = Math.Sqrt(2.0 / (1.0 + a * a));
        return Uniform(shape, (float)(gain * Math.Sqrt(3.0 / fanIn)), generator, device);
    }

    /// <summary>The bias initializer of Linear and Conv: U(−1/√fan_in, 1/√fan_in).</summary>
    public static Tensor FanInUniform(int[] shape, int fanIn, Generator? generator = null, Device? device = null)
    {
        if (fanIn <= 0) throw new ArgumentException($"fan_in_uniform: fan_in must be positive, got {fanIn}");
        return Uniform(shape, (float)(1.0 / Math.Sqrt(fanIn)), generator, device);
    }

    /// <summary>torch.nn.init.calculate_gain: the recommended scale for a nonlinearity (slope: LeakyRelu's negative slope).</summary>
    public static double Gain(Nonlinearity nonlinearity, double slope = 0.01) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1.0,
        Nonlinearity.Tanh => 5.0 / 3.0,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1.0 + slope * slope)),
        Nonlinearity.Selu => 0.75,
        _ => throw new ArgumentException($"calculate_gain: unknown nonlinearity {nonlinearity}"),
    };

    /// <summary>
    /// torch's _calculate_fan_in_and_fan_out: for [out, in, k...] fan_in = in·Πk and fan_out = out·Πk;
    /// tensors of fewer than 2 dims have no fans.
    /// </summary>
    public static (int FanIn, int FanOut) Fans(int[] shape)
    {
        if (shape.Length < 2)
            throw new ArgumentException($"init: fan in and fan out need at least 2 dims, got shape [{string.Join(", ", shape)}]");
        int receptive = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>xavier_uniform_: U(−b, b), b = gain·√(6 / (fan_in + fan_out)). Fills <paramref name="tensor"/> (≥ 2 dims).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape.ToArray());
        return FillUniform(tensor, gain * Math.Sqrt(6.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>xavier_normal_: N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)). Fills <paramref name="tensor"/> (≥ 2 dims).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape.ToArray());
        return FillNormal(tensor, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>
    /// kaiming_uniform_ with torch's defaults (a = 0, fan_in, leaky_relu ⇒ gain √2): U(−b, b),
    /// b = gain·√(3 / fan). <paramref name="a"/> is the negative slope for LeakyRelu.
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null) =>
        FillUniform(tensor, Math.Sqrt(3.0) * KaimingStd(tensor, a, mode, nonlinearity), generator);

    /// <summary>kaiming_normal_: N(0, σ²), σ = gain / √fan, with the defaults of <see cref="KaimingUniform(Tensor, double, FanMode, Nonlinearity, Generator?)"/>.</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null) =>
        FillNormal(tensor, KaimingStd(tensor, a, mode, nonlinearity), generator);

    /// <summary>
    /// orthogonal_: a (semi-)orthogonal matrix from the QR decomposition of a normal one (signs
    /// fixed by diag(R), as torch), scaled by <paramref name="gain"/>; dims after the first are flattened.
    /// Computed on the host in double.
    /// </summary>
    public static Tensor Orthogonal(Tensor tensor, double gain = 1.0, Generator? generator = null)
    {
        if (tensor.Rank < 2)
            throw new ArgumentException($"orthogonal: needs at least 2 dims, got {tensor.Shape}");
        int rows = tensor.Shape[0], cols = (int)(tensor.Size / rows);
        using var noise = Tensor.Randn([rows, cols], generator);
        float[] a = noise.ToArray();
        bool wide = rows < cols;
        int m = wide ? cols : rows, n = wide ? rows : cols;   // orthonormalize the n columns of an m×n matrix
        var q = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) q[i * n + j] = wide ? a[j * cols + i] : a[i * cols + j];
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < j; k++)   // modified Gram-Schmidt: R[k, j] = q_k·q_j
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += q[i * n + k] * q[i * n + j];
                for (int i = 0; i < m; i++) q[i * n + j] -= dot * q[i * n + k];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += q[i * n + j] * q[i * n + j];
            norm = Math.Sqrt(norm);
            // R[j, j] = norm > 0, so torch's sign(diag(R)) correction is already +1 here.
            for (int i = 0; i < m; i++) q[i * n + j] = norm > 0 ? q[i * n + j] / norm : 0;
        }
        var result = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) result[r * cols + c] = (float)(gain * (wide ? q[c * n + r] : q[r * n + c]));
        using var host = Tensor.FromArray(result, tensor.Shape.ToArray());
        return Fill(tensor, host);
    }

    /// <summary>zeros_: fills with 0.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0f);

    /// <summary>ones_: fills with 1.</summary>
    public static Tensor Ones(Tensor tensor) => Constant(tensor, 1f);

    /// <summary>constant_: fills with <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, float value)
    {
        using var noGrad = GradMode.NoGrad();
        tensor.Fill(value);
        return tensor;
    }

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape.ToArray());
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        return Gain(nonlinearity, a) / Math.Sqrt(fan);
    }

    private static Tensor FillUniform(Tensor tensor, double bound, Generator? generator)
    {
        using var values = Uniform(tensor.Shape.ToArray(), (float)bound, generator, tensor.Device);
        return Fill(tensor, values);
    }

    private static Tensor FillNormal(Tensor tensor, double std, Generator? generator)
    {
        using var values = Normal(tensor.Shape.ToArray(), 0f, (float)std, generator, tensor.Device);
        return Fill(tensor, values);
    }

    private static Tensor Fill(Tensor tensor, Tensor values)
    {
        using var noGrad = GradMode.NoGrad();
        using var moved = values.To(tensor.Device);
        tensor.CopyFrom(moved);
        return tensor;
    }
}
