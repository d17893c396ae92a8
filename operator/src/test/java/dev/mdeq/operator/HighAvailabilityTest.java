package dev.mdeq.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.operator.api.Phase;
import dev.mdeq.operator.metrics.OperatorMetrics;
import dev.mdeq.operator.metrics.RunMetrics;
import dev.mdeq.operator.reconciler.MdeqTrainingJobReconciler;
import dev.mdeq.operator.reconciler.OperatorWiring;
import dev.mdeq.runstore.run.Progress;
import dev.mdeq.runstore.run.RunLayout;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.javaoperatorsdk.operator.api.config.ConfigurationService;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas with leader election through a Lease (each its own JOSDK operator, reconciler,
 * informers and caches, in one process against the mock API server): the standby reconciles nothing
 * while the leader holds the Lease, and takes over when the leader is gone, without a second Job. Runs in
 * its own application (profile), since it stops the application's operator.
 */
@QuarkusTest
@TestProfile(HighAvailabilityTest.OwnApplication.class)
@WithKubernetesTestServer(crud = true)
class HighAvailabilityTest extends ReplicaTestBase {
    private static final String LEASE = "mdeq-operator-leader";

    /** A separate application for this class only. */
    public static class OwnApplication extends ClientOutlivesOperator {
    }

    @KubernetesTestServer
    KubernetesServer server;

    private final List<Operator> replicas = new ArrayList<>();

    @AfterEach
    void stopReplicas() {
        replicas.forEach(Operator::stop);
    }

    @Test
    void theStandbyDoesNothingWhileTheLeaderHoldsTheLeaseAndTakesOverWhenItIsGone() {
        operator.stop();
        // The controllers run on the application's executors (their configuration's parent): started again.
        configuration.getExecutorServiceManager().start(configuration);
        // The API server's answer to the operator's check that it may use Leases.
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().withIncomplete(false)
                        .addNewResourceRule().withApiGroups("coordination.k8s.io").withResources("leases")
                        .withVerbs("get", "create", "update").endResourceRule().endStatus().build())
                .always();
        String operatorNamespace = newNamespace();
        MeterRegistry firstMetrics = new SimpleMeterRegistry();
        MeterRegistry secondMetrics = new SimpleMeterRegistry();
        Operator first = replica("first", operatorNamespace, firstMetrics);
        first.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> "first".equals(holder(operatorNamespace)));
        Operator second = replica("second", operatorNamespace, secondMetrics);
        second.start();

        String ns = newNamespace();
        create(ns, "ha", validSpec());
        Job trainer = awaitJob(ns, "ha-train");
        kubelet.run(kubelet.createPod(trainer));
        awaitStatus(ns, "ha", s -> s.phase() == Phase.Training);
        // Several renewals (every 250 ms) long: the leader keeps the Lease, the standby reconciles nothing.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> reconciles(secondMetrics) == 0 && "first".equals(holder(operatorNamespace)));
        assertTrue(reconciles(firstMetrics) > 0);
        // The standby is ready as the readiness probe sees it (started, informers healthy), so a rolling
        // update that waits for the new replica's readiness goes on while another replica leads.
        assertTrue(second.getRuntimeInfo().isStarted(), "the standby counts as started");
        assertTrue(second.getRuntimeInfo().allEventSourcesAreHealthy(), "the standby's informers run: "
                + second.getRuntimeInfo().unhealthyEventSources());

        first.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> "second".equals(holder(operatorNamespace)));
        writeJson(ns, "ha", RunLayout.PROGRESS, new Progress(Progress.Phase.TRAINING, 0, 2, 77L, 300L, 1.0, null, null,
                0.001, 6.0, 1e-4, 100.0, 60L, null, null, null, Instant.now()));
        awaitStatus(ns, "ha", s -> s.progress() != null && Long.valueOf(77).equals(s.progress().step()));
        assertTrue(reconciles(secondMetrics) > 0, "the new leader reconciles");
        assertEquals(List.of("ha-train"), jobs(ns).stream().map(j -> j.getMetadata().getName()).toList(),
                "no second Job");
        assertEquals(1, events(ns).stream().filter(e -> "JobCreated".equals(e.getReason())).count());
    }

    private String holder(String namespace) {
        Lease lease = client.leases().inNamespace(namespace).withName(LEASE).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** Reconciliations a replica made, from its own metrics. */
    private static double reconciles(MeterRegistry registry) {
        return registry.find("mdeq.reconciliations").counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * A replica: a new reconciler (own dependents, informers and caches) with metrics of its own, which
     * count its reconciliations.
     */
    private Operator replica(String identity, String leaseNamespace, MeterRegistry registry) {
        MdeqTrainingJobReconciler reconciler = newReconciler(new OperatorMetrics(registry), new RunMetrics(registry));
        ConfigurationService withElection = ConfigurationService.newOverriddenConfigurationService(configuration,
                o -> o.withExecutorService(Executors.newFixedThreadPool(configuration.concurrentReconciliationThreads()))
                        .withWorkflowExecutorService(Executors.newCachedThreadPool())
                        .withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE)
                        .withLeaseNamespace(leaseNamespace).withIdentity(identity)
                        .withLeaseDuration(Duration.ofSeconds(2)).withRenewDeadline(Duration.ofMillis(1500))
                        .withRetryPeriod(Duration.ofMillis(250)).buildForTest(false)));
        Operator replica = OperatorWiring.build(configuration, withElection, reconciler);
        replicas.add(replica);
        return replica;
    }
}
