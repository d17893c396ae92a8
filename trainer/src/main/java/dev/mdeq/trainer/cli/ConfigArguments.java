package dev.mdeq.trainer.cli;

import dev.mdeq.config.ConfigLoader;
import dev.mdeq.config.ExperimentConfig;
import dev.mdeq.config.Presets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Resolves a command's CONFIG argument: a yaml file, or else a shipped preset name. */
final class ConfigArguments {
    private ConfigArguments() {
    }

    /** The config in {@code fileOrPreset} with {@code KEY VALUE} overrides applied. */
    static ExperimentConfig load(String fileOrPreset, List<String> overrides) {
        Path file = Path.of(fileOrPreset);
        if (Files.exists(file) || !Presets.exists(fileOrPreset)) {
            return ConfigLoader.load(file, overrides);
        }
        return Presets.load(fileOrPreset, overrides);
    }
}
