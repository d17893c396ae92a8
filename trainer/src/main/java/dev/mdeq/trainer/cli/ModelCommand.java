package dev.mdeq.trainer.cli;

import dev.mdeq.trainer.model.Architecture;
import dev.mdeq.trainer.model.MdeqNet;
import dev.mdeq.trainer.model.ModelSummary;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mdeq model}: inspect and run the MDEQ network of a config. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "The MDEQ network of an experiment config: summary, forward pass on given weights.",
        subcommands = {ModelCommand.Summary.class})
public final class ModelCommand {

    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = "Parameters per part, equilibrium state size and FLOPs of one f evaluation at the "
                    + "config's input size (MODEL.IMAGE_SIZE, or the TRAIN.IMAGE_SIZE crop for segmentation).")
    static final class Summary implements Runnable {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "an experiment yaml file or a preset name")
        String config;

        @Parameters(index = "1..*", paramLabel = "KEY VALUE", description = "overrides such as TRAIN.IMAGE_SIZE [2048,1024]")
        List<String> overrides = new ArrayList<>();

        @Override
        public void run() {
            MdeqNet net = MdeqNet.build(Architecture.from(ConfigArguments.load(config, overrides)));
            System.out.print(ModelSummary.of(net).render(config));
        }
    }
}
