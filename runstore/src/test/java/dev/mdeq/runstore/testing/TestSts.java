package dev.mdeq.runstore.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for AWS STS (not for our code): an HTTP server on 127.0.0.1 that answers
 * {@code AssumeRoleWithWebIdentity} with the keys it is given (an S3 test server's, plus a session token),
 * or with an error status, and records the query parameters of each request.
 */
public final class TestSts implements AutoCloseable {
    private final HttpServer server;
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private volatile int errorStatus;
    private final String accessKey;
    private final String secretKey;
    private final String sessionToken;

    private TestSts(String accessKey, String secretKey, String sessionToken) throws IOException {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.sessionToken = sessionToken;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(query(exchange.getRequestURI()));
            exchange.getRequestBody().readAllBytes();
            byte[] body;
            int status = errorStatus;
            if (status != 0) {
                body = ("<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized to perform "
                        + "sts:AssumeRoleWithWebIdentity</Message></Error></ErrorResponse>").getBytes(StandardCharsets.UTF_8);
            } else {
                status = 200;
                body = response().getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    /** Starts a server that hands out these keys. */
    public static TestSts start(String accessKey, String secretKey, String sessionToken) {
        try {
            return new TestSts(accessKey, secretKey, sessionToken);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Answers every later request with this HTTP status (0: the keys again). */
    public void failWith(int status) {
        this.errorStatus = status;
    }

    /** The query parameters of each request so far. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private String response() {
        String expiration = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString()
                .replace("Z", ".000Z");
        return "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                + "<AssumeRoleWithWebIdentityResult><Credentials>"
                + "<AccessKeyId>" + accessKey + "</AccessKeyId>"
                + "<SecretAccessKey>" + secretKey + "</SecretAccessKey>"
                + "<SessionToken>" + sessionToken + "</SessionToken>"
                + "<Expiration>" + expiration + "</Expiration>"
                + "</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(key, value);
        }
        return out;
    }
}
