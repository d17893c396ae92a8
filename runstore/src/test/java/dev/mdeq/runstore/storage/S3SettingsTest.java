package dev.mdeq.runstore.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mdeq.runstore.storage.StorageException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class S3SettingsTest {
    @TempDir
    Path temp;

    @Test
    void credentialsComeFromAMountedSecretFolderFirst() throws IOException {
        Path secret = Files.createDirectories(temp.resolve("secret"));
        // kubectl create secret --from-file keeps a trailing newline: it must not become part of the key
        Files.writeString(secret.resolve("AWS_ACCESS_KEY_ID"), "from-file-id\n");
        Files.writeString(secret.resolve("AWS_SECRET_ACCESS_KEY"), "from-file-secret\n");
        S3Settings settings = S3Settings.fromEnvironment(Map.of(
                "MDEQ_S3_ENDPOINT", "http://minio:9000",
                "MDEQ_S3_CREDENTIALS_DIR", secret.toString(),
                "AWS_ACCESS_KEY_ID", "from-env-id",
                "AWS_SECRET_ACCESS_KEY", "from-env-secret"));
        S3Credentials.Keys keys = assertInstanceOf(S3Credentials.Keys.class, settings.credentials());
        assertEquals("from-file-id", keys.accessKey());
        assertEquals("from-file-secret", keys.secretKey());
        assertNull(keys.sessionToken());
        assertEquals("http://minio:9000", settings.endpoint());
        assertEquals("us-east-1", settings.region());
        assertTrue(settings.pathStyle());
        assertEquals(S3Settings.DEFAULT_PART_SIZE, settings.partSize());
        assertEquals(RetryPolicy.DEFAULT, settings.retry());
    }

    @Test
    void credentialsComeFromTheEnvironmentWithoutAFolder() {
        S3Settings settings = S3Settings.fromEnvironment(Map.of(
                "MDEQ_S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com/",
                "MDEQ_S3_REGION", "eu-west-1",
                "MDEQ_S3_PATH_STYLE", "FALSE",
                "AWS_ACCESS_KEY_ID", "id",
                "AWS_SECRET_ACCESS_KEY", "secret-value"));
        assertEquals("https://s3.eu-west-1.amazonaws.com", settings.endpoint());
        assertEquals("eu-west-1", settings.region());
        assertFalse(settings.pathStyle());
        assertEquals("id", ((S3Credentials.Keys) settings.credentials()).accessKey());
    }

    @Test
    void missingCredentialsNameTheVariablesToSet() {
        StorageException e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(Map.of(
                "MDEQ_S3_ENDPOINT", "http://minio:9000", "AWS_ACCESS_KEY_ID", "id")));
        assertEquals(Kind.INVALID_INPUT, e.kind());
        for (String name : new String[] {"MDEQ_S3_CREDENTIALS_DIR", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "missing: AWS_SECRET_ACCESS_KEY"}) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(Map.of(
                "MDEQ_S3_ENDPOINT", "http://minio:9000", "MDEQ_S3_CREDENTIALS_DIR", temp.toString())));
        assertTrue(e.getMessage().contains(temp.resolve("AWS_ACCESS_KEY_ID").toString()), e.getMessage());
        e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(Map.of()));
        assertTrue(e.getMessage().contains("MDEQ_S3_ENDPOINT is not set"), e.getMessage());
    }

    @Test
    void badValuesAreRejectedWithTheValidForms() {
        Map<String, String> base = Map.of("AWS_ACCESS_KEY_ID", "id", "AWS_SECRET_ACCESS_KEY", "secret");
        StorageException e = assertThrows(StorageException.class, () -> S3Settings.fromEnvironment(with(base,
                "MDEQ_S3_ENDPOINT", "http://minio:9000", "MDEQ_S3_PATH_STYLE", "yes")));
        assertTrue(e.getMessage().contains("MDEQ_S3_PATH_STYLE=yes") && e.getMessage().contains("true"),
                e.getMessage());
        for (String endpoint : new String[] {"minio:9000", "ftp://minio", "http://minio:9000/bucket", "http://"}) {
            e = assertThrows(StorageException.class, () -> S3Settings.of(endpoint, "id", "secret"));
            assertTrue(e.getMessage().contains("http(s)://host[:port]"), e.getMessage());
        }
        e = assertThrows(StorageException.class, () -> S3Settings.of("http://m", "id", "s").withPartSize(1024));
        assertTrue(e.getMessage().contains("part size 1024"), e.getMessage());
    }

    @Test
    void toStringNeverShowsTheSecret() {
        S3Settings settings = S3Settings.of("http://minio:9000", "AKIAEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG");
        assertFalse(settings.toString().contains("wJalrXUtnFEMI/K7MDENG"), settings.toString());
        assertFalse(settings.toString().contains("AKIAEXAMPLEKEY"), settings.toString());
        assertTrue(settings.toString().contains("http://minio:9000"), settings.toString());
    }

    @Test
    void storesOpenByUriAndReadS3SettingsOnlyForS3() {
        try (ObjectStore folder = ObjectStores.open(temp.resolve("plain").toString())) {
            assertInstanceOf(LocalObjectStore.class, folder);
            assertEquals("file:" + temp.resolve("plain"), folder.root().toString());
        }
        try (ObjectStore file = ObjectStores.open("file:" + temp.resolve("uri"))) {
            assertInstanceOf(LocalObjectStore.class, file);
        }
        try (var env = ObjectStores.overrideEnvironment(Map.of())) {
            StorageException e = assertThrows(StorageException.class, () -> ObjectStores.open("s3://bucket/runs"));
            assertTrue(e.getMessage().contains("MDEQ_S3_ENDPOINT"), e.getMessage());
            try (ObjectStore s3 = ObjectStores.open("s3://bucket/runs", S3Settings.of("http://m:9000", "a", "b"))) {
                assertInstanceOf(S3ObjectStore.class, s3);
                assertEquals("s3://bucket/runs", s3.root().toString());
            }
        }
        StorageException e = assertThrows(StorageException.class, () -> ObjectStores.open("gs://bucket/x"));
        assertEquals(Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("s3://bucket/prefix"), e.getMessage());
        e = assertThrows(StorageException.class, () -> ObjectStores.open("s3://b/a//c", S3Settings.of("http://m",
                "a", "b")));
        assertEquals(Kind.INVALID_INPUT, e.kind());
    }

    @Test
    void storeUrisKnowTheirParentAndName() {
        StoreUri uri = StoreUri.parse("s3://bucket/runs/ns/job");
        assertEquals("s3://bucket/runs/ns", uri.parent().orElseThrow().toString());
        assertEquals("job", uri.name());
        assertEquals("s3://bucket", StoreUri.parse("s3://bucket/runs").parent().orElseThrow().toString());
        assertTrue(StoreUri.parse("s3://bucket").parent().isEmpty());
        assertEquals("", StoreUri.parse("s3://bucket").name());
        StoreUri file = StoreUri.parse("file:/data/run/config.yaml");
        assertEquals("file:/data/run", file.parent().orElseThrow().toString());
        assertEquals("config.yaml", file.name());
    }

    private static Map<String, String> with(Map<String, String> base, String... keysAndValues) {
        java.util.HashMap<String, String> map = new java.util.HashMap<>(base);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
