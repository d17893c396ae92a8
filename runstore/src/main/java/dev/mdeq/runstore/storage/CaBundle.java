package dev.mdeq.runstore.storage;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for a private S3 endpoint: the CA certificates of a PEM bundle, trusted in addition to the JVM's
 * own (so one setting serves a private MinIO and public endpoints alike). Host names are still verified.
 */
public final class CaBundle {
    private final X509TrustManager trustManager;
    private final SSLContext context;

    private CaBundle(X509TrustManager trustManager, SSLContext context) {
        this.trustManager = trustManager;
        this.context = context;
    }

    /**
     * Parses a PEM bundle ({@code where}: what it is, for messages) and builds the trust from it and the JVM's
     * CAs; fails with {@link Kind#INVALID_INPUT} when it holds no certificate or a malformed one.
     */
    public static CaBundle parse(String pem, String where) {
        List<X509Certificate> certificates = certificates(pem, where);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (X509Certificate ca : jvmTrustManager().getAcceptedIssuers()) {
                store.setCertificateEntry("jvm-" + n++, ca);
            }
            for (X509Certificate ca : certificates) {
                store.setCertificateEntry("bundle-" + n++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            X509TrustManager trust = x509(factory.getTrustManagers());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return new CaBundle(trust, context);
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new StorageException(Kind.INVALID_INPUT, where + ": cannot build a trust store from it: " + e, e);
        }
    }

    /** Checks that a PEM bundle holds at least one valid certificate, without building a trust store. */
    public static void check(String pem, String where) {
        certificates(pem, where);
    }

    public X509TrustManager trustManager() {
        return trustManager;
    }

    public SSLContext sslContext() {
        return context;
    }

    private static List<X509Certificate> certificates(String pem, String where) {
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new StorageException(Kind.INVALID_INPUT, where + " holds no PEM certificate; expected one or more "
                    + "blocks -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate certificate : factory.generateCertificates(
                    new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) certificate);
            }
            if (out.isEmpty()) {
                throw new CertificateException("no certificate found");
            }
            return out;
        } catch (CertificateException e) {
            throw new StorageException(Kind.INVALID_INPUT, where + " is not a valid PEM certificate bundle: "
                    + e.getMessage(), e);
        }
    }

    private static X509TrustManager jvmTrustManager() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        return x509(factory.getTrustManagers());
    }

    private static X509TrustManager x509(TrustManager[] managers) throws GeneralSecurityException {
        for (TrustManager manager : managers) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }
}
