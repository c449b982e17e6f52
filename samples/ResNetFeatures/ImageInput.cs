using System.Reflection;
using DeepNet.Serialization.Onnx;
using SkiaSharp;

/// <summary>
/// Pixels as the CNTK ResNet-18 of Microsoft.ML.DnnImageFeaturizer.ResNet18 expects them
/// (its ResNetPreprocess.onnx): 224×224, BGR channel order, 0..255 minus the ImageNet mean image.
/// </summary>
internal sealed class ImageInput
{
    public const int Size = 224;
    private readonly float[] _mean;

    private ImageInput(float[] mean) => _mean = mean;

    /// <summary>The package folder NuGet restored (named in this assembly's metadata at build).</summary>
    public static string PackageFile(params string[] parts)
    {
        string package = typeof(ImageInput).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Package").Value
            ?? throw new InvalidOperationException("the ResNet18Package path is empty: restore the project");
        return Path.Combine([package, "tools", "DnnImageModels", .. parts]);
    }

    /// <summary>Reads the mean image from ResNetPreprocess.onnx (its only initializer, [1, 3, 224, 224]).</summary>
    public static ImageInput Load() =>
        new(OnnxModel.Load(PackageFile("ResNetPrepOnnx", "ResNetPreprocess.onnx")).Graph.Initializers["MeanImage"].Floats);

    /// <summary>A 28×28 grey digit (values 0..1) upscaled bilinearly to 224×224, grey in all three channels.</summary>
    public void FromDigit(ReadOnlySpan<float> digit, Span<float> destination)
    {
        using var bitmap = new SKBitmap(28, 28, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = bitmap.GetPixelSpan();
        for (int i = 0; i < 784; i++) pixels[i] = (byte)Math.Round(digit[i] * 255f);
        FromBitmap(bitmap, destination);
    }

    /// <summary>Decodes a PNG/JPEG file (Skia) and resizes it to 224×224.</summary>
    public void FromFile(string path, Span<float> destination)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"'{path}' is not an image Skia can decode (PNG, JPEG, WebP, GIF, BMP)");
        FromBitmap(bitmap, destination);
    }

    private void FromBitmap(SKBitmap source, Span<float> destination)
    {
        using var rgba = new SKBitmap(Size, Size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using (var canvas = new SKCanvas(rgba))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.Clear(SKColors.Black);
            canvas.DrawImage(image, new SKRect(0, 0, Size, Size), new SKSamplingOptions(SKFilterMode.Linear));
        }
        var bytes = rgba.GetPixelSpan();
        int plane = Size * Size;
        for (int p = 0; p < plane; p++)
        {
            // BGR planes: channel c reads RGBA byte 2 − c.
            for (int c = 0; c < 3; c++) destination[c * plane + p] = bytes[4 * p + 2 - c] - _mean[c * plane + p];
        }
    }

    /// <summary>Writes a 28×28 digit as a PNG (to show the file path end to end).</summary>
    public static void SaveDigitPng(ReadOnlySpan<float> digit, string path)
    {
        using var bitmap = new SKBitmap(28, 28, SKColorType.Gray8, SKAlphaType.Opaque);
        var pixels = bitmap.GetPixelSpan();
        for (int i = 0; i < 784; i++) pixels[i] = (byte)Math.Round(digit[i] * 255f);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }
}
