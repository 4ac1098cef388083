package fabric.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The publishers' public keys (SPKI PEM) a node accepts manifests from, by key ID. */
final class TrustedKeys {
    private final Map<String, PublicKey> byId = new LinkedHashMap<>();

    /** Each path is a PEM file or a directory of {@code *.pem} files (a trust set, as the registry keeps one). */
    static TrustedKeys load(List<Path> paths) throws IOException {
        List<Path> pemFiles = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (var files = Files.list(p)) {
                    files.filter(f -> f.getFileName().toString().endsWith(".pem")).sorted().forEach(pemFiles::add);
                }
            } else {
                pemFiles.add(p);
            }
        }
        if (pemFiles.isEmpty()) {
            throw new IOException("no public keys to trust in " + paths);
        }
        TrustedKeys keys = new TrustedKeys();
        for (Path file : pemFiles) {
            String pem;
            try {
                pem = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new IOException("--trust " + file + ": no such file", e);
            } catch (java.nio.charset.MalformedInputException e) {
                throw new IOException("--trust " + file + ": not a PEM public key (not ASCII text)", e);
            } catch (IOException e) {
                throw new IOException("--trust " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage(), e);
            }
            int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
            int end = pem.indexOf("-----END PUBLIC KEY-----");
            if (begin < 0 || end < begin) {
                throw new IOException(file + ": not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
            }
            String body = pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end).replaceAll("\\s", "");
            try {
                byte[] der = Base64.getDecoder().decode(body);
                PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
                keys.byId.put(keyId(der), key);
            } catch (IllegalArgumentException | GeneralSecurityException e) {
                throw new IOException(file + ": not an EC public key: " + e.getMessage(), e);
            }
        }
        return keys;
    }

    /** The first 16 hex digits of the SHA-256 of the SPKI DER bytes. */
    static String keyId(byte[] spkiDer) {
        return Hashes.sha256(spkiDer).substring(0, 16);
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    List<String> ids() {
        return new ArrayList<>(byId.keySet());
    }

    /**
     * True when {@code signature} (DER) over {@code bytes} verifies with a trusted key: the one named by
     * {@code keyId} when it is trusted, otherwise each in turn (the key ID is a hint, the signature is the proof).
     */
    boolean verify(byte[] bytes, byte[] signature, String keyId) {
        PublicKey named = keyId == null ? null : byId.get(keyId);
        List<PublicKey> candidates = named != null ? List.of(named) : new ArrayList<>(byId.values());
        for (PublicKey key : candidates) {
            try {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initVerify(key);
                s.update(bytes);
                if (s.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // A malformed signature is just one that does not verify.
            }
        }
        return false;
    }
}
