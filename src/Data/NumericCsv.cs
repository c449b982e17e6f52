using System.Globalization;

namespace DeepNet.Data;

/// <summary>
/// Reads the plain numeric CSV files of the stdlib datasets: one header line with known column
/// names, then rows of comma-separated numbers (no quoting). Errors name the file, line and column.
/// </summary>
internal static class NumericCsv
{
    /// <summary>
    /// Returns the rows as [rows, columns] row-major doubles. Throws
    /// <see cref="InvalidDataException"/> for a header other than <paramref name="expectedHeader"/>,
    /// a row with the wrong number of fields, or a field that is not a finite number.
    /// </summary>
    public static (int Rows, double[] Values) Read(string path, IReadOnlyList<string> expectedHeader)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        if (header is null)
            throw new InvalidDataException($"{path}: file is empty; expected the header '{string.Join(",", expectedHeader)}'.");
        var names = header.Trim().Split(',').Select(n => n.Trim()).ToArray();
        if (!names.SequenceEqual(expectedHeader, StringComparer.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"{path}: line 1: header is '{header.Trim()}', expected '{string.Join(",", expectedHeader)}'.");

        var columns = expectedHeader.Count;
        var values = new List<double>();
        var lineNumber = 1;
        var rows = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var fields = line.Split(',');
            if (fields.Length != columns)
                throw new InvalidDataException(
                    $"{path}: line {lineNumber} has {fields.Length} fields, expected {columns} ({string.Join(",", expectedHeader)}).");
            for (var c = 0; c < columns; c++)
            {
                if (!double.TryParse(fields[c].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    || !double.IsFinite(value))
                    throw new InvalidDataException(
                        $"{path}: line {lineNumber}, column '{expectedHeader[c]}': '{fields[c].Trim()}' is not a finite number.");
                values.Add(value);
            }
            rows++;
        }
        return (rows, values.ToArray());
    }
}
