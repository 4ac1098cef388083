package fabric.node;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * L2: a content-addressed directory shared by every node started with the same {@code --cache}.
 * <pre>
 * blobs/ab/abcdef...          the bytes of symbol abcdef... (named by the SHA-256 they must hash to)
 * manifests/ns/name/tag/      manifest (canonical bytes), signature (DER), key-id
 * quarantine/                 copies that failed verification, kept for inspection
 * tmp/                        files being written; renamed into place when complete
 * </pre>
 * Every file is written to tmp/ and renamed, so a reader (or a node killed mid-write) never sees half a file.
 */
final class DiskCache {
    private final Path root;

    DiskCache(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root.resolve("blobs"));
        Files.createDirectories(root.resolve("manifests"));
        Files.createDirectories(root.resolve("quarantine"));
        Files.createDirectories(root.resolve("tmp"));
    }

    Path root() {
        return root;
    }

    Path blobPath(String id) {
        return root.resolve("blobs").resolve(id.substring(0, 2)).resolve(id);
    }

    boolean contains(String id) {
        return Files.isRegularFile(blobPath(id));
    }

    /** The stored bytes, or null when absent. The caller verifies them. */
    byte[] read(String id) throws IOException {
        try {
            return Files.readAllBytes(blobPath(id));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    void write(String id, byte[] bytes) throws IOException {
        writeAtomically(blobPath(id), bytes);
    }

    /** Moves a bad copy aside so the next read goes to the next source. */
    Path quarantine(String id) throws IOException {
        Path target = quarantineTarget(id);
        try {
            Files.move(blobPath(id), target, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return null;
        }
        return target;
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
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(root.resolve("tmp"), target.getFileName().toString(), ".part");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
