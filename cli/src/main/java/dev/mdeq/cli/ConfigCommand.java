package dev.mdeq.cli;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.Presets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
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

        @Override
        public void run() {
            System.out.print(ConfigLoader.loadFileOrPreset(config, overrides).toYaml());
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
