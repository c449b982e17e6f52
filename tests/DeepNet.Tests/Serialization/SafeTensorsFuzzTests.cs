using DeepNet.Layers;
using FsCheck;
using FsCheck.Xunit;
using Xunit;
using DeepNet.Serialization;

namespace DeepNet.Tests.Serialization;

/// <summary>
/// Random damage to a valid file never crashes the reader with anything but
/// <see cref="SafeTensorsFormatException"/>, and never yields inconsistent arrays.
/// The format has no checksum, so a flip inside the data region legitimately loads: there the
/// property is that names and shapes survive and exactly the one element holding the byte changes.
/// </summary>
public sealed class SafeTensorsFuzzTests
{
    private const int Tests = 2000;

    private static readonly NamedArray[] Original = SafeTensorsTestFiles.Sample();

    private static readonly byte[] Valid = SafeTensorsWriter.Serialize(Original, new Dictionary<string, string> { ["epoch"] = "3" });

    private static readonly int DataStart = 8 + (int)BitConverter.ToInt64(Valid, 0);

    [Property(MaxTest = Tests)]
    public void Truncation_AlwaysThrowsFormatException(NonNegativeInt length)
    {
        byte[] truncated = Valid[..(length.Get % Valid.Length)];

        Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsReader.Parse(truncated));
    }

    [Property(MaxTest = Tests)]
    public void ByteFlip_LoadsConsistentlyOrThrowsFormatException(NonNegativeInt position, byte mask)
    {
        int at = position.Get % Valid.Length;
        byte[] damaged = (byte[])Valid.Clone();
        damaged[at] ^= mask;

        SafeTensorsFile? loaded = TryParse(damaged);
        if (loaded is null)
        {
            return;
        }

        AssertSelfConsistent(loaded);
        if (mask == 0)
        {
            SafeTensorsTestFiles.AssertSameArrays(Original, loaded.Arrays);
        }
        else if (at >= DataStart)
        {
            AssertOnlyFlippedElementChanged(loaded, at - DataStart);
        }
    }

    [Property(MaxTest = Tests)]
    public void ManyFlipsInTheHeader_LoadConsistentlyOrThrowFormatException(NonNegativeInt[] positions, byte[] masks)
    {
        byte[] damaged = (byte[])Valid.Clone();
        for (int i = 0; i < Math.Min(positions.Length, masks.Length); i++)
        {
            // The first DataStart bytes: the length prefix and the JSON header.
            damaged[positions[i].Get % DataStart] ^= masks[i];
        }

        SafeTensorsFile? loaded = TryParse(damaged);
        if (loaded is not null)
        {
            AssertSelfConsistent(loaded);
        }
    }

    [Property(MaxTest = Tests)]
    public void RandomBytes_NeverThrowAnythingButFormatException(byte[] bytes)
    {
        SafeTensorsFile? loaded = TryParse(bytes);
        if (loaded is not null)
        {
            AssertSelfConsistent(loaded);
        }
    }

    private static SafeTensorsFile? TryParse(byte[] file)
    {
        // Any exception other than SafeTensorsFormatException escapes and fails the property.
        try
        {
            return SafeTensorsReader.Parse(file);
        }
        catch (SafeTensorsFormatException)
        {
            return null;
        }
    }

    // A load must describe the file completely: each array's values match its shape, and
    // writing it again and reading it back gives the same arrays.
    private static void AssertSelfConsistent(SafeTensorsFile loaded)
    {
        foreach (NamedArray array in loaded.Arrays)
        {
            Assert.Equal(array.ElementCount, array.Data.Length);
        }

        SafeTensorsFile again = SafeTensorsReader.Parse(SafeTensorsWriter.Serialize(loaded.Arrays, loaded.Metadata));
        SafeTensorsTestFiles.AssertSameArrays(loaded.Arrays, again.Arrays);
    }

    private static void AssertOnlyFlippedElementChanged(SafeTensorsFile loaded, int dataOffset)
    {
        Assert.Equal(Original.Length, loaded.Arrays.Count);
        int begin = 0;
        int changed = 0;
        for (int i = 0; i < Original.Length; i++)
        {
            NamedArray before = Original[i];
            NamedArray after = loaded.Arrays[i];
            Assert.Equal(before.Name, after.Name);
            Assert.Equal(before.Shape, after.Shape);
            for (int j = 0; j < before.Data.Length; j++)
            {
                bool differs = BitConverter.SingleToInt32Bits(before.Data[j]) != BitConverter.SingleToInt32Bits(after.Data[j]);
                bool flipped = (dataOffset - begin) / sizeof(float) == j && dataOffset >= begin && dataOffset < begin + before.Data.Length * sizeof(float);
                Assert.Equal(flipped, differs);
                changed += differs ? 1 : 0;
            }

            begin += before.Data.Length * sizeof(float);
        }

        Assert.Equal(1, changed);
    }
}
