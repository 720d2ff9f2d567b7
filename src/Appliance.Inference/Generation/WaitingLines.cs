namespace Appliance.Inference;

/// <summary>
/// Requests waiting for a sequence: one line per <see cref="WorkPriority"/>, oldest first, and the next
/// to admit is the oldest of the highest class. A paused request goes back to the front of its line.
/// Not thread-safe: the scheduler holds its lock around every call.
/// </summary>
internal sealed class WaitingLines
{
    private readonly LinkedList<DecodeScheduler.Work>[] _lines = [.. Enum.GetValues<WorkPriority>().Select(_ => new LinkedList<DecodeScheduler.Work>())];

    public int Count => _lines.Sum(l => l.Count);

    public int CountOf(WorkPriority priority) => _lines[(int)priority].Count;

    /// <summary>Requests that would be admitted before a new one of this class: its own line and every higher one.</summary>
    public int AheadOf(WorkPriority priority) => _lines.Take((int)priority + 1).Sum(l => l.Count);

    public DecodeScheduler.Work? Next => _lines.FirstOrDefault(l => l.First is not null)?.First!.Value;

    public void Add(DecodeScheduler.Work work) => work.Node = _lines[(int)work.Request.Priority].AddLast(work);

    public void AddFront(DecodeScheduler.Work work) => work.Node = _lines[(int)work.Request.Priority].AddFirst(work);

    /// <summary>Takes the request out of its line; false when it was not waiting.</summary>
    public bool Remove(DecodeScheduler.Work work)
    {
        if (work.Node is not { List: { } line } node) return false;
        line.Remove(node);
        work.Node = null;
        return true;
    }

    public List<DecodeScheduler.Work> TakeAll()
    {
        var all = _lines.SelectMany(l => l).ToList();
        foreach (var line in _lines) line.Clear();
        foreach (var work in all) work.Node = null;
        return all;
    }
}
