package dev.mdeq.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The mock API server's CRUD mode plus server-side apply, which the operator image uses for its Jobs
 * (quarkus.operator-sdk.enable-ssa is fixed at build time, true in the image; the mock alone answers
 * an apply patch with 404 or 415). An apply creates the object when it is absent and otherwise merges
 * it in as a JSON merge patch, which is what a single field manager applying with force amounts to
 * for these objects (no field it once set is dropped, since the operator always applies whole Jobs).
 * It also answers the leader election's check that the operator may use Leases (a
 * SelfSubjectRulesReview, which the CRUD mode cannot store) as the API server does under the
 * chart's RBAC: get, create and update on coordination.k8s.io leases.
 */
final class ApplyingCrudDispatcher extends KubernetesCrudDispatcher {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String RULES_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        if (!request.getPath().startsWith(RULES_REVIEWS)) {
            return super.handleCreate(request);
        }
        String review = "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
                + "\"spec\":{},\"status\":{\"incomplete\":false,\"nonResourceRules\":[],\"resourceRules\":["
                + "{\"apiGroups\":[\"coordination.k8s.io\"],\"resources\":[\"leases\"],"
                + "\"verbs\":[\"get\",\"create\",\"update\"]}]}}";
        return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json").setBody(review);
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        String contentType = request.getHeader("Content-Type");
        if (contentType == null || !contentType.contains("apply-patch")) {
            return super.handlePatch(request);
        }
        String path = request.getPath();
        String plain = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String body = json(request.getUtf8Body());
        if (handleGet(plain).code() == 404 && !plain.endsWith("/status")) {
            String collection = plain.substring(0, plain.lastIndexOf('/'));
            return handleCreate(new RecordedRequest("POST " + collection + " HTTP/1.1", HttpMethod.POST, collection,
                    request.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
                    new Buffer(body.getBytes(StandardCharsets.UTF_8))));
        }
        RecordedRequest merge = new RecordedRequest("PATCH " + plain + " HTTP/1.1", HttpMethod.PATCH, plain,
                request.getHeaders().newBuilder().set("Content-Type", "application/merge-patch+json").build(),
                new Buffer(body.getBytes(StandardCharsets.UTF_8)));
        return super.handlePatch(merge);
    }

    private static String json(String yamlOrJson) {
        try {
            JsonNode node = YAML.readTree(yamlOrJson);
            return JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
