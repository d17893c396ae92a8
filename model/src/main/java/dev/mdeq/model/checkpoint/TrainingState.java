package dev.mdeq.model.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mdeq.runstore.run.RunJson;
import java.util.List;
import java.util.Map;

/**
 * Everything besides the tensors that a resumed run needs to continue exactly as if it had not
 * stopped: the {@code state.json} part of a checkpoint. Together with the model's parameters and
 * buffers and the optimizer's moments it determines the rest of the run, because every random
 * number the trainer draws is a function of the seed and the position saved here.
 *
 * @param step optimizer steps done (the global step; it also fixes the schedule's position and
 *     whether the next step pretrains)
 * @param epoch the epoch of the next batch
 * @param position samples of that epoch's order already consumed (the data-order state)
 * @param seed {@code RUN.SEED}
 * @param configSha256 {@code ExperimentConfig.sha256()} of the config the run trained with
 * @param rng named random-generator states beyond the seed (empty when every stream is derived
 *     from the seed and the step)
 * @param metricName {@code top1} or {@code mIoU}
 * @param bestMetric the best validation metric so far (null before the first validation)
 * @param bestStep the step of the best checkpoint
 * @param trainingSeconds wall-clock seconds spent training so far, over all restarts
 * @param epochLossSum sum of the training losses of the steps done in the current epoch
 * @param epochSteps steps done in the current epoch (the epoch's mean loss survives a restart)
 * @param history one record per finished epoch
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingState(
        long step,
        int epoch,
        int position,
        long seed,
        String configSha256,
        Map<String, Long> rng,
        String metricName,
        Double bestMetric,
        Long bestStep,
        double trainingSeconds,
        double epochLossSum,
        int epochSteps,
        List<EpochRecord> history) {

    /** The file name of this part inside a checkpoint folder. */
    public static final String PART = "state.json";

    public TrainingState {
        rng = rng == null ? Map.of() : Map.copyOf(rng);
        history = history == null ? List.of() : List.copyOf(history);
        if (step < 0 || epoch < 0 || position < 0) {
            throw new IllegalArgumentException("training state with a negative step, epoch or position: step " + step
                    + ", epoch " + epoch + ", position " + position);
        }
    }

    /** The state of a run that has not taken a step yet, starting at {@code epoch}. */
    public static TrainingState fresh(int epoch, long seed, String configSha256, String metricName) {
        return new TrainingState(0, epoch, 0, seed, configSha256, Map.of(), metricName, null, null, 0.0, 0.0, 0,
                List.of());
    }

    /** After one more optimizer step with loss {@code loss}, at {@code position} of the same epoch. */
    public TrainingState afterStep(int newPosition, double loss, Map<String, Long> newRng) {
        return new TrainingState(step + 1, epoch, newPosition, seed, configSha256, newRng, metricName, bestMetric,
                bestStep, trainingSeconds, epochLossSum + loss, epochSteps + 1, history);
    }

    /**
     * At the start of the next epoch, with the finished epoch's record appended; {@code best}
     * makes its metric the best so far.
     */
    public TrainingState nextEpoch(EpochRecord record, boolean best) {
        List<EpochRecord> newHistory = new java.util.ArrayList<>(history);
        newHistory.add(record);
        return new TrainingState(step, epoch + 1, 0, seed, configSha256, rng, metricName,
                best ? record.metric() : bestMetric, best ? Long.valueOf(step) : bestStep, trainingSeconds, 0.0, 0,
                newHistory);
    }

    /** With {@code seconds} more of training time. */
    public TrainingState plusTrainingSeconds(double seconds) {
        return new TrainingState(step, epoch, position, seed, configSha256, rng, metricName, bestMetric, bestStep,
                trainingSeconds + seconds, epochLossSum, epochSteps, history);
    }

    /** The same state recorded as belonging to a config with hash {@code sha256} (an allowed config change). */
    public TrainingState withConfigSha256(String sha256) {
        return new TrainingState(step, epoch, position, seed, sha256, rng, metricName, bestMetric, bestStep,
                trainingSeconds, epochLossSum, epochSteps, history);
    }

    /**
     * The summary of one finished epoch.
     *
     * @param epoch the epoch
     * @param step the global step at its end
     * @param loss mean training loss over the epoch
     * @param metric validation metric after it (null when not validated)
     * @param seconds wall-clock seconds the epoch took (training and validation)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EpochRecord(int epoch, long step, double loss, Double metric, double seconds) {
    }

    public byte[] toJson() {
        return RunJson.write(this);
    }

    public static TrainingState fromJson(byte[] json, String source) {
        return RunJson.read(json, TrainingState.class, source);
    }
}
