package fabric.node;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * L2: a content-addressed directory shared by every node started with the same {@code --cache}.
 * <pre>
 * blobs/ab/abcdef...          the bytes of symbol abcdef... (named by the SHA-256 they must hash to)
 * packs/*.pack                many blobs in one file, as a prefetch batch brought them (see {@link #writePack})
 * manifests/ns/name/tag/      manifest (canonical bytes), signature (DER), key-id
 * quarantine/                 copies that failed verification, kept for inspection
 * tmp/                        files being written; renamed into place when complete
 * </pre>
 * Every file is written to tmp/ and renamed, so a reader (or a node killed mid-write) never sees half a file. Packs
 * exist because a cold start brings thousands of blobs at once, and a file per blob costs a cold node more time in
 * the file system than the JVM needs to define the classes.
 */
final class DiskCache {
    /** Tells this process's temporary files from any other's, including one with the same pid in another container. */
    private static final String WRITER_TAG = ProcessHandle.current().pid() + "-"
            + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
    private static final AtomicLong TMP_COUNTER = new AtomicLong();

    private final Path root;
    /** Directories known to exist: 5,000 blobs would otherwise cost 5,000 createDirectories calls. */
    private final Set<Path> createdDirs = ConcurrentHashMap.newKeySet();

    DiskCache(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("blobs"));
        Files.createDirectories(root.resolve("packs"));
        Files.createDirectories(root.resolve("manifests"));
        Files.createDirectories(root.resolve("quarantine"));
        Files.createDirectories(root.resolve("tmp"));
    }

    Path root() {
        return root;
    }

    /** Removes temporary files older than an hour: what writers killed mid-write left. */
    void sweepTemporaryFiles() {
        long cutoff = System.currentTimeMillis() - 3_600_000L;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(root.resolve("tmp"), "*.part")) {
            for (Path f : files) {
                if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).toMillis() < cutoff) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            // Harmless: they are only files nobody reads.
        }
    }

    Path blobPath(String id) {
        return root.resolve("blobs").resolve(id.substring(0, 2)).resolve(id);
    }

    boolean contains(String id) {
        return packs().containsKey(id) || Files.isRegularFile(blobPath(id));
    }

    /** The stored bytes, from a pack or a blob file, or null when absent. The caller verifies them. */
    byte[] read(String id) throws IOException {
        PackSlice slice = packs().get(id);
        if (slice != null) {
            byte[] bytes = new byte[slice.length];
            slice.pack.get(slice.offset, bytes);
            return bytes;
        }
        try {
            return Files.readAllBytes(blobPath(id));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Where a blob lies in a mapped pack. */
    private record PackSlice(Path file, MappedByteBuffer pack, int offset, int length) {
    }

    private static final byte[] PACK_MAGIC = "fabric-pack 1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Blob ID to pack slice, read from packs/ on first use, then kept up to date with the packs this node writes. */
    private volatile Map<String, PackSlice> packIndex;

    private Map<String, PackSlice> packs() {
        Map<String, PackSlice> index = packIndex;
        if (index == null) {
            synchronized (this) {
                if (packIndex == null) {
                    Map<String, PackSlice> scanned = new ConcurrentHashMap<>();
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(root.resolve("packs"), "*.pack")) {
                        for (Path file : files) {
                            indexPack(file, scanned);
                        }
                    } catch (IOException e) {
                        Launcher.log("packs in " + root + " not read: " + e.getMessage());
                    }
                    packIndex = scanned;
                }
                index = packIndex;
            }
        }
        return index;
    }

    /**
     * Maps a pack and indexes its blobs. A pack that is cut short or malformed is used up to the damage and reported;
     * its blobs are verified on use like any other copy.
     */
    private static void indexPack(Path file, Map<String, PackSlice> index) {
        if (!Files.isRegularFile(file)) {
            // Opening a FIFO or a device would block or read for ever.
            Launcher.log("pack " + file + " is not a regular file; not used");
            return;
        }
        MappedByteBuffer pack;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                Launcher.log("pack " + file + " is larger than 2 GiB; not used");
                return;
            }
            pack = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
        } catch (IOException e) {
            Launcher.log("pack " + file + " not read: " + e.getMessage());
            return;
        }
        int limit = pack.limit();
        byte[] magic = new byte[PACK_MAGIC.length];
        if (limit >= magic.length) {
            pack.get(0, magic);
        }
        if (!Arrays.equals(magic, PACK_MAGIC)) {
            Launcher.log("pack " + file + " does not start with '" + new String(PACK_MAGIC, java.nio.charset.StandardCharsets.US_ASCII).trim() + "'; not used");
            return;
        }
        int at = magic.length;
        byte[] id = new byte[32];
        while (at < limit) {
            if (limit - at < 36) {
                Launcher.log("pack " + file + " ends inside an entry header at offset " + at + "; the rest is not used");
                return;
            }
            pack.get(at, id);
            int length = pack.getInt(at + 32);
            if (length < 0 || length > limit - at - 36) {
                Launcher.log("pack " + file + " entry at offset " + at + " claims " + length + " bytes, more than the file holds; the rest is not used");
                return;
            }
            index.putIfAbsent(Hashes.hex(id), new PackSlice(file, pack, at + 36, length));
            at += 36 + length;
        }
    }

    /**
     * Stores many blobs as one pack: {@code fabric-pack 1\n}, then for each blob its 32-byte ID, its length (4 bytes,
     * big-endian) and its bytes, which is also the body of the registry's batch answer.
     */
    void writePack(Map<String, byte[]> blobs) throws IOException {
        int size = PACK_MAGIC.length;
        for (byte[] b : blobs.values()) {
            size += 36 + b.length;
        }
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(size);
        out.put(PACK_MAGIC);
        for (Map.Entry<String, byte[]> e : blobs.entrySet()) {
            out.put(HexFormat.of().parseHex(e.getKey())).putInt(e.getValue().length).put(e.getValue());
        }
        Path file = root.resolve("packs").resolve(WRITER_TAG + "." + TMP_COUNTER.incrementAndGet() + ".pack");
        writeAtomically(file, out.array());
        indexPack(file, packs());
    }

    void write(String id, byte[] bytes) throws IOException {
        writeAtomically(blobPath(id), bytes);
    }

    /**
     * Moves a bad copy aside so the next read goes to the next source. A pack with a bad blob is not trusted for
     * the others either: it is moved aside whole, and its blobs are fetched again as needed.
     */
    Quarantined quarantine(String id) throws IOException {
        PackSlice slice = packs().get(id);
        if (slice != null) {
            Path target = root.resolve("quarantine").resolve(slice.file.getFileName() + "." + System.nanoTime());
            List<String> others = new ArrayList<>();
            packIndex.forEach((other, s) -> {
                if (s.file.equals(slice.file) && !other.equals(id)) {
                    others.add(other);
                }
            });
            try {
                Files.move(slice.file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                target = null;
            }
            // Read the packs again: another pack may hold a good copy of a blob the index had from this one.
            synchronized (this) {
                packIndex = null;
            }
            others.removeIf(this::contains);
            return new Quarantined(target, others);
        }
        Path target = quarantineTarget(id);
        try {
            Files.move(blobPath(id), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return new Quarantined(null, List.of());
        }
        return new Quarantined(target, List.of());
    }

    /** Where the bad copy went (null when it was already gone), and the other blobs L2 lost with it (a pack's). */
    record Quarantined(Path target, List<String> alsoRemoved) {
    }

    /** Keeps bad bytes that came from elsewhere, for whoever investigates. */
    Path quarantineBytes(String id, byte[] bytes) throws IOException {
        Path target = quarantineTarget(id);
        writeAtomically(target, bytes);
        return target;
    }

    private Path quarantineTarget(String id) {
        return root.resolve("quarantine").resolve(id + "." + System.currentTimeMillis() + "." + System.nanoTime());
    }

    Path manifestDir(String normalizedName) {
        return root.resolve("manifests").resolve(Manifest.urlPath(normalizedName));
    }

    boolean hasManifest(String normalizedName) {
        return Files.isRegularFile(manifestDir(normalizedName).resolve("manifest"));
    }

    /** Manifest bytes, signature and key ID, or null when not cached. */
    byte[][] readManifest(String normalizedName) throws IOException {
        Path dir = manifestDir(normalizedName);
        try {
            return new byte[][] {
                Files.readAllBytes(dir.resolve("manifest")),
                Files.readAllBytes(dir.resolve("signature")),
                Files.readAllBytes(dir.resolve("key-id")),
            };
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The signature goes first: a manifest file present means its signature is too. */
    void writeManifest(String normalizedName, byte[] bytes, byte[] signature, String keyId) throws IOException {
        Path dir = manifestDir(normalizedName);
        writeAtomically(dir.resolve("signature"), signature);
        writeAtomically(dir.resolve("key-id"), (keyId == null ? "" : keyId).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        writeAtomically(dir.resolve("manifest"), bytes);
    }

    void quarantineManifest(String normalizedName) throws IOException {
        Path dir = manifestDir(normalizedName);
        Path target = root.resolve("quarantine").resolve("manifest." + normalizedName.replace('/', '_').replace(':', '_')
                + "." + System.nanoTime());
        Files.createDirectories(target);
        for (String f : new String[] {"manifest", "signature", "key-id"}) {
            if (Files.exists(dir.resolve(f))) {
                Files.move(dir.resolve(f), target.resolve(f));
            }
        }
    }

    private void writeAtomically(Path target, byte[] bytes) throws IOException {
        try {
            writeOnce(target, bytes);
        } catch (NoSuchFileException e) {
            // Someone removed a directory under the cache: made again, once.
            createdDirs.clear();
            Files.createDirectories(root.resolve("tmp"));
            writeOnce(target, bytes);
        }
    }

    private void writeOnce(Path target, byte[] bytes) throws IOException {
        Path dir = target.getParent();
        if (!createdDirs.contains(dir)) {
            Files.createDirectories(dir);
            createdDirs.add(dir);
        }
        // A name no other writer uses, so the file can be created with CREATE_NEW and no createTempFile, whose random
        // names cost a SecureRandom per node and a retry loop per file.
        Path tmp = root.resolve("tmp").resolve(target.getFileName() + "." + WRITER_TAG + "." + TMP_COUNTER.incrementAndGet() + ".part");
        boolean moved = false;
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
