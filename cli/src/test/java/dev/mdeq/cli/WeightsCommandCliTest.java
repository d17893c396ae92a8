package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.mdeq.config.Presets;
import dev.mdeq.runstore.run.ExitCodes;
import dev.mdeq.model.MdeqModel;
import dev.mdeq.model.weights.Npy;
import dev.mdeq.model.weights.Npz;
import dev.mdeq.model.weights.RawTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mdeq weights import} and {@code mdeq model forward --weights} through the real entry point: exit codes. */
class WeightsCommandCliTest {
    private static final String CLS = "demo/cls_mdeq_tiny";

    @TempDir
    Path dir;

    @Test
    void importSucceedsAndBadWeightsExitWithInvalidInput() throws IOException {
        Path good = dir.resolve("good.npz");
        try (MdeqModel model = MdeqModel.create(Presets.load(CLS, List.of()), Device.cpu(), DataType.FLOAT32, 5)) {
            Npz.write(good, model.stateDict());
        }
        CliRun ok = CliRun.run(Map.of(), "weights", "import", "--from", good.toString(),
                "--config", CLS, "--to", dir.resolve("copy.npz").toString());
        assertEquals(ExitCodes.OK, ok.exit(), ok.err());
        assertTrue(ok.out().contains("loaded 98 of 98 model entries"), ok.out());

        byte[] bytes = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.npz"), Arrays.copyOf(bytes, bytes.length / 3));
        Path marker = dir.resolve("MARKER");
        // A legacy-format pickle calling posix.system('touch MARKER'), as a hostile .pkl would.
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(new byte[] {(byte) 0x80, 2, 'c'});
        pickle.writeBytes("posix\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        byte[] command = ("touch " + marker).getBytes(StandardCharsets.US_ASCII);
        pickle.writeBytes(new byte[] {'X', (byte) command.length, 0, 0, 0});
        pickle.writeBytes(command);
        pickle.writeBytes(new byte[] {(byte) 0x85, 'R', '.'});
        Path hostile = Files.write(dir.resolve("hostile.pkl"), pickle.toByteArray());
        Path noise = Files.write(dir.resolve("noise.pth"), "PK? no".getBytes(StandardCharsets.US_ASCII));

        Map<Path, String> cases = Map.of(
                cut, "truncated or corrupt zip archive",
                hostile, "refusing to load the global 'posix.system'",
                noise, "truncated or corrupt zip archive");
        Path input = Files.write(dir.resolve("x.npy"), Npy.toBytes(RawTensor.ofFloats(new long[] {1, 3, 32, 32},
                new float[3 * 32 * 32])));
        cases.forEach((file, expected) -> {
            CliRun imported = CliRun.run(Map.of(), "weights", "import", "--from",
                    file.toString(), "--config", CLS, "--to", dir.resolve("out.npz").toString());
            assertEquals(ExitCodes.INVALID_INPUT, imported.exit(), imported.err());
            assertTrue(imported.err().startsWith("mdeq: " + file) && imported.err().contains(expected), imported.err());
            CliRun forward = CliRun.run(Map.of(), "model", "forward", "--config", CLS,
                    "--weights", file.toString(), "--input", input.toString(), "--out", dir.resolve("f.npz").toString());
            assertEquals(ExitCodes.INVALID_INPUT, forward.exit(), forward.err());
            assertTrue(forward.err().contains(expected), forward.err());
        });
        assertFalse(Files.exists(marker));
        assertFalse(Files.exists(dir.resolve("out.npz")) || Files.exists(dir.resolve("f.npz")));

        CliRun strict = CliRun.run(Map.of(), "weights", "import", "--from", good.toString(),
                "--config", "demo/seg_mdeq_tiny", "--to", dir.resolve("seg.npz").toString());
        assertEquals(ExitCodes.INVALID_INPUT, strict.exit(), strict.err());
        assertTrue(strict.err().contains("last_layer.3.weight (19, 24, 1, 1)"), strict.err());
    }
}
