package fabric.node;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as the registry writes it: 64 lower-case hex digits. */
final class Hashes {
    private static final HexFormat HEX = HexFormat.of();

    private Hashes() {
    }

    static String sha256(byte[] bytes) {
        return HEX.formatHex(digest(bytes));
    }

    // One digest per thread: looking the algorithm up for each of thousands of classes costs more than hashing.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    static byte[] digest(byte[] bytes) {
        return SHA256.get().digest(bytes);
    }

    static boolean isSymbolId(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }
}
