package dev.mdeq.trainer.cli;

import dev.mdeq.runstore.cli.Arguments;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.RawTensor;
import dev.mdeq.model.weights.StateDict;
import dev.mdeq.model.weights.WeightFiles;
import dev.mdeq.model.weights.torch.ReferenceKeys;
import dev.mdeq.model.weights.torch.TensorInfo;
import dev.mdeq.model.weights.torch.TorchFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mdeq weights}: weight files, including the reference MDEQ's PyTorch checkpoints. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Weight files: .npz and the reference MDEQ's PyTorch checkpoints.",
        subcommands = {WeightsCommand.Inspect.class, WeightsCommand.Import.class})
public final class WeightsCommand {

    /**
     * {@code mdeq weights import --from FILE --config C --to URI}: a reference checkpoint (or any
     * weights file) mapped onto the model of a config and written as this project's {@code .npz}.
     */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Read a PyTorch checkpoint of the reference MDEQ (.pth, .pth.tar, .pkl; or an .npz), map it"
                    + " onto the model of a config (docs/reference-model.md §6: model./module. prefixes stripped; fullstage_copy.*,"
                    + " deq.* aliases, loss weights and training-checkpoint entries ignored; weight-norm pairs"
                    + " converted when the config has WNORM false) and write the model's entries as an .npz in the"
                    + " reference's names.",
                "Strict by default: every missing, unexpected and mis-shaped entry is listed (with both shapes) and"
                    + " nothing is written. --partial loads the entries both have (e.g. ImageNet weights into a"
                    + " segmentation model), reports what was loaded and what was skipped, and writes only the"
                    + " loaded entries (use the result as MODEL.PRETRAINED)."})
    public static final class Import implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "FILE",
                description = "the weights: a path, file:/path or s3://bucket/key; format told by content")
        String from;

        @Option(names = "--config", required = true, paramLabel = "CONFIG",
                description = "an experiment yaml file or a preset name: the model to map the weights onto")
        String config;

        @Option(names = "--to", required = true, paramLabel = "URI",
                description = "the .npz to write (file or s3://bucket/key)")
        String to;

        @Option(names = "--partial", description = "load only the entries both the file and the model have"
                + " (shapes must still agree) and write those")
        boolean partial;

        @Option(names = "--force", description = "replace the --to file if it exists")
        boolean force;

        @Option(names = "--float64", description = "write float64 values (default float32, as the reference's files)")
        boolean float64;

        @Parameters(paramLabel = "KEY VALUE", description = "config overrides such as MODEL.WNORM false")
        List<String> overrides = new ArrayList<>();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Arguments.existingObject(spec, "--from", from, "the weights file");
            Arguments.storeUri(spec, "--to", to);
            WeightFiles.checkWritable(to, force);
            PrintWriter out = spec.commandLine().getOut();
            ExperimentConfig experiment = ConfigLoader.loadFileOrPreset(config, overrides);
            StateDict.Mode mode = partial ? StateDict.Mode.MATCHING : StateDict.Mode.STRICT;
            DataType type = float64 ? DataType.FLOAT64 : DataType.FLOAT32;
            try (MdeqModel model = MdeqModel.create(experiment, Device.cpu(), type, experiment.run().seed())) {
                WeightFiles.Contents contents = WeightFiles.contents(from);
                out.printf("file:   %s%n", from);
                out.printf("format: %s; %s%n", contents.format().description(), contents.kind());
                StateDict.LoadReport report = StateDict.load(model.net(), contents.tensors(), mode, from)
                        .withIgnored(contents.dropped());
                out.println(report.describe(from));
                Set<String> loaded = new HashSet<>(report.loaded());
                Map<String, RawTensor> weights = new LinkedHashMap<>();
                model.stateDict().forEach((key, tensor) -> {
                    if (loaded.contains(key)) {
                        weights.put(key, tensor);
                    }
                });
                WeightFiles.writeNpz(to, weights, force);
                out.printf(Locale.ROOT, "wrote %s: %d entries (%s, the reference's names) for %s%n", to,
                        weights.size(), type.name().toLowerCase(Locale.ROOT), config);
            }
            out.flush();
            return 0;
        }
    }

    /** {@code mdeq weights inspect FILE}: what a PyTorch checkpoint holds, read without Python. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"List what a PyTorch checkpoint holds: format, kind (docs/reference-model.md §6), entries with shapes"
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
            Arguments.existingFile(spec, "FILE", file, "the checkpoint file");
            PrintWriter out = spec.commandLine().getOut();
            try (TorchFile checkpoint = TorchFile.open(file)) {
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
                List<String[]> rows = new ArrayList<>();
                if (all) {
                    ReferenceKeys keys = checkpoint.referenceKeys();
                    entries.forEach((key, info) -> {
                        String reason = keys.dropReason(key);
                        String note = !reason.isEmpty() ? "dropped: " + reason
                                : keys.modelName(key).equals(key) ? "" : "model: " + keys.modelName(key);
                        rows.add(new String[] {key, info.shapeText(), dtypeText(info), note});
                    });
                } else {
                    model.forEach((key, info) -> rows.add(new String[] {key, info.shapeText(), dtypeText(info), ""}));
                }
                printTable(out, rows);
            }
            out.flush();
        }

        /** Columns as wide as their widest cell (fixed widths made 99-character rows), no trailing blanks. */
        private static void printTable(PrintWriter out, List<String[]> rows) {
            int[] widths = new int[3];
            for (String[] row : rows) {
                for (int i = 0; i < widths.length; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            String format = "%-" + widths[0] + "s  %-" + widths[1] + "s  %-" + widths[2] + "s  %s";
            rows.forEach(row -> out.println(String.format(format, (Object[]) row).stripTrailing()));
        }

        private static String dtypeText(TensorInfo info) {
            String source = info.dtype().pythonName();
            String target = info.type().name().toLowerCase(Locale.ROOT);
            return source.equals(target) ? source : source + "->" + target;
        }
    }
}
