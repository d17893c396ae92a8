package dev.mdeq.model.weights.torch;

/**
 * The shapes of MDEQ checkpoint that docs/reference-model.md §6 describes, recognised by their content.
 */
public enum TorchFileKind {
    /** A bare MDEQClsNet state dict: released ImageNet .pkl, model_best.pth.tar, final_state.pth.tar. */
    BARE_STATE_DICT("bare state dict (released ImageNet .pkl, model_best.pth.tar, final_state.pth.tar)", false),
    /** tools/cls_train.py's checkpoint.pth.tar: a dict with 'state_dict', 'epoch', 'perf', 'optimizer', ... */
    TRAINING_CHECKPOINT("training checkpoint (dict with 'state_dict'; epoch, perf, optimizer, lr_scheduler skipped)",
            false),
    /** A segmentation FullModel state dict: the model under 'model.', plus 'loss.criterion.weight'. */
    SEGMENTATION_STATE_DICT("segmentation FullModel state dict (keys 'model.*' plus 'loss.*'; released Cityscapes"
            + " .pkl)", true),
    /** A segmentation training checkpoint: 'state_dict' holds a FullModel state dict. */
    SEGMENTATION_TRAINING_CHECKPOINT("segmentation training checkpoint (dict with a FullModel 'state_dict';"
            + " other entries skipped)", true);

    private final String description;
    private final boolean fullModel;

    TorchFileKind(String description, boolean fullModel) {
        this.description = description;
        this.fullModel = fullModel;
    }

    public String description() {
        return description;
    }

    /** True when the keys are the segmentation FullModel's ({@code model.} prefix, {@code loss.*}). */
    public boolean isFullModel() {
        return fullModel;
    }

    static TorchFileKind of(boolean trainingCheckpoint, boolean fullModel) {
        if (trainingCheckpoint) {
            return fullModel ? SEGMENTATION_TRAINING_CHECKPOINT : TRAINING_CHECKPOINT;
        }
        return fullModel ? SEGMENTATION_STATE_DICT : BARE_STATE_DICT;
    }
}
