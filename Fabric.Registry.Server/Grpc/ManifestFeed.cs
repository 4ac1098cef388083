using System.Threading.Channels;
using Fabric.Registry.Storage;

namespace Fabric.Registry.Server.Grpc;

/// <summary>Tells watchers of each manifest this process publishes.</summary>
public sealed class ManifestFeed
{
    private readonly List<(string Namespace, Channel<StoredManifest> Channel)> _watchers = [];
    private readonly Lock _gate = new();

    public ChannelReader<StoredManifest> Watch(string ns, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<StoredManifest>();
        lock (_gate)
        {
            _watchers.Add((ns, channel));
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _watchers.RemoveAll(w => w.Channel == channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    public void Published(StoredManifest manifest)
    {
        lock (_gate)
        {
            foreach (var (ns, channel) in _watchers)
            {
                if (ns == manifest.Name.Namespace)
                {
                    channel.Writer.TryWrite(manifest);
                }
            }
        }
    }
}
