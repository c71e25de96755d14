namespace PolyglotAspire.SyncWorker.Backfill;

/// <summary>Walks a binary COPY stream held in a buffer that is refilled: the header once, then complete tuples into a batch.</summary>
internal sealed class CopyReader
{
    private bool _headerRead;

    /// <summary>
    /// Decodes the complete tuples in <paramref name="buffer"/>[<paramref name="start"/>..<paramref name="end"/>) into
    /// <paramref name="batch"/> until it holds <paramref name="maxRows"/> rows or a tuple is incomplete, moving
    /// <paramref name="start"/> past what it used. True once the trailer (the end of the data) is reached.
    /// </summary>
    public bool Parse(byte[] buffer, ref int start, int end, BackfillBatch batch, ulong snapshotLsn, int maxRows)
    {
        if (!_headerRead)
        {
            var header = SnapshotRowDecoder.ReadHeader(buffer.AsSpan(start, end - start));
            if (header == 0)
            {
                return false;
            }

            start += header;
            _headerRead = true;
        }

        while (batch.Rows < maxRows)
        {
            var data = buffer.AsSpan(start, end - start);
            var length = SnapshotRowDecoder.TupleLength(data);
            if (length == -1)
            {
                start += 2;
                return true;
            }

            if (length == 0)
            {
                return false;
            }

            SnapshotRowDecoder.Write(data[..length], snapshotLsn, batch.Orders, batch.Keys);
            batch.Rows++;
            start += length;
        }

        return false;
    }
}
