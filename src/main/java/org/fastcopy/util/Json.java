package org.fastcopy.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.jr.ob.JSON;
import org.fastcopy.FastcopyException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * fastcopy's one JSON writer and reader (jackson-jr over jackson-core): the JSON reports of copy,
 * convert and migrate and migrate's phase ledger. Their owners build them as ordered
 * {@code Map<String, Object>}s and Lists of strings, numbers, booleans and null, so the reports'
 * shape stays next to the code that knows what each value means, and no class needs annotations.
 *
 * <p><b>Key style.</b> Every key fastcopy chooses is snake_case: {@code tables_compared},
 * {@code bytes_streamed}, {@code phase_seconds}, {@code run_id}. Keys that are data are written as
 * they are: a table's name ({@code "public.notes"}), a step's label, a dangling reference's kind. A
 * new key in any report follows the same rule; this is the one place that states it.
 *
 * <p><b>Layout.</b> Two spaces of indent, one entry or element per line, {@code "key": value}, empty
 * containers as {@code []} and <code>{}</code>, a newline at the end: the files are read by people
 * and grepped by scripts and tests. Map entries whose value is null are written ({@code "verify": null}),
 * so a report has the same keys whatever happened. A value that is not a map, collection, string,
 * number or boolean is written as its {@code toString()}.
 */
public final class Json {
    private static final JSON JSON_ = JSON.std
            .with(JSON.Feature.WRITE_NULL_PROPERTIES, JSON.Feature.PRETTY_PRINT_OUTPUT)
            .without(JSON.Feature.HANDLE_JAVA_BEANS, JSON.Feature.FAIL_ON_UNKNOWN_TYPE_WRITE)
            .with(printer());

    private Json() {
    }

    /** Writes a report file, creating its directory; a failure is a one-line error naming the file. */
    public static void writeFile(Path file, Object value) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, write(value));
        } catch (IOException | UncheckedIOException e) {
            throw new FastcopyException(FastcopyException.FAILED, "could not write the report " + file + ": " + e.getMessage(), e);
        }
    }

    /** The value as indented JSON text ending in a newline. */
    public static String write(Object value) {
        try {
            return JSON_.asString(value) + "\n";
        } catch (IOException e) {
            // Only a value jackson-jr cannot walk gets here (the target is a String, not a file).
            throw new UncheckedIOException("could not write JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads JSON text back as Maps (in file order), Lists, Strings, Booleans, null and Numbers
     * (Integer, Long or BigInteger for integral values, Double otherwise).
     *
     * @throws IllegalArgumentException one line saying what is wrong and where
     */
    public static Object read(String text) {
        try {
            return JSON_.anyFrom(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(e.getOriginalMessage().lines().findFirst().orElse("malformed JSON")
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static DefaultPrettyPrinter printer() {
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultIndenter lines = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter(separators).withObjectIndenter(lines).withArrayIndenter(lines);
    }
}
