package dev.mdeq.config;

/** {@code LOSS.*}: the segmentation loss options (OHEM is parsed; the shipped configs keep it off). */
public record LossConfig(boolean useOhem, double ohemThres, int ohemKeep, boolean classBalance) {

    static LossConfig from(Section loss) {
        return new LossConfig(
                loss.bool("USE_OHEM"),
                loss.real("OHEMTHRES"),
                loss.integer("OHEMKEEP"),
                loss.bool("CLASS_BALANCE"));
    }
}
