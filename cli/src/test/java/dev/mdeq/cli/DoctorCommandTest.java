package dev.mdeq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.testing.S3TestServer;
import dev.mdeq.model.kernels.CpuInfo;
import org.junit.jupiter.api.Test;

/** {@code mdeq doctor} on this machine, with a store that answers. */
class DoctorCommandTest {
    @Test
    void reportsTheMachineEveryKernelSetAndAStoreThatAnswers() {
        try (S3TestServer s3 = S3TestServer.start()) {
            CliRun run = CliRun.run(s3.environment(), "doctor", "--store", s3.uri("runs"), "--kernels");
            assertEquals(0, run.exit(), run.out() + run.err());
            String out = run.out();
            assertTrue(out.contains("cpu        " + CpuInfo.current().model()), out);
            assertTrue(out.contains("libtorch 2.7.1, oneDNN v3.7.1"), out);
            for (String set : new String[] {"default", "avx2", "sse41"}) {
                assertTrue(out.contains("kernel set " + set + " [ok]"), out);
                assertTrue(out.contains("kernels under the " + set + " set:"), out);
            }
            assertTrue(out.contains("in use     "), out);
            assertTrue(out.contains(s3.uri("runs") + " answers (0 objects below it)"), out);
            assertTrue(out.strip().endsWith("mdeq doctor: all good"), out);
            for (String line : run.lines()) {
                assertTrue(line.length() < 80, "fits 80 columns: " + line);
            }
        }
    }

    @Test
    void longRowsWrapAtWordsUnderTheLabelsMargin() {
        String wrapped = DoctorCommand.wrap("cpu", "AMD EPYC 9R14 96-Core Processor (AuthenticAMD), 2 cores; AVX-512: "
                + "avx512_bf16 avx512_vp2intersect avx512bw avx512cd avx512dq avx512f avx512vl", 40);
        assertEquals(String.join(System.lineSeparator(),
                "cpu        AMD EPYC 9R14 96-Core", // 42 columns with " Processor": not below 40
                "           Processor (AuthenticAMD), 2",
                "           cores; AVX-512: avx512_bf16",
                "           avx512_vp2intersect avx512bw",
                "           avx512cd avx512dq avx512f",
                "           avx512vl", ""), wrapped);
    }
}
