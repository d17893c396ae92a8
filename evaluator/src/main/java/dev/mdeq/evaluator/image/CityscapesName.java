package dev.mdeq.evaluator.image;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Cityscapes file name, {@code <city>_<seq>_<frame>_<type>.png} (e.g.
 * {@code frankfurt_000000_000294_gtFine_labelIds.png}). The stem {@code <city>_<seq>_<frame>}
 * names the image; the benchmark matches a prediction to a ground truth by it (any
 * {@code <stem>*.png}).
 *
 * @param city the city
 * @param sequence the sequence number (digits, as written)
 * @param frame the frame number (digits, as written)
 * @param type what follows the frame, e.g. {@code leftImg8bit} or {@code gtFine_labelIds} (may be empty)
 */
public record CityscapesName(String city, String sequence, String frame, String type) {
    private static final Pattern NAME = Pattern.compile("([^_/]+)_(\\d+)_(\\d+)(?:_([^/]*))?\\.png");

    /** Parses the last path segment of a file name or key; empty when it is not a Cityscapes name. */
    public static Optional<CityscapesName> parse(String pathOrName) {
        String name = pathOrName.substring(pathOrName.lastIndexOf('/') + 1);
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new CityscapesName(m.group(1), m.group(2), m.group(3), m.group(4) == null ? "" : m.group(4)));
    }

    /** {@code <city>_<seq>_<frame>}. */
    public String stem() {
        return city + "_" + sequence + "_" + frame;
    }

    /**
     * The name of a labelId prediction as the benchmark expects it: the input image's name,
     * {@code <city>_<seq>_<frame>_leftImg8bit.png}, inside a folder per city.
     */
    public String predictionPath() {
        return city + "/" + stem() + "_leftImg8bit.png";
    }

    /** The path of this image's colour prediction. */
    public String colourPath() {
        return city + "/" + stem() + "_color.png";
    }
}
