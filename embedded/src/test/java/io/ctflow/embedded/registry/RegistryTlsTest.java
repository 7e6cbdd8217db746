package io.ctflow.embedded.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import io.ctflow.schemas.registry.RegistryUnreachableException;
import io.ctflow.schemas.registry.SchemaRegistryClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's schema.registry.ssl.* settings against an HTTPS registry with a self-signed certificate. */
class RegistryTlsTest {
    static final char[] PASS = "changeit".toCharArray();
    static final Schema S = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");

    @TempDir
    static Path dir;
    static Path serverStore;
    static Path trustStore;
    static Path pem;
    static RegistryServer server;

    @BeforeAll
    static void start() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        assumeTrue(Files.isExecutable(keytool), "keytool makes the test certificate");
        serverStore = dir.resolve("server.p12");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", serverStore.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverStore)) {
            ks.load(in, PASS);
        }
        Certificate cert = ks.getCertificate("registry");
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("registry", cert);
        trustStore = dir.resolve("trust.p12");
        try (OutputStream o = Files.newOutputStream(trustStore)) {
            ts.store(o, "trustpw".toCharArray());
        }
        pem = dir.resolve("ca.pem");
        Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASS);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = RegistryServer.startTls("127.0.0.1", 0, ctx);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void trustsTheRegistryThroughATruststore() {
        assertTrue(server.url().startsWith("https://127.0.0.1:"));
        SchemaRegistryClient c = SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "schema.registry.ssl.truststore.location", trustStore.toString(),
                "schema.registry.ssl.truststore.password", "trustpw",
                "schema.registry.ssl.truststore.type", "PKCS12"));
        int id = c.register("tls-value", S);
        assertEquals(S, c.getSchemaById(id));
    }

    @Test
    void trustsThroughAPemBundleAndLoadsAClientKeystore() {
        SchemaRegistryClient c = SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(),
                "schema.registry.ssl.truststore.location", pem.toString(),
                "schema.registry.ssl.truststore.type", "PEM",
                "schema.registry.ssl.keystore.location", serverStore.toString(),
                "schema.registry.ssl.keystore.password", "changeit",
                "schema.registry.ssl.keystore.type", "PKCS12",
                "schema.registry.ssl.key.password", "changeit"));
        assertTrue(c.getSchemaTypes().contains("AVRO"));
    }

    @Test
    void withoutTheTruststoreTheHandshakeFailureIsReported() {
        SchemaRegistryClient c = SchemaRegistryClient.create(Map.of("schema.registry.url", server.url(), "ctflow.registry.retries", "0"));
        RegistryUnreachableException e = assertThrows(RegistryUnreachableException.class, c::getSubjects);
        assertTrue(e.getMessage().contains("SSLHandshakeException"), e.getMessage());
        assertEquals(List.of(server.url()), c.urls());
    }
}
