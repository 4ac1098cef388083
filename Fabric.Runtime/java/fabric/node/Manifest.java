package fabric.node;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A release manifest in canonical text (docs/fabric.md). Parsing refuses anything that does not write back to the
 * same bytes, so what was verified is exactly what is used.
 */
final class Manifest {
    static final String HEADER = "fabric-manifest 1";

    /** One class or resource line. */
    record Entry(String path, boolean isClass, String id, long size) {
    }

    final String name;
    final String parent;
    private final Map<String, Entry> classes = new HashMap<>();
    private final Map<String, Entry> resources = new HashMap<>();

    private Manifest(String name, String parent) {
        this.name = name;
        this.parent = parent;
    }

    Entry findClass(String internalName) {
        return classes.get(internalName);
    }

    Entry findResource(String path) {
        return resources.get(path);
    }

    Iterable<Entry> classEntries() {
        return classes.values();
    }

    /** Normalizes {@code name:tag} to {@code default/name:tag}; null when the text is not a manifest name. */
    static String normalizeName(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return null;
        }
        String path = text.substring(0, colon);
        String tag = text.substring(colon + 1);
        int slash = path.indexOf('/');
        String ns = slash < 0 ? "default" : path.substring(0, slash);
        String bare = slash < 0 ? path : path.substring(slash + 1);
        return validPart(ns) && validPart(bare) && validPart(tag) ? ns + "/" + bare + ":" + tag : null;
    }

    private static boolean validPart(String part) {
        if (part.isEmpty() || part.length() > 128 || part.equals(".") || part.equals("..")) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The URL path of a normalized name: {@code ns/name/tag}. */
    static String urlPath(String normalizedName) {
        int colon = normalizedName.lastIndexOf(':');
        return normalizedName.substring(0, colon) + "/" + normalizedName.substring(colon + 1);
    }

    static Manifest parse(byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("manifest: not valid UTF-8");
        }
        String[] lines = text.split("\n", -1);
        if (lines.length < 3 || !lines[0].equals(HEADER) || !lines[lines.length - 1].isEmpty()) {
            throw new IllegalArgumentException("manifest: must start with '" + HEADER + "' and end with a line feed");
        }
        String name = null;
        String parent = null;
        TreeMap<String, String> meta = new TreeMap<>();
        TreeMap<String, Entry> classes = new TreeMap<>();
        TreeMap<String, Entry> resources = new TreeMap<>();
        for (int i = 1; i < lines.length - 1; i++) {
            String[] f = lines[i].split("\t", -1);
            String where = "manifest line " + (i + 1) + ": ";
            if (f[0].equals("name") && f.length == 2 && i == 1) {
                name = normalizeName(f[1]);
                if (name == null) {
                    throw new IllegalArgumentException(where + "'" + f[1] + "' is not a manifest name");
                }
            } else if (f[0].equals("parent") && f.length == 2 && i == 2) {
                parent = normalizeName(f[1]);
                if (parent == null) {
                    throw new IllegalArgumentException(where + "'" + f[1] + "' is not a manifest name");
                }
            } else if (f[0].equals("meta") && f.length == 3) {
                meta.put(f[1], f[2]);
            } else if ((f[0].equals("class") || f[0].equals("resource")) && f.length == 4) {
                if (!Hashes.isSymbolId(f[2])) {
                    throw new IllegalArgumentException(where + "'" + f[2] + "' is not a symbol ID");
                }
                long size;
                try {
                    size = Long.parseLong(f[3]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(where + "'" + f[3] + "' is not a size");
                }
                boolean isClass = f[0].equals("class");
                (isClass ? classes : resources).put(f[1], new Entry(f[1], isClass, f[2], size));
            } else {
                throw new IllegalArgumentException(where + "unexpected '" + f[0] + "' with " + (f.length - 1) + " fields");
            }
        }
        if (name == null) {
            throw new IllegalArgumentException("manifest: the second line must be 'name<TAB>ns/name:tag'");
        }
        Manifest m = new Manifest(name, parent);
        m.classes.putAll(classes);
        m.resources.putAll(resources);
        if (!Arrays.equals(write(name, parent, meta, classes.values(), resources.values()), bytes)) {
            throw new IllegalArgumentException("manifest: not in canonical form (order, duplicates or number format differ)");
        }
        return m;
    }

    private static byte[] write(String name, String parent, TreeMap<String, String> meta,
                                Iterable<Entry> classes, Iterable<Entry> resources) {
        StringBuilder s = new StringBuilder(HEADER).append('\n');
        s.append("name\t").append(name).append('\n');
        if (parent != null) {
            s.append("parent\t").append(parent).append('\n');
        }
        meta.forEach((k, v) -> s.append("meta\t").append(k).append('\t').append(v).append('\n'));
        List<Entry> all = new ArrayList<>();
        classes.forEach(all::add);
        resources.forEach(all::add);
        for (Entry e : all) {
            s.append(e.isClass ? "class\t" : "resource\t").append(e.path).append('\t').append(e.id).append('\t')
                    .append(e.size).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }
}
