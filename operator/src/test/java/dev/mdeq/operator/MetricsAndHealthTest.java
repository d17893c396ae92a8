package dev.mdeq.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.Phase;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.io.IOException;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.ReportSummary;
import dev.mdeq.runstore.run.RunLayout;
import java.net.URI;
import java.time.Instant;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The Prometheus metrics and the health endpoints a Deployment's probes use. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class MetricsAndHealthTest extends OperatorTestBase {

    @TestHTTPResource("/q/metrics")
    URL metrics;
    @TestHTTPResource("/q/health/ready")
    URL ready;
    @TestHTTPResource("/q/health/live")
    URL live;


    @Test
    void metricsCountJobsByPhaseReconciliationsAndRestarts() throws Exception {
        String ns = newNamespace();
        trainingAfterOneRestart(ns, "m");
        awaitStatus(ns, "m", s -> s.phase() == Phase.Training && Integer.valueOf(1).equals(s.trainer().restarts()));

        String text = get(metrics).body();
        assertTrue(text.contains("mdeq_jobs{phase=\"Training\"}"), "jobs by phase");
        String mdeqLines = text.lines().filter(l -> l.startsWith("mdeq_")).collect(java.util.stream.Collectors.joining("\n"));
        assertTrue(value(text, "mdeq_jobs{phase=\"Training\"}") >= 1.0, mdeqLines);
        assertTrue(value(text, "mdeq_reconciliations_total{result=\"ok\"}") >= 1.0, "reconciliations");
        assertTrue(text.contains("mdeq_reconcile_duration_seconds_count"), "reconcile duration");
        assertTrue(value(text, "mdeq_pod_restarts_total{role=\"trainer\"}") >= 1.0, "pod restarts");
        assertTrue(value(text, "mdeq_child_jobs_created_total{role=\"trainer\"}") >= 1.0, "jobs created");
    }

    @Test
    void perRunGaugesFollowTheStatusAndGoWithTheResource() throws Exception {
        String ns = newNamespace();
        trainingAfterOneRestart(ns, "run");
        Instant beat = Instant.now().minusSeconds(30);
        writeJson(ns, "run", RunLayout.PROGRESS, new Progress(Progress.Phase.TRAINING, 1, 2, 150L, 300L, 0.6931, 41.5,
                "top1", 0.001, 7.5, 1e-4, 123.4, 60L, "checkpoints/step-000000000150/", null, null, beat));
        awaitStatus(ns, "run", s -> s.progress() != null && Long.valueOf(150).equals(s.progress().step())
                && Integer.valueOf(1).equals(s.trainer().restarts()));

        String text = get(metrics).body();
        String run = "{name=\"run\",namespace=\"" + ns + "\"}";
        assertEquals(150.0, value(text, "mdeq_run_step" + run));
        assertEquals(300.0, value(text, "mdeq_run_total_steps" + run));
        assertEquals(0.6931, value(text, "mdeq_run_loss" + run), 1e-9);
        assertEquals(123.4, value(text, "mdeq_run_samples_per_second" + run), 1e-9);
        assertEquals(41.5, value(text, "mdeq_run_validation_metric" + run), 1e-9);
        assertEquals(1.0, value(text, "mdeq_run_restarts" + run));
        double age = value(text, "mdeq_run_last_checkpoint_age_seconds" + run);
        assertTrue(age >= 30 && age < 120, "age of the checkpoint first named by the heartbeat of 30 s ago: " + age);
        assertEquals(1.0, value(text, "mdeq_run_phase{name=\"run\",namespace=\"" + ns + "\",phase=\"Training\"}"));
        assertEquals(0.0, value(text, "mdeq_run_phase{name=\"run\",namespace=\"" + ns + "\",phase=\"Pending\"}"));
        assertTrue(text.contains("mdeq_run_evaluation_metric" + run + " NaN"), "no evaluation yet");

        // Training and evaluation succeed: the report's headline is the evaluation metric.
        kubelet.complete(job(ns, "run-train").orElseThrow());
        kubelet.complete(awaitJob(ns, "run-eval"));
        writeJson(ns, "run", RunLayout.report("auto-val"), new ReportSummary("auto-val", "classification",
                "checkpoints/step-000000000300/", 10000L, null, null, 87.25, 98.5, null));
        awaitStatus(ns, "run", s -> s.phase() == Phase.Succeeded);
        text = get(metrics).body();
        assertEquals(87.25, value(text, "mdeq_run_evaluation_metric" + run), 1e-9);
        assertEquals(1.0, value(text, "mdeq_run_phase{name=\"run\",namespace=\"" + ns + "\",phase=\"Succeeded\"}"));
        assertEquals(0.0, value(text, "mdeq_run_phase{name=\"run\",namespace=\"" + ns + "\",phase=\"Training\"}"));

        client.resource(get(ns, "run")).delete();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> !get(metrics).body().contains("namespace=\"" + ns + "\""));
    }

    @Test
    void healthEndpointsAreUp() throws Exception {
        HttpResponse<String> readiness = get(ready);
        assertEquals(200, readiness.statusCode(), readiness.body());
        assertTrue(readiness.body().contains("\"UP\""));
        assertEquals(200, get(live).statusCode());
    }

    /** A run whose first trainer pod failed and whose second one runs. */
    private void trainingAfterOneRestart(String ns, String name) {
        create(ns, name, validSpec());
        var trainer = awaitJob(ns, name + "-train");
        kubelet.terminate(kubelet.run(kubelet.createPod(trainer)), 1, "Error");
        kubelet.run(kubelet.createPod(trainer));
    }

    private static HttpResponse<String> get(URL url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of a sample line (the first whose name and labels start with {@code series}). */
    private static double value(String text, String series) {
        String prefix = series.substring(0, series.length() - 1);
        return text.lines()
                .filter(line -> line.startsWith(series) || line.startsWith(prefix + ",") && series.endsWith("}"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
