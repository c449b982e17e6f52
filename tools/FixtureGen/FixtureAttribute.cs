namespace FixtureGen;

/// <summary>
/// Marks a <c>static void Name(FixtureFile file)</c> method of <see cref="Fixtures"/> as a fixture:
/// it fills <c>file</c>, which is written to <c>Name.safetensors</c> (or the given file name).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class FixtureAttribute(string? fileName = null) : Attribute
{
    /// <summary>File name without extension; defaults to the method name in lower case.</summary>
    public string? FileName { get; } = fileName;
}
