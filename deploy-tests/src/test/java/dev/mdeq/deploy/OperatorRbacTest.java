package dev.mdeq.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.deploy.helm.ChartRender;
import dev.mdeq.deploy.manifest.Manifest;
import dev.mdeq.deploy.manifest.Manifests;
import dev.mdeq.deploy.manifest.RbacGrants;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator's rights in k8s/ and in the chart (Role and ClusterRole alike) are exactly what its
 * reconciler declares (@RBACRule; Quarkus Operator SDK generates them into
 * operator/target/kubernetes/kubernetes.yml), less the grants the operator never uses. A new rule in the
 * operator fails this test until the manifests grant it.
 */
class OperatorRbacTest {
    /** Generated for every primary resource by the SDK, but never exercised: it neither creates nor deletes MdeqTrainingJobs. */
    private static final Set<String> NOT_USED = Set.of(
            "mdeq.dev|mdeqtrainingjobs|create", "mdeq.dev|mdeqtrainingjobs|delete",
            "mdeq.dev|mdeqtrainingjobs/status|list", "mdeq.dev|mdeqtrainingjobs/status|watch",
            "mdeq.dev|mdeqtrainingjobs/status|create", "mdeq.dev|mdeqtrainingjobs/status|delete",
            "mdeq.dev|mdeqtrainingjobs/finalizers|get", "mdeq.dev|mdeqtrainingjobs/finalizers|list",
            "mdeq.dev|mdeqtrainingjobs/finalizers|watch", "mdeq.dev|mdeqtrainingjobs/finalizers|patch",
            "mdeq.dev|mdeqtrainingjobs/finalizers|create", "mdeq.dev|mdeqtrainingjobs/finalizers|delete");

    private static Set<String> declared;

    @BeforeAll
    static void readGenerated() {
        RepoPaths.assumeOperatorModule();
        List<Manifest> generated = Manifests.load(RepoPaths.buildOutput("operator/target/kubernetes/kubernetes.yml"));
        List<Manifest> roles = generated.stream()
                .filter(m -> Set.of("ClusterRole", "Role").contains(m.kind()))
                .filter(m -> m.object().path("rules").toString().contains("mdeqtrainingjobs"))
                .toList();
        assertEquals(1, roles.size(), "one generated role of the reconciler: " + roles.stream().map(Manifest::id).toList());
        declared = RbacGrants.of(roles.get(0));
        assertTrue(declared.containsAll(NOT_USED), "NOT_USED lists grants the operator no longer declares: "
                + new TreeSet<>(NOT_USED).removeAll(declared));
    }

    @Test
    void thePlainRoleGrantsWhatTheOperatorDeclares() {
        List<Manifest> rbac = Manifests.load(RepoPaths.resolve("k8s/operator/rbac.yaml"));
        assertEquals(needed(), RbacGrants.of(reconcilerRole(rbac)));
        assertEquals(LEASES, RbacGrants.of(leaderElectionRole(rbac)));
    }

    @Test
    void theChartGrantsTheSameNamespacedAndClusterWide() {
        List<Manifest> namespaced = ChartRender.render("");
        assertEquals(needed(), RbacGrants.of(reconcilerRole(namespaced)));
        List<Manifest> clusterWide = ChartRender.render("rbac: {clusterWide: true}");
        assertEquals(needed(), RbacGrants.of(Manifests.single(clusterWide, "ClusterRole")));
        // Leader election: Leases only, in the release namespace only, whether the rest is cluster-wide or not.
        for (List<Manifest> render : List.of(namespaced, clusterWide)) {
            Manifest leases = leaderElectionRole(render);
            assertEquals(ChartRender.NAMESPACE, leases.namespace());
            assertEquals(LEASES, RbacGrants.of(leases));
        }
    }

    /** What JOSDK's leader election checks it may do with the Lease (LeaderElectionManager). */
    private static final Set<String> LEASES = Set.of("coordination.k8s.io|leases|get", "coordination.k8s.io|leases|create",
            "coordination.k8s.io|leases|update");

    private static Manifest reconcilerRole(List<Manifest> manifests) {
        return Manifests.single(manifests.stream().filter(m -> !m.name().endsWith("-leader-election")).toList(), "Role");
    }

    private static Manifest leaderElectionRole(List<Manifest> manifests) {
        return Manifests.single(manifests.stream().filter(m -> m.name().endsWith("-leader-election")).toList(), "Role");
    }

    private static Set<String> needed() {
        Set<String> needed = new TreeSet<>(declared);
        needed.removeAll(NOT_USED);
        return needed;
    }
}
