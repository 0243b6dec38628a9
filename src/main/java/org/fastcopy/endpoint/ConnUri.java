package org.fastcopy.endpoint;

import org.fastcopy.FastcopyException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses a libpq connection URI,
 * {@code postgresql://[user@][host][:port][/dbname][?keyword=value&...]}, into libpq keywords.
 * Every part may be percent-encoded; '+' stays '+' (libpq does not treat it as a space). An IPv6
 * address is written in brackets, {@code [::1]}. Query parameters are libpq keywords and override
 * the parts before them; {@code ssl=true} means {@code sslmode=require}, as in libpq.
 *
 * <p>A password is refused before anything else is looked at, so no later message can quote a
 * piece of it.
 */
final class ConnUri {
    private static final String[] PREFIXES = {"postgresql://", "postgres://"};

    private ConnUri() {
    }

    static boolean isUri(String spec) {
        for (String p : PREFIXES) {
            if (spec.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    static Map<String, String> parse(String uri) {
        String rest = uri.substring(uri.indexOf("://") + 3);
        int q = rest.indexOf('?');
        String beforeQuery = q < 0 ? rest : rest.substring(0, q);
        refusePassword(beforeQuery);

        Map<String, String> out = new LinkedHashMap<>();
        int slash = beforeQuery.indexOf('/');
        String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
        int at = authority.indexOf('@');
        if (at >= 0) {
            putIfNotEmpty(out, "user", decode(authority.substring(0, at), "user name"));
            authority = authority.substring(at + 1);
        }
        parseHostPort(authority, out);
        if (slash >= 0) {
            putIfNotEmpty(out, "dbname", decode(beforeQuery.substring(slash + 1), "database name"));
        }
        if (q >= 0) {
            parseParams(rest.substring(q + 1), out);
        }
        return out;
    }

    /**
     * libpq reads {@code user:password@}. We look for a ':' anywhere before the last '@', not only
     * before the first one, because an unencoded '@' or '/' inside the password would otherwise
     * split it into host or database name, which later messages would print.
     */
    private static void refusePassword(String beforeQuery) {
        int lastAt = beforeQuery.lastIndexOf('@');
        if (lastAt >= 0 && beforeQuery.substring(0, lastAt).indexOf(':') >= 0) {
            throw EndpointResolver.passwordRefused("a postgresql:// URI");
        }
    }

    private static void parseHostPort(String hostport, Map<String, String> out) {
        String host;
        String port = null;
        if (hostport.startsWith("[")) {
            int close = hostport.indexOf(']');
            if (close < 0) {
                throw error("IPv6 address has no closing ']'");
            }
            host = hostport.substring(1, close);
            if (host.isEmpty()) {
                throw error("IPv6 address is empty");
            }
            String after = hostport.substring(close + 1);
            if (after.startsWith(",")) {
                throw severalHosts();
            }
            if (after.startsWith(":")) {
                port = after.substring(1);
            } else if (!after.isEmpty()) {
                throw error("unexpected text after the IPv6 address ']'");
            }
        } else {
            int colon = hostport.indexOf(':');
            host = colon < 0 ? hostport : hostport.substring(0, colon);
            port = colon < 0 ? null : hostport.substring(colon + 1);
        }
        if (host.contains(",") || (port != null && port.contains(","))) {
            throw severalHosts();
        }
        putIfNotEmpty(out, "host", decode(host, "host"));
        if (port != null) {
            putIfNotEmpty(out, "port", decode(port, "port"));
        }
    }

    private static void parseParams(String query, Map<String, String> out) {
        for (String param : query.split("&")) {
            if (param.isEmpty()) {
                continue;
            }
            int eq = param.indexOf('=');
            if (eq < 0) {
                throw error("query parameter '" + param + "' has no '='");
            }
            String key = decode(param.substring(0, eq), "query parameter name");
            if (Libpq.SECRETS.contains(key)) {
                throw EndpointResolver.passwordRefused("a postgresql:// URI");
            }
            String value = param.substring(eq + 1);
            if (value.indexOf('=') >= 0) {
                throw error("query parameter '" + key + "' has a second '='");
            }
            value = decode(value, "query parameter '" + key + "'");
            if (key.equals("ssl") && value.equals("true")) {
                // libpq's concession to JDBC-style URIs
                key = "sslmode";
                value = "require";
            }
            if (!Libpq.isKeyword(key)) {
                throw error("unknown query parameter '" + key + "'");
            }
            out.put(key, value);
        }
    }

    /** libpq's percent-decoding: %XX only, no '+' for space, no %00, no raw spaces. */
    static String decode(String s, String part) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ') {
                throw error("space in the " + part + ": write it as %20");
            }
            if (c != '%') {
                byte[] enc = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    enc = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                bytes.writeBytes(enc);
                continue;
            }
            int hi = i + 1 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = i + 2 < s.length() ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (hi < 0 || lo < 0) {
                throw error("invalid percent-encoding in the " + part);
            }
            int b = hi << 4 | lo;
            if (b == 0) {
                throw error("%00 is not allowed in the " + part);
            }
            bytes.write(b);
            i += 2;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static void putIfNotEmpty(Map<String, String> out, String key, String value) {
        // libpq leaves an empty part unset, so the environment can still supply it
        if (!value.isEmpty()) {
            out.put(key, value);
        }
    }

    private static FastcopyException severalHosts() {
        return error("several hosts given; an endpoint is exactly one server");
    }

    private static FastcopyException error(String what) {
        return new FastcopyException(FastcopyException.USAGE, "invalid postgresql:// URI: " + what);
    }
}
