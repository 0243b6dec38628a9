package org.fastcopy.observe;

import java.util.Locale;
import java.util.Map;

/** What the log lines on stderr look like: today's text, or one JSON object per line. */
public enum LogFormat {
    TEXT, JSON;

    /** The environment variable that sets the default of --log-format. */
    public static final String ENV = "FASTCOPY_LOG_FORMAT";

    /** text or json, in any case; anything else names the accepted values. */
    public static LogFormat parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "' is not one of text, json");
        }
    }

    /**
     * The format {@value #ENV} asks for, text when it is unset or empty. A bad value is not an
     * error here (logging starts before the command line is read); the command line refuses it.
     */
    public static LogFormat fromEnvironment(Map<String, String> env) {
        String v = env.get(ENV);
        if (v == null || v.isBlank()) {
            return TEXT;
        }
        try {
            return parse(v);
        } catch (IllegalArgumentException e) {
            return TEXT;
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
