package dev.mdeq.trainer.bench;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import dev.mdeq.config.Presets;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CIFAR TINY at batch 32, float32, 2 intra-op threads (the docs/benchmarks.md Model tables): what
 * {@code mdeq model bench cifar/cls_mdeq_TINY --batch 32 --threads 2 --repeats 5} prints. Run:
 * {@code mvn -B -pl trainer -am verify -Dgroups=benchmark -DexcludedTestGroups= -Dtest=ModelBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dbench.threads=1] [-Dbench.repeats=5]}
 */
@Tag("benchmark")
class ModelBenchmark {

    @Test
    void cifarTinyAtBatch32() {
        ai.djl.engine.Engine.getInstance(); // loads the natives (the test build asks for 1 thread)
        JniUtils.setNumThreads(Integer.getInteger("bench.threads", 2));
        System.out.println("threads " + JniUtils.getNumThreads());
        System.out.print(ModelBench.run(Presets.load("cifar/cls_mdeq_TINY", List.of()), "cifar/cls_mdeq_TINY",
                Device.cpu(), 32, Integer.getInteger("bench.repeats", 5), ModelBench.MODES).render());
    }
}
