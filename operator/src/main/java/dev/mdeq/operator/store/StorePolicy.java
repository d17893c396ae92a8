package dev.mdeq.operator.store;

import dev.mdeq.operator.config.OperatorConfig;
import dev.mdeq.operator.refusal.InvalidSpecException;
import dev.mdeq.runstore.storage.StoreUri;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * The admin's policy on what a resource may make the operator touch (confused-deputy checks): no
 * file: URIs the operator would read, write or delete inside its own container unless the admin
 * allows them, and only the allowed S3 endpoints. Messages name the field, the rule and what is valid;
 * they quote the field's value only, never anything read from it.
 */
public final class StorePolicy {
    private final boolean allowFileUris;
    private final List<String> allowedEndpoints;
    private final String defaultEndpoint;

    public StorePolicy(boolean allowFileUris, List<String> allowedEndpoints, String defaultEndpoint) {
        this.allowFileUris = allowFileUris;
        this.allowedEndpoints = allowedEndpoints == null ? null : List.copyOf(allowedEndpoints);
        this.defaultEndpoint = defaultEndpoint;
    }

    public static StorePolicy of(OperatorConfig config) {
        return new StorePolicy(config.policy().allowFileUris(),
                config.policy().allowedStoreEndpoints().orElse(null),
                config.store().endpoint().orElse(null));
    }

    /** A URI the operator itself reads or writes ({@code field}: spec.store.uri, spec.experiment.uri). */
    public void checkOperatorUri(String field, StoreUri uri) {
        if (!uri.isS3() && !allowFileUris) {
            throw InvalidSpecException.policy(field + ": file: URIs are not allowed by the operator's policy "
                    + "(the operator would read or write its own filesystem); use an s3://bucket/prefix URI "
                    + "(mdeq.policy.allow-file-uris, chart value policy.allowFileUris, is off)");
        }
    }

    /** The S3 endpoint the operator would send requests to. */
    public void checkEndpoint(String field, String endpoint) {
        if (allowedEndpoints == null || endpoint == null) {
            return;
        }
        URI uri;
        try {
            uri = new URI(endpoint.strip());
        } catch (URISyntaxException e) {
            throw InvalidSpecException.spec(field + " '" + endpoint + "' is not a URL; expected http(s)://host[:port]");
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw InvalidSpecException.spec(field + " '" + endpoint + "' is not valid; expected http(s)://host[:port]");
        }
        if (defaultEndpoint != null && sameEndpoint(endpoint, defaultEndpoint)) {
            return;
        }
        for (String entry : allowedEndpoints) {
            if (matches(entry.strip(), uri)) {
                return;
            }
        }
        throw InvalidSpecException.policy(field + " " + uri.getScheme() + "://" + uri.getHost()
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + " is not allowed by the operator's policy; allowed "
                + "endpoints: " + allowedEndpoints + (defaultEndpoint == null ? "" : " and the default " + defaultEndpoint)
                + " (mdeq.policy.allowed-store-endpoints, chart value policy.allowedStoreEndpoints)");
    }

    /** Whether an allow-list entry ({@code [scheme://]host[:port]}, host may start with {@code *.}) matches. */
    static boolean matches(String entry, URI endpoint) {
        if (entry.isEmpty()) {
            return false;
        }
        String scheme = null;
        String rest = entry.toLowerCase(Locale.ROOT);
        int sep = rest.indexOf("://");
        if (sep >= 0) {
            scheme = rest.substring(0, sep);
            rest = rest.substring(sep + 3);
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        Integer port = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            try {
                port = Integer.parseInt(rest.substring(colon + 1));
            } catch (NumberFormatException e) {
                return false;
            }
            rest = rest.substring(0, colon);
        }
        String endpointScheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (scheme != null && !scheme.equals(endpointScheme)) {
            return false;
        }
        int endpointPort = endpoint.getPort() >= 0 ? endpoint.getPort() : "https".equals(endpointScheme) ? 443 : 80;
        if (port != null && port != endpointPort) {
            return false;
        }
        String host = endpoint.getHost().toLowerCase(Locale.ROOT);
        if (rest.startsWith("*.")) {
            String suffix = rest.substring(1);
            return host.endsWith(suffix) && host.length() > suffix.length();
        }
        return host.equals(rest);
    }

    private static boolean sameEndpoint(String a, String b) {
        return normalise(a).equals(normalise(b));
    }

    private static String normalise(String endpoint) {
        String s = endpoint.strip().toLowerCase(Locale.ROOT);
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
