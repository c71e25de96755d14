using System.Text;

namespace ClickHouse.Emulator.Http;

/// <summary>What the emulator must do with a statement; the engine does the real parsing.</summary>
internal enum StatementKind
{
    /// <summary>A SELECT (or WITH … SELECT): its output can be streamed in chunks.</summary>
    Select,

    /// <summary>An INSERT whose data follows <c>FORMAT x</c> / <c>VALUES</c>: streamed into the engine.</summary>
    InsertWithData,

    /// <summary>SET, USE, CREATE TEMPORARY …: changes the session, which must not outlive the request.</summary>
    SessionChange,

    /// <summary>Anything else (DDL, INSERT … SELECT, SHOW, SYSTEM …): run to completion.</summary>
    Other,
}

/// <summary>Result of <see cref="QueryScanner.Scan"/>; offsets are byte offsets into the scanned text.</summary>
/// <param name="Kind">How to execute it.</param>
/// <param name="Format">Input format of an insert, or the output format named by a trailing FORMAT clause.</param>
/// <param name="QueryEnd">Insert only: where the statement stops (the FORMAT/VALUES keyword).</param>
/// <param name="DataStart">Insert only: where the inline data begins.</param>
/// <param name="Incomplete">The text ended before the statement could be classified.</param>
internal readonly record struct ScannedQuery(StatementKind Kind, string? Format, int QueryEnd, int DataStart, bool Incomplete);

/// <summary>
/// A small ClickHouse-aware lexer over UTF-8 bytes. It only finds what the HTTP layer needs: the
/// statement kind, an output FORMAT clause, and for an INSERT where the query ends and its data
/// begins — by ClickHouse's rules, so that <c>INSERT … FORMAT RowBinary</c> followed by binary rows
/// in the same body is split exactly where the server would split it. It never reads past the format
/// name of an insert, so binary data is never tokenized.
/// </summary>
internal static class QueryScanner
{
    public static ScannedQuery Scan(ReadOnlySpan<byte> text, bool complete)
    {
        var lexer = new Lexer(text);
        var first = lexer.Next();
        while (first.Kind == TokenKind.Punct && text[first.Start] == (byte)'(')
        {
            first = lexer.Next(); // "(SELECT 1) UNION ALL (SELECT 2)"
        }

        if (first.Kind == TokenKind.End)
        {
            return new ScannedQuery(StatementKind.Other, null, -1, -1, !complete);
        }

        if (first.Kind == TokenKind.Word && first.Is(text, "INSERT"))
        {
            return ScanInsert(ref lexer, text, complete);
        }

        var kind = StatementKind.Other;
        if (first.Kind == TokenKind.Word)
        {
            if (first.Is(text, "SELECT") || first.Is(text, "WITH"))
            {
                kind = StatementKind.Select;
            }
            else if (first.Is(text, "SET") || first.Is(text, "USE"))
            {
                kind = StatementKind.SessionChange;
            }
            else if (first.Is(text, "CREATE"))
            {
                var second = lexer.Peek();
                if (second.Kind == TokenKind.Word && second.Is(text, "TEMPORARY"))
                {
                    kind = StatementKind.SessionChange;
                }
            }
        }

        return new ScannedQuery(kind, FindOutputFormat(ref lexer, text), -1, -1, !complete);
    }

    /// <summary>The last top-level <c>FORMAT name</c> that ends the statement (optionally before SETTINGS).</summary>
    private static string? FindOutputFormat(ref Lexer lexer, ReadOnlySpan<byte> text)
    {
        string? format = null;
        while (true)
        {
            var token = lexer.Next();
            if (token.Kind == TokenKind.End || (token.Kind == TokenKind.Punct && text[token.Start] == (byte)';'))
            {
                return format;
            }

            if (lexer.Depth == 0 && token.Kind == TokenKind.Word && token.Is(text, "FORMAT") && !lexer.PrecededByDot(token))
            {
                var name = lexer.Next();
                if (name.Kind != TokenKind.Word)
                {
                    continue;
                }

                // "SELECT format FROM t" is a column named format, not a clause: a clause ends the query.
                var after = lexer.Peek();
                if (after.Kind == TokenKind.End
                    || (after.Kind == TokenKind.Punct && text[after.Start] == (byte)';')
                    || (after.Kind == TokenKind.Word && after.Is(text, "SETTINGS")))
                {
                    format = Encoding.ASCII.GetString(text[name.Start..name.End]);
                }
            }
        }
    }

    private static ScannedQuery ScanInsert(ref Lexer lexer, ReadOnlySpan<byte> text, bool complete)
    {
        var sawSelect = false;
        while (true)
        {
            var token = lexer.Next();
            if (token.Kind == TokenKind.End)
            {
                // No FORMAT/VALUES: INSERT … SELECT, which carries no data of its own.
                return new ScannedQuery(StatementKind.Other, null, -1, -1, !complete);
            }

            if (lexer.Depth != 0 || token.Kind != TokenKind.Word || lexer.PrecededByDot(token))
            {
                continue;
            }

            if (token.Is(text, "SELECT") || token.Is(text, "WITH"))
            {
                sawSelect = true; // from here on VALUES is the table function, not the clause
            }
            else if (!sawSelect && token.Is(text, "VALUES"))
            {
                // Values data starts right after the keyword; the parser skips the whitespace itself.
                return new ScannedQuery(StatementKind.InsertWithData, "Values", token.Start, token.End, false);
            }
            else if (token.Is(text, "FORMAT"))
            {
                var name = lexer.Next();
                if (name.Kind != TokenKind.Word || (name.End == text.Length && !complete))
                {
                    return new ScannedQuery(StatementKind.InsertWithData, null, token.Start, -1, true);
                }

                // ClickHouse: data starts after spaces/tabs and at most one line break following the name.
                var data = name.End;
                while (data < text.Length && text[data] is (byte)' ' or (byte)'\t' or (byte)'\f')
                {
                    data++;
                }

                if (data < text.Length && text[data] == (byte)'\r')
                {
                    data++;
                }

                if (data < text.Length && text[data] == (byte)'\n')
                {
                    data++;
                }

                var format = Encoding.ASCII.GetString(text[name.Start..name.End]);
                return new ScannedQuery(StatementKind.InsertWithData, format, token.Start, data, data == text.Length && !complete);
            }
        }
    }

    private enum TokenKind
    {
        End,
        Word,
        Literal,
        Punct,
    }

    private readonly record struct Token(TokenKind Kind, int Start, int End)
    {
        public bool Is(ReadOnlySpan<byte> text, string keyword)
        {
            if (End - Start != keyword.Length)
            {
                return false;
            }

            for (var i = 0; i < keyword.Length; i++)
            {
                if ((text[Start + i] | 0x20) != (keyword[i] | 0x20))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private ref struct Lexer
    {
        private readonly ReadOnlySpan<byte> text;
        private int position;

        public Lexer(ReadOnlySpan<byte> text)
        {
            this.text = text;
        }

        /// <summary>Bracket nesting after the last token returned by <see cref="Next"/>.</summary>
        public int Depth { get; private set; }

        /// <summary>"db.format": a name qualified by a dot is never a keyword.</summary>
        public readonly bool PrecededByDot(Token token) => token.Start > 0 && text[token.Start - 1] == (byte)'.';

        public readonly Token Peek()
        {
            var copy = this;
            return copy.Next();
        }

        public Token Next()
        {
            SkipTrivia();
            if (position >= text.Length)
            {
                return new Token(TokenKind.End, position, position);
            }

            var start = position;
            var c = text[position];
            Token token;
            if (IsWordByte(c))
            {
                while (position < text.Length && IsWordByte(text[position]))
                {
                    position++;
                }

                token = new Token(TokenKind.Word, start, position);
            }
            else if (c is (byte)'\'' or (byte)'"' or (byte)'`')
            {
                SkipQuoted(c);
                token = new Token(TokenKind.Literal, start, position);
            }
            else
            {
                position++;
                if (c is (byte)'(' or (byte)'[' or (byte)'{')
                {
                    Depth++;
                }
                else if (c is (byte)')' or (byte)']' or (byte)'}')
                {
                    Depth = Math.Max(0, Depth - 1);
                }

                token = new Token(TokenKind.Punct, start, position);
            }

            return token;
        }

        private static bool IsWordByte(byte c) =>
            c is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'_' or (byte)'$' or >= 0x80;

        private void SkipQuoted(byte quote)
        {
            position++;
            while (position < text.Length)
            {
                var c = text[position++];
                if (c == (byte)'\\')
                {
                    position++;
                }
                else if (c == quote)
                {
                    if (position < text.Length && text[position] == quote)
                    {
                        position++; // doubled quote is an escaped quote
                    }
                    else
                    {
                        return;
                    }
                }
            }
        }

        private void SkipTrivia()
        {
            while (position < text.Length)
            {
                var c = text[position];
                if (c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v')
                {
                    position++;
                }
                else if (c == (byte)'-' && At(1, (byte)'-'))
                {
                    SkipLine();
                }
                else if (c == (byte)'#' && (At(1, (byte)' ') || At(1, (byte)'!')))
                {
                    SkipLine();
                }
                else if (c == (byte)'/' && At(1, (byte)'*'))
                {
                    SkipBlockComment();
                }
                else
                {
                    return;
                }
            }
        }

        private readonly bool At(int offset, byte value) => position + offset < text.Length && text[position + offset] == value;

        private void SkipLine()
        {
            var newline = text[position..].IndexOf((byte)'\n');
            position = newline < 0 ? text.Length : position + newline + 1;
        }

        private void SkipBlockComment()
        {
            // ClickHouse block comments nest.
            var depth = 0;
            while (position < text.Length)
            {
                if (At(0, (byte)'/') && At(1, (byte)'*'))
                {
                    depth++;
                    position += 2;
                }
                else if (At(0, (byte)'*') && At(1, (byte)'/'))
                {
                    depth--;
                    position += 2;
                    if (depth == 0)
                    {
                        return;
                    }
                }
                else
                {
                    position++;
                }
            }
        }
    }
}
