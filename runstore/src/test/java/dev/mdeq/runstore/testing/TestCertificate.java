package dev.mdeq.runstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed TLS certificate for an IP address, made at test time with the JDK's keytool (an EC key: fast):
 * a PKCS12 key store for a server and the certificate as PEM for a client's CA bundle.
 *
 * @param keyStore the PKCS12 file with key and certificate (password {@link #PASSWORD})
 * @param pem the certificate, PEM encoded
 */
public record TestCertificate(Path keyStore, String pem) {
    public static final String PASSWORD = "test-keystore";

    /** Makes a key and a certificate valid for {@code ip} for one day. */
    public static TestCertificate create(String ip) {
        try {
            Path folder = Files.createTempDirectory("test-certificate-");
            Path store = folder.resolve("server.p12");
            keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + ip, "-ext", "san=ip:" + ip, "-validity", "1",
                    "-keystore", store.toString(), "-storetype", "PKCS12",
                    "-storepass", PASSWORD, "-keypass", PASSWORD);
            String pem = keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", store.toString(),
                    "-storetype", "PKCS12", "-storepass", PASSWORD);
            return new TestCertificate(store, pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes the key store and its folder. */
    public void delete() {
        try {
            Files.deleteIfExists(keyStore);
            Files.deleteIfExists(keyStore.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
        return output;
    }
}
