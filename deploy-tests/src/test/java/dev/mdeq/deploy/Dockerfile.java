package dev.mdeq.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The instructions of a Dockerfile (comments dropped, continuation lines joined), enough to check what
 * its COPY and ENTRYPOINT name.
 */
record Dockerfile(Path path, List<Instruction> instructions) {

    /** One instruction: its keyword (upper case) and the rest of the line. */
    record Instruction(String keyword, String arguments) {
        /** The words of a shell-form instruction, without --flags. */
        List<String> words() {
            return Arrays.stream(arguments.trim().split("\\s+")).filter(w -> !w.startsWith("--")).toList();
        }

        /** The value of a --name=value flag, or null. */
        String flag(String name) {
            for (String word : arguments.trim().split("\\s+")) {
                if (word.startsWith("--" + name + "=")) {
                    return word.substring(name.length() + 3);
                }
            }
            return null;
        }
    }

    static Dockerfile read(Path path) {
        try {
            List<Instruction> instructions = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (String raw : Files.readAllLines(path)) {
                String text = raw.strip();
                if (text.startsWith("#") || (text.isEmpty() && line.length() == 0)) {
                    continue;
                }
                if (text.endsWith("\\")) {
                    line.append(text, 0, text.length() - 1).append(' ');
                    continue;
                }
                line.append(text);
                String full = line.toString().strip();
                line.setLength(0);
                if (full.isEmpty()) {
                    continue;
                }
                int space = full.indexOf(' ');
                instructions.add(new Instruction(full.substring(0, space).toUpperCase(), full.substring(space + 1).strip()));
            }
            return new Dockerfile(path, instructions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** COPY instructions from the build context (not --from another stage or image). */
    List<Instruction> contextCopies() {
        return all("COPY").stream().filter(i -> i.flag("from") == null).toList();
    }
}
