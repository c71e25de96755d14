namespace PolyglotAspire.SyncWorker.Pipeline;

/// <summary>A key or value copied into a <see cref="RawBlock"/>'s arena: where it lies, or <see cref="Null"/>.</summary>
internal readonly record struct RawRef(int Start, int Length)
{
    public static readonly RawRef Null = new(0, -1);

    public bool IsNull => Length < 0;
}
