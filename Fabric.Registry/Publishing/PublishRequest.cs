using Fabric.Registry.Manifests;
using Fabric.Registry.Symbolization;

namespace Fabric.Registry.Publishing;

/// <summary>What to publish: <paramref name="Inputs"/> (JARs and class directories, first one primary) as
/// <paramref name="Name"/>, optionally as a fork of <paramref name="Parent"/>, with extra metadata on top of what the
/// inputs carry.</summary>
public sealed record PublishRequest(
    ManifestName Name,
    IReadOnlyList<string> Inputs,
    ManifestName? Parent = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    SymbolizerOptions? Symbolizer = null);

public enum PublishStage
{
    Symbolizing,
    CheckingClosure,
    FindingMissing,
    Uploading,
    Recording,
    Publishing,
    Done,
}

/// <summary>Progress for a CLI's bar: <paramref name="Done"/> of <paramref name="Total"/> units of the current stage
/// (blobs while uploading).</summary>
public readonly record struct PublishProgress(PublishStage Stage, long Done, long Total, long BytesUploaded);

/// <summary><paramref name="NewSymbols"/> distinct blobs were uploaded (<paramref name="BytesUploaded"/> bytes in
/// total); the other <paramref name="DeduplicatedSymbols"/> symbols were already held or share bytes with another.</summary>
public sealed record PublishSummary(
    ManifestName Name,
    Storage.PublishOutcome Outcome,
    string KeyId,
    int SymbolsTotal,
    int NewSymbols,
    int DeduplicatedSymbols,
    long BytesUploaded,
    IReadOnlyList<string> Warnings);
