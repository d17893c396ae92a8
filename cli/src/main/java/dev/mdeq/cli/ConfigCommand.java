package dev.mdeq.cli;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.Presets;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mdeq.config.ExperimentConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mdeq config}: resolve and inspect experiment configs. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Experiment configs in the reference MDEQ yaml format.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.ListPresets.class})
final class ConfigCommand {


    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the resolved config (defaults, then the yaml, then the overrides).")
    static final class Show implements Runnable {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "an experiment yaml file or a preset name "
                + "(see 'mdeq config presets')")
        String config;

        @Parameters(index = "1..*", paramLabel = "KEY VALUE", description = "overrides such as TRAIN.LR 0.01")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "print JSON instead of yaml (for scripts, e.g. bench/side-by-side.sh)")
        boolean json;

        @Override
        public void run() {
            ExperimentConfig resolved = ConfigLoader.loadFileOrPreset(config, overrides);
            System.out.print(json ? toJson(resolved) : resolved.toYaml());
        }

        static String toJson(ExperimentConfig config) {
            try {
                return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(config.tree().asMap())
                        + System.lineSeparator();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("the config could not be written as JSON", e);
            }
        }
    }

    @Command(name = "presets", mixinStandardHelpOptions = true, description = "List the shipped experiment presets.")
    static final class ListPresets implements Runnable {
        @Override
        public void run() {
            Presets.names().forEach(System.out::println);
        }
    }
}
