namespace DeepNet.Kernels.Fused;

/// <summary>
/// Up to <see cref="Capacity"/> entries of a multi-tensor update, passed by value as one kernel
/// argument (CUDA's parameter space, 4 KiB): ILGPU cannot pass an array of views nor read views
/// from device memory, so the entries are fixed fields and the kernel picks its own by its grid row.
/// </summary>
public struct MultiTensorChunk<TEntry> where TEntry : struct, IMultiTensorEntry
{
    /// <summary>Entries per launch; 16 Adam entries (~150 bytes each) stay under the 4 KiB parameter limit.</summary>
    public const int Capacity = 16;

    /// <summary>The entries; slots past the launched count hold a copy of a real one, never run.</summary>
    public TEntry E0, E1, E2, E3, E4, E5, E6, E7, E8, E9, E10, E11, E12, E13, E14, E15;

    /// <summary>Entry <paramref name="index"/> (0 ≤ index &lt; Capacity; kernels cannot throw, so others read the last slot).</summary>
    public readonly TEntry Get(int index) => index switch
    {
        0 => E0,
        1 => E1,
        2 => E2,
        3 => E3,
        4 => E4,
        5 => E5,
        6 => E6,
        7 => E7,
        8 => E8,
        9 => E9,
        10 => E10,
        11 => E11,
        12 => E12,
        13 => E13,
        14 => E14,
        _ => E15,
    };

    /// <summary>Sets entry <paramref name="index"/> (host side).</summary>
    public void Set(int index, TEntry entry)
    {
        switch (index)
        {
            case 0: E0 = entry; break;
            case 1: E1 = entry; break;
            case 2: E2 = entry; break;
            case 3: E3 = entry; break;
            case 4: E4 = entry; break;
            case 5: E5 = entry; break;
            case 6: E6 = entry; break;
            case 7: E7 = entry; break;
            case 8: E8 = entry; break;
            case 9: E9 = entry; break;
            case 10: E10 = entry; break;
            case 11: E11 = entry; break;
            case 12: E12 = entry; break;
            case 13: E13 = entry; break;
            case 14: E14 = entry; break;
            case 15: E15 = entry; break;
            default: throw new ArgumentOutOfRangeException(nameof(index), $"multi_tensor: chunk slot {index} is outside 0..{Capacity - 1}");
        }
    }
}
