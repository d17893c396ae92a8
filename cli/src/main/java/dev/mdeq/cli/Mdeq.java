package dev.mdeq.cli;

import dev.mdeq.config.ConfigException;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.runstore.lease.RunLeaseException;
import dev.mdeq.runstore.run.InvalidInputException;
import dev.mdeq.runstore.storage.StorageException;
import dev.mdeq.model.kernels.InvalidEnvironmentException;
import dev.mdeq.model.kernels.NativeKernels;
import dev.mdeq.model.NonFiniteException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mdeq} command: one entry point, one subcommand per concept. */
@Command(name = "mdeq",
        mixinStandardHelpOptions = true,
        version = "mdeq 0.1.0",
        description = "Train and evaluate Multiscale Deep Equilibrium models, locally or as Kubernetes jobs.",
        subcommands = {
            ConfigCommand.class,
            dev.mdeq.trainer.cli.DatasetCommand.class,
            dev.mdeq.trainer.cli.ModelCommand.class,
            dev.mdeq.trainer.cli.WeightsCommand.class,
            dev.mdeq.trainer.cli.TrainCommand.class,
            DemoCommand.class,
            DoctorCommand.class,
            StoreCommand.class,
            dev.mdeq.evaluator.cli.EvaluateCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:finished",
            "1:unexpected failure",
            "2:wrong usage",
            "3:invalid input (config, data, weights, credentials)",
            "4:NaN/Inf: training diverged (the last good checkpoint is kept), or a model computed non-finite values",
            "5:object storage unreachable",
            "6:invalid environment (this machine's native kernels compute wrong numbers)",
            "7:another trainer holds the run folder (its lease), or took it over",
            "75:stopped by SIGTERM after a checkpoint"})
public final class Mdeq implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        if (System.getenv(NativeKernels.DEBUG_VARIABLE) != null) {
            // library start-up messages (engine, threads, GPU detection) back on stderr
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "debug");
        }
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit code (tests call this). */
    public static int execute(String... args) {
        CommandLine commandLine = new CommandLine(new Mdeq());
        commandLine.setExecutionExceptionHandler(Mdeq::handle);
        commandLine.setParameterExceptionHandler(Mdeq::usageError);
        commandLine.setExitCodeExceptionMapper(Mdeq::exitCode);
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Known input errors print their message alone; anything else prints its stack trace. */
    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        int code = exitCode(e);
        if (code == ExitCodes.FAILED) {
            e.printStackTrace(commandLine.getErr());
        } else {
            commandLine.getErr().println("mdeq: " + e.getMessage());
        }
        return code;
    }

    /**
     * Wrong usage prints the problem and where the help is: the whole help (often longer than the
     * terminal) would scroll the one line that matters out of sight.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("mdeq: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("See '" + command.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return ExitCodes.USAGE;
    }

    static int exitCode(Throwable e) {
        if (e instanceof CommandLine.ParameterException) {
            return ExitCodes.USAGE;
        }
        if (e instanceof ConfigException || e instanceof InvalidInputException) {
            return ExitCodes.INVALID_INPUT;
        }
        if (e instanceof NonFiniteException) {
            return ExitCodes.DIVERGED;
        }
        if (e instanceof InvalidEnvironmentException) {
            return ExitCodes.INVALID_ENVIRONMENT;
        }
        if (e instanceof RunLeaseException) {
            return ExitCodes.RUN_HELD;
        }
        if (e instanceof StorageException storage) {
            // A wrong key, credential or bucket stays wrong: only an outage is worth a restart.
            return storage.kind().retryLaterMayHelp() ? ExitCodes.STORAGE_UNAVAILABLE : ExitCodes.INVALID_INPUT;
        }
        return ExitCodes.FAILED;
    }
}
