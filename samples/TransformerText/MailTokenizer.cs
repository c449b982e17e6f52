using System.Net;
using System.Text;
using System.Text.RegularExpressions;

/// <summary>
/// Turns a raw mail into lowercase words: the Subject line, then the body with its HTML tags
/// stripped. The header block (everything before the first blank line) is skipped otherwise:
/// its Received/Message-Id lines are mostly server names and dates, which a small model learns
/// by heart on the training mails instead of learning what spam says.
/// </summary>
internal static partial class MailTokenizer
{
    /// <summary>Words longer than this are base64 or uuencoded blobs, not words.</summary>
    private const int MaxWordLength = 24;

    /// <summary>The words of <paramref name="mail"/>: Subject words first, then the body's.</summary>
    public static string[] Words(string mail)
    {
        var (headers, body) = SplitHeaders(mail);
        var text = new StringBuilder();
        text.Append(Subject(headers)).Append('\n').Append(PlainText(body));
        return WordPattern().Matches(text.ToString().ToLowerInvariant())
            .Select(m => m.Value).Where(w => w.Length <= MaxWordLength).ToArray();
    }

    /// <summary>Headers up to the first blank line, and the rest as body (empty when there is no blank line).</summary>
    private static (string Headers, string Body) SplitHeaders(string mail)
    {
        var match = BlankLine().Match(mail);
        return match.Success ? (mail[..match.Index], mail[(match.Index + match.Length)..]) : (mail, "");
    }

    /// <summary>The Subject header's value, folded continuation lines included; empty when absent.</summary>
    private static string Subject(string headers)
    {
        var match = SubjectHeader().Match(headers);
        return match.Success ? match.Groups[1].Value : "";
    }

    /// <summary>The body without script/style blocks, HTML tags and entities.</summary>
    private static string PlainText(string body)
    {
        string text = ScriptOrStyle().Replace(body, " ");
        text = Tag().Replace(text, " ");
        return WebUtility.HtmlDecode(text);
    }

    [GeneratedRegex(@"\r?\n[ \t]*\r?\n")]
    private static partial Regex BlankLine();

    [GeneratedRegex(@"^subject:(.*(?:\r?\n[ \t].*)*)", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex SubjectHeader();

    [GeneratedRegex(@"<(script|style)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"[a-z0-9$!]+")]
    private static partial Regex WordPattern();
}
