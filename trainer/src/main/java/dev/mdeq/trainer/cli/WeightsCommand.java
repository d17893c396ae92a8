package dev.mdeq.trainer.cli;

import dev.mdeq.trainer.weights.torch.ReferenceKeys;
import dev.mdeq.trainer.weights.torch.TensorInfo;
import dev.mdeq.trainer.weights.torch.TorchCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mdeq weights}: weight files, including the reference MDEQ's PyTorch checkpoints. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Weight files, including PyTorch checkpoints of the reference MDEQ (.pth, .pkl, .pth.tar).",
        subcommands = {WeightsCommand.Inspect.class})
public final class WeightsCommand {

    /** {@code mdeq weights inspect FILE}: what a PyTorch checkpoint holds, read without Python. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"List what a PyTorch checkpoint holds: format, kind (MDEQ-SPEC 6), entries with shapes"
                    + " and dtypes, parameter count.",
                "The file is read in Java (zip or legacy torch.save format); nothing in it is run."})
    public static final class Inspect implements Runnable {
        @Parameters(index = "0", paramLabel = "FILE", description = "a torch.save file (.pth, .pkl, .pth.tar)")
        Path file;

        @Option(names = "--all", description = "list every state-dict entry, also those the model does not use"
                + " (fullstage_copy.*, deq.* aliases, loss weights), with the reason")
        boolean all;

        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            try (TorchCheckpoint checkpoint = TorchCheckpoint.open(file)) {
                Map<String, TensorInfo> entries = checkpoint.entries();
                Map<String, TensorInfo> model = checkpoint.modelEntries();
                out.printf("file:       %s%n", file);
                out.printf("format:     %s; %s%n", checkpoint.format().description(), checkpoint.formatDetails());
                out.printf("kind:       %s%n", checkpoint.kind().description());
                if (!checkpoint.skipped().isEmpty()) {
                    StringBuilder skipped = new StringBuilder();
                    checkpoint.skipped().forEach((key, what) ->
                            skipped.append(skipped.length() == 0 ? "" : ", ").append(key).append(" (").append(what).append(')'));
                    out.printf("skipped:    %s%n", skipped);
                }
                out.printf("entries:    %d in the state dict, %d used by the model%n", entries.size(), model.size());
                long parameters = 0;
                long buffers = 0;
                Map<String, Integer> dtypes = new TreeMap<>();
                for (Map.Entry<String, TensorInfo> entry : model.entrySet()) {
                    if (ReferenceKeys.isBuffer(entry.getKey())) {
                        buffers += entry.getValue().numel();
                    } else {
                        parameters += entry.getValue().numel();
                    }
                    dtypes.merge(dtypeText(entry.getValue()), 1, Integer::sum);
                }
                out.printf(Locale.ROOT, "parameters: %,d (plus %,d elements of BN running statistics)%n",
                        parameters, buffers);
                out.printf("dtypes:     %s%n", dtypes.toString().replaceAll("[{}]", ""));
                out.println();
                if (all) {
                    ReferenceKeys keys = checkpoint.referenceKeys();
                    entries.forEach((key, info) -> {
                        String reason = keys.dropReason(key);
                        String note = !reason.isEmpty() ? "dropped: " + reason
                                : keys.modelName(key).equals(key) ? "" : "model: " + keys.modelName(key);
                        printRow(out, key, info, note);
                    });
                } else {
                    model.forEach((key, info) -> printRow(out, key, info, ""));
                }
            }
            out.flush();
        }

        private static void printRow(PrintWriter out, String key, TensorInfo info, String note) {
            out.printf("%-60s %-18s %-18s %s%n", key, info.shapeText(), dtypeText(info), note);
        }

        private static String dtypeText(TensorInfo info) {
            String source = info.dtype().pythonName();
            String target = info.type().name().toLowerCase(Locale.ROOT);
            return source.equals(target) ? source : source + "->" + target;
        }
    }
}
