package dev.mdeq.evaluator.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Checks evaluation ids: they become a folder name in object storage. */
final class EvalIds {
    private EvalIds() {
    }

    static String check(CommandLine cmd, String evalId) {
        if (evalId == null || !evalId.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new ParameterException(cmd, "--eval-id '" + evalId + "' is not a valid id: use 1-100 letters, "
                    + "digits, '.', '_' or '-', starting with a letter or digit");
        }
        return evalId;
    }
}
