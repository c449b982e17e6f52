using DeepNet.Layers;
using DeepNet.Tensors;

namespace DeepNet.Tests.Layers;

/// <summary>Small models shared by the module and training tests.</summary>
public static class Models
{
    /// <summary>The seed MNIST CNN: Conv 32 3x3 → MaxPool 2 → Conv 64 3x3 → MaxPool 2 → Conv 64 3x3 → Flatten → Dense 64 → Dense 10 on 1x28x28.</summary>
    public static Sequential MnistCnn(Generator? generator = null) => new(
        new Conv2D(1, 32, 3, generator: generator), new Relu(), new MaxPool2D(2),
        new Conv2D(32, 64, 3, generator: generator), new Relu(), new MaxPool2D(2),
        new Conv2D(64, 64, 3, generator: generator), new Relu(),
        new Flatten(),
        new Dense(576, 64, generator: generator), new Relu(),
        new Dense(64, 10, generator: generator));

    /// <summary>A 3-layer perceptron.</summary>
    public static Sequential Mlp(int inputs, int hidden, int outputs, Generator? generator = null) => new(
        new Dense(inputs, hidden, generator: generator), new Relu(),
        new Dense(hidden, hidden, generator: generator), new Tanh(),
        new Dense(hidden, outputs, generator: generator));
}
