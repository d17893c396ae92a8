package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.security.ProviderException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/** Sorts S3 client failures into transient and permanent ones, and turns them into clear messages. */
final class S3Errors {
    /** S3 error codes that mean "try again later", whatever the HTTP status. */
    private static final Set<String> TRANSIENT_CODES = Set.of("SlowDown", "InternalError", "ServiceUnavailable",
            "RequestTimeout", "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequests");
    /** S3 error codes that mean the credentials or permissions are wrong: never retried. */
    private static final Set<String> ACCESS_CODES = Set.of("AccessDenied", "InvalidAccessKeyId",
            "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "TokenRefreshRequired", "AllAccessDisabled",
            "AccountProblem", "InvalidSecurity", "RequestTimeTooSkewed", "AuthorizationHeaderMalformed");
    private static final Pattern RESPONSE_CODE = Pattern.compile("Response code: (\\d+)");

    private static final Pattern STS_STATUS = Pattern.compile("HTTP status code (\\d+)");

    private final String endpoint;
    private final String bucket;
    private final S3Credentials credentials;

    S3Errors(String endpoint, String bucket, S3Credentials credentials) {
        this.endpoint = endpoint;
        this.bucket = bucket;
        this.credentials = credentials;
    }

    /** True for failures a later attempt may not see: network errors, timeouts, 5xx, throttling. */
    static boolean isTransient(Throwable e) {
        if (e instanceof ErrorResponseException error) {
            int status = error.response() == null ? 0 : error.response().code();
            return TRANSIENT_CODES.contains(error.errorResponse().code()) || status >= 500 || status == 429;
        }
        if (e instanceof ServerException) {
            return true;
        }
        if (e instanceof InvalidResponseException) {
            Matcher matcher = RESPONSE_CODE.matcher(String.valueOf(e.getMessage()));
            if (matcher.find()) {
                int status = Integer.parseInt(matcher.group(1));
                return status >= 500 || status == 429;
            }
            return false;
        }
        if (isTls(e)) {
            return false; // a certificate problem does not fix itself
        }
        ProviderException sts = stsFailure(e);
        if (sts != null) {
            int status = stsStatus(sts);
            return status >= 500 || status == 429 || (status == 0 && sts.getCause() instanceof IOException);
        }
        return e instanceof IOException;
    }

    /** True for a TLS failure: an untrusted or mismatched certificate. */
    static boolean isTls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException || t instanceof SSLPeerUnverifiedException) {
                return true;
            }
        }
        return false;
    }

    /** The failed STS exchange behind a failure (MinIO wraps it in a RuntimeException), or null. */
    private static ProviderException stsFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProviderException provider) {
                return provider;
            }
        }
        return null;
    }

    /** The HTTP status of a failed STS exchange (MinIO's ProviderException), or 0. */
    private static int stsStatus(Throwable e) {
        Matcher matcher = STS_STATUS.matcher(String.valueOf(e.getMessage()));
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
    }

    /** The S3 error code of a failure, or null. */
    static String code(Throwable e) {
        return e instanceof ErrorResponseException error ? error.errorResponse().code() : null;
    }

    /** Where an operation went: {@code s3://bucket/object at http://endpoint}. */
    String location(String objectName) {
        return "s3://" + bucket + (objectName.isEmpty() ? "" : "/" + objectName) + " at " + endpoint;
    }

    /** A short description of a failure for logs and messages, without any credential. */
    String brief(Throwable e) {
        String text;
        if (e instanceof ErrorResponseException error) {
            int status = error.response() == null ? 0 : error.response().code();
            text = error.errorResponse().code() + " (HTTP " + status + "): " + error.errorResponse().message();
        } else {
            text = e.getClass().getName() + ": " + e.getMessage();
        }
        return redact(text);
    }

    /** The exception for a failure that is not retried any further. */
    StorageException fail(String operation, String objectName, Exception e, int attempts, long elapsedNanos) {
        String where = operation + " " + location(objectName);
        Throwable cause = safe(e);
        String code = code(e);
        if ("NoSuchKey".equals(code)) {
            return new StorageException(Kind.NOT_FOUND, where + ": no such object", cause);
        }
        if ("NoSuchBucket".equals(code)) {
            return noSuchBucket(operation, objectName, cause);
        }
        if (code != null && ACCESS_CODES.contains(code)) {
            return new StorageException(Kind.ACCESS_DENIED, where + ": access denied (" + brief(e) + "); check the "
                    + "credentials (files in " + S3Settings.CREDENTIALS_DIR + ", or " + S3Settings.ACCESS_KEY_ID + " / "
                    + S3Settings.SECRET_ACCESS_KEY + ") and the bucket's policy; not retried", cause);
        }
        if (stsFailure(e) != null && !isTransient(e)) {
            return new StorageException(Kind.ACCESS_DENIED, where + ": the web identity exchange (STS "
                    + "AssumeRoleWithWebIdentity) was refused (" + brief(stsFailure(e)) + "); check the role ARN, the token's "
                    + "audience and the role's trust policy; not retried", cause);
        }
        if (isTls(e)) {
            return new StorageException(Kind.ACCESS_DENIED, where + ": TLS failed (" + brief(e) + "); if the endpoint's "
                    + "certificate comes from a private certificate authority, give its CA bundle ("
                    + S3Settings.CA_BUNDLE + ", spec.store.caBundle); not retried", cause);
        }
        if ("PreconditionFailed".equals(code)) {
            return new StorageException(Kind.FAILED, where + ": the object was replaced while it was being read; "
                    + "read it again", cause);
        }
        if (e instanceof InsufficientDataException) {
            return new StorageException(Kind.INVALID_INPUT, where + ": " + redact(e.getMessage()), cause);
        }
        if (isTransient(e)) {
            String seconds = String.format(Locale.ROOT, "%.1f", elapsedNanos / 1e9);
            return new StorageException(Kind.UNAVAILABLE, where + ": unavailable after " + attempts + " attempt"
                    + (attempts == 1 ? "" : "s") + " in " + seconds + " s (" + brief(e) + ")", cause);
        }
        return new StorageException(Kind.FAILED, where + " failed: " + brief(e), cause);
    }

    StorageException noSuchBucket(String operation, String objectName, Throwable cause) {
        return new StorageException(Kind.NO_SUCH_BUCKET, operation + " " + location(objectName) + ": bucket '"
                + bucket + "' does not exist at " + endpoint + "; create it or fix the store URI", safe(cause));
    }

    /**
     * The client's exception as the cause of ours, unless its text shows a secret: MinIO's
     * ErrorResponseException prints the request's headers, x-amz-security-token among them. Then a copy with
     * the secrets replaced, the same class name and stack trace, and no further cause.
     */
    Throwable safe(Throwable e) {
        if (e == null) {
            return null;
        }
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t).append('\n');
        }
        String text = chain.toString();
        if (redact(text).equals(text)) {
            return e;
        }
        RedactedCause copy = new RedactedCause(redact(text.strip()));
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    /** A client exception whose text showed a secret, with that text redacted. */
    static final class RedactedCause extends Exception {
        RedactedCause(String text) {
            super(text, null, false, true);
        }
    }

    /**
     * Removes the secrets (secret key, session token, web identity token) from a text: none is ever put in a
     * message, so this is a second line of defence.
     */
    String redact(String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        for (String secret : credentials.secrets()) {
            if (secret.length() >= 6) {
                out = out.replace(secret, "****");
            }
        }
        return out;
    }
}
