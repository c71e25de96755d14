using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace PolyglotAspire.OrdersApi.UnitTests;

/// <summary>
/// Orders.Api's folders are layers: a folder (= namespace) may use the ones below it, never one above. Read from the
/// source, not from usings alone: a child namespace sees its parent's types without a using, and a qualified name
/// (<c>Apis.OrdersApi.X</c>) needs none either, so an edge is any mention of a type declared in another folder.
/// </summary>
public sealed partial class NamespaceLayeringTests
{
    private const string RootNamespace = "PolyglotAspire.OrdersApi";

    /// <summary>Bottom to top. A folder may depend only on folders listed before it.</summary>
    private static readonly string[] Layers = ["(root)", "Diagnostics", "Domain", "Capture", "Data", "Application", "Consistency", "Apis", "Extensions", "(Program)"];

    /// <summary>What the domain must not know: HTTP and its headers, the database, the broker.</summary>
    private static readonly string[] NotInDomain =
        ["HttpContext", "HttpRequest", "HttpResponse", "StringValues", "TypedResults", "StatusCodes", "ProblemDetails", "IResult", "Npgsql", "Confluent"];

    [Fact]
    public void Every_folder_uses_only_the_folders_below_it()
    {
        var graph = DependencyGraph(SourceFiles());
        TestContext.Current.TestOutputHelper?.WriteLine(Describe(graph));

        Assert.Equal(Layers.Order(StringComparer.Ordinal), graph.Keys.Order(StringComparer.Ordinal));
        var upward = graph.SelectMany(node => node.Value.Select(target => (From: node.Key, To: target)))
            .Where(edge => Array.IndexOf(Layers, edge.To) >= Array.IndexOf(Layers, edge.From))
            .Select(edge => $"{edge.From} → {edge.To}")
            .ToList();
        Assert.True(upward.Count == 0, "Upward or cyclic dependencies: " + string.Join(", ", upward) + "\n" + Describe(graph));
    }

    [Fact]
    public void The_domain_knows_no_HTTP_database_or_broker()
    {
        var mentions = SourceFiles()
            .Where(file => NodeOf(file.Namespace) == "Domain")
            .SelectMany(file => Identifiers(file.Code).Where(id => NotInDomain.Any(id.StartsWith)).Select(id => $"{file.Name}: {id}"))
            .Distinct()
            .ToList();
        Assert.Empty(mentions);
    }

    [Fact]
    public void The_check_sees_qualified_names_and_parent_namespace_types()
    {
        // The reader must catch what usings do not show, or the layering test above could pass on a cycle.
        SourceFile[] files =
        [
            Parse("a.cs", "namespace PolyglotAspire.OrdersApi.Apis;\npublic static class Api { }"),
            Parse("b.cs", "namespace PolyglotAspire.OrdersApi.Domain;\npublic sealed class Thing { string h = Apis.Api.ToString(); }"),
            Parse("c.cs", "namespace PolyglotAspire.OrdersApi;\npublic sealed class Settings { }"),
            Parse("d.cs", "namespace PolyglotAspire.OrdersApi.Data;\ninternal sealed class Store(Settings settings) { string u = \"http://x Apis\"; string v = $\"{{Api}} {Thing.Name}\"; } // Api\n/* Api */"),
        ];
        var graph = DependencyGraph(files);
        Assert.Equal(["Apis"], graph["Domain"]);
        Assert.Equal(["(root)", "Domain"], graph["Data"]);
    }

    private static Dictionary<string, SortedSet<string>> DependencyGraph(IReadOnlyList<SourceFile> files)
    {
        var declaredIn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (Match type in TopLevelType().Matches(file.Code))
            {
                declaredIn[type.Groups["name"].Value] = NodeOf(file.Namespace);
            }
        }

        var graph = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var node = NodeOf(file.Namespace);
            var edges = graph.TryGetValue(node, out var existing) ? existing : graph[node] = new SortedSet<string>(StringComparer.Ordinal);
            foreach (Match import in UsingOwnNamespace().Matches(file.Code))
            {
                edges.Add(NodeOf(import.Groups["ns"].Value));
            }

            foreach (var name in Names(file.Code))
            {
                // The first part of a (qualified) name is what it depends on: a folder or a type. What follows a dot
                // is a member of it (problem.Extensions, Topics.OrderEvents), whatever its name.
                var parts = name.Split('.');
                var first = parts[0] == "PolyglotAspire" && parts.Length > 2 && parts[1] == "OrdersApi" ? parts[2] : parts[0];
                if (Layers.Contains(first))
                {
                    edges.Add(first);
                }
                else if (declaredIn.TryGetValue(first, out var target))
                {
                    edges.Add(target);
                }
            }

            edges.Remove(node);
        }

        return graph;
    }

    private static string NodeOf(string? ns) => ns switch
    {
        null => "(Program)",
        RootNamespace => "(root)",
        _ when ns.StartsWith(RootNamespace + ".", StringComparison.Ordinal) => ns[(RootNamespace.Length + 1)..].Split('.')[0],
        _ => throw new InvalidOperationException($"Namespace {ns} is outside {RootNamespace}."),
    };

    /// <summary>The identifiers of the code, without comments and without the using and namespace lines.</summary>
    private static IEnumerable<string> Identifiers(string code) =>
        Identifier().Matches(DirectiveLine().Replace(code, "")).Select(m => m.Value);

    /// <summary>The names the code uses, each with its qualifiers (<c>Apis.OrdersApi.Header</c>), not a member access's tail.</summary>
    private static IEnumerable<string> Names(string code) =>
        QualifiedName().Matches(DirectiveLine().Replace(code, "")).Select(m => m.Value);

    private static string Describe(Dictionary<string, SortedSet<string>> graph) =>
        string.Join("\n", Layers.Where(graph.ContainsKey).Reverse().Select(node => $"{node} → {(graph[node].Count == 0 ? "(nothing)" : string.Join(", ", graph[node]))}"));

    private static List<SourceFile> SourceFiles([CallerFilePath] string thisFile = "")
    {
        var project = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "Orders.Api"));
        Assert.True(Directory.Exists(project), $"Orders.Api sources not found at {project}");
        return Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                           && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => Parse(Path.GetRelativePath(project, path), File.ReadAllText(path)))
            .ToList();
    }

    private static SourceFile Parse(string name, string text)
    {
        var code = WithoutComments(text);
        var ns = FileNamespace().Match(code);
        return new SourceFile(name, ns.Success ? ns.Groups["ns"].Value : null, code);
    }

    /// <summary>
    /// Removes comments and the text of string and character literals (a word in a message is not a dependency);
    /// the holes of an interpolated string are code and stay.
    /// </summary>
    private static string WithoutComments(string source)
    {
        var output = new StringBuilder(source.Length);
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            var next = i + 1 < source.Length ? source[i + 1] : '\0';
            if (c == '/' && next == '/')
            {
                i = source.IndexOf('\n', i) is var end and >= 0 ? end - 1 : source.Length;
            }
            else if (c == '/' && next == '*')
            {
                i = source.IndexOf("*/", i + 2, StringComparison.Ordinal) + 1;
            }
            else if (c is '"' or '\'')
            {
                var prefix = source[Math.Max(0, i - 2)..i];
                var verbatim = prefix.EndsWith('@') || prefix == "@$";
                var interpolated = prefix.EndsWith('$') || prefix == "$@";
                var depth = 0;
                output.Append(c);
                for (i++; i < source.Length; i++)
                {
                    var d = source[i];
                    if (depth > 0)
                    {
                        depth += d == '{' ? 1 : d == '}' ? -1 : 0;
                        output.Append(depth > 0 ? d : ' ');
                    }
                    else if (!verbatim && d == '\\')
                    {
                        i++;
                    }
                    else if (interpolated && d == '{')
                    {
                        // "{{" is a brace of the text, "{" opens a hole.
                        if (i + 1 < source.Length && source[i + 1] == '{')
                        {
                            i++;
                        }
                        else
                        {
                            depth = 1;
                        }
                    }
                    else if (d == c)
                    {
                        output.Append(c);
                        break;
                    }
                }
            }
            else
            {
                output.Append(c);
            }
        }

        return output.ToString();
    }

    private sealed record SourceFile(string Name, string? Namespace, string Code);

    [GeneratedRegex(@"^namespace\s+(?<ns>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^using\s+(static\s+)?(?<ns>PolyglotAspire\.OrdersApi(\.\w+)?)[\w.]*\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingOwnNamespace();

    [GeneratedRegex(@"^\s*(global\s+)?(using|namespace)\s[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex DirectiveLine();

    /// <summary>A type declared at the top level of a file-scoped namespace (not indented).</summary>
    [GeneratedRegex(@"^(?:(?:public|internal|file|static|sealed|abstract|readonly|partial|ref)\s+)*(?:class|struct|interface|enum|record(?:\s+struct|\s+class)?)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    [GeneratedRegex(@"\b[A-Z]\w*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"(?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")]
    private static partial Regex QualifiedName();
}
