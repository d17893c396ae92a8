package dev.mdeq.cli;

import dev.mdeq.runstore.storage.ObjectStores;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** One in-process {@code mdeq} invocation with its exit code and captured stdout and stderr. */
record CliRun(int exit, String out, String err) {

    List<String> lines() {
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    /** Runs {@code mdeq args} with {@code env} as the storage environment (MDEQ_S3_*, credentials). */
    static CliRun run(Map<String, String> env, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try (var environment = ObjectStores.overrideEnvironment(env)) {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int exit = Mdeq.execute(args);
            return new CliRun(exit, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static CliRun run(String... args) {
        return run(Map.of(), args);
    }
}
