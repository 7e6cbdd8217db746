package io.ctflow.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * Settings of the registry client, read with Confluent's key names so the same properties work
 * with Confluent's serdes and ours:
 *
 * <pre>
 * schema.registry.url                       comma-separated; the next is tried when one is unreachable
 * basic.auth.credentials.source             URL (user:pass@ in the URL) or USER_INFO
 * basic.auth.user.info                      user:password (also schema.registry.basic.auth.user.info)
 * schema.registry.ssl.truststore.location   + .password, .type (JKS, PKCS12 or PEM)
 * schema.registry.ssl.keystore.location     + .password, .type (JKS or PKCS12), schema.registry.ssl.key.password
 * schema.registry.ssl.protocol              default TLS (the JDK picks TLSv1.3/1.2)
 * http.connect.timeout.ms / http.read.timeout.ms   default 10000 / 30000
 * request.header.NAME                       extra header on every request
 * ctflow.registry.retries                   default 3: rounds over all URLs after the first
 * ctflow.registry.backoff.ms                default 100, doubling per round (capped by ctflow.registry.backoff.max.ms, 5000)
 * </pre>
 *
 * When {@code basic.auth.credentials.source} is unset, credentials in the URL win, else
 * {@code basic.auth.user.info} is used if set (Confluent would silently ignore it and get 401s).
 */
public final class RegistryClientConfig {
    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String SSL_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "schema.registry.ssl.key.password";
    public static final String SSL_PROTOCOL = "schema.registry.ssl.protocol";
    public static final String CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String READ_TIMEOUT_MS = "http.read.timeout.ms";
    public static final String REQUEST_HEADER_PREFIX = "request.header.";
    public static final String RETRIES = "ctflow.registry.retries";
    public static final String BACKOFF_MS = "ctflow.registry.backoff.ms";
    public static final String BACKOFF_MAX_MS = "ctflow.registry.backoff.max.ms";

    public static final int DEFAULT_RETRIES = 3;
    public static final long DEFAULT_BACKOFF_MS = 100;
    public static final long DEFAULT_BACKOFF_MAX_MS = 5000;

    /** One registry URL, without credentials, and the Authorization header to send it (or null). */
    record Endpoint(URI base, String authorization) {
        @Override
        public String toString() {
            return base.toString();
        }
    }

    private final List<Endpoint> endpoints;
    private final SSLContext sslContext;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Map<String, String> headers;
    private final int retries;
    private final long backoffMs;
    private final long backoffMaxMs;
    private final Map<String, String> httpIdentity;

    private RegistryClientConfig(Map<String, ?> config) {
        String urls = ConfigValues.string(config, URL);
        if (urls == null) {
            throw new ConfigException("Missing required configuration \"" + URL + "\" (e.g. http://127.0.0.1:8081)");
        }
        String source = ConfigValues.string(config, BASIC_AUTH_CREDENTIALS_SOURCE);
        String userInfo = ConfigValues.string(config, BASIC_AUTH_USER_INFO);
        if (userInfo == null) {
            userInfo = ConfigValues.string(config, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO);
        }
        if (source != null) {
            source = source.toUpperCase(Locale.ROOT);
            if (!source.equals("URL") && !source.equals("USER_INFO")) {
                throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE, source, "supported: URL, USER_INFO");
            }
            if (source.equals("USER_INFO") && userInfo == null) {
                throw new ConfigException(BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO needs " + BASIC_AUTH_USER_INFO + " (user:password)");
            }
        }
        List<Endpoint> eps = new ArrayList<>();
        for (String u : urls.split(",")) {
            if (!u.isBlank()) {
                eps.add(endpoint(u.trim(), source, userInfo));
            }
        }
        if (eps.isEmpty()) {
            throw new ConfigException(URL, urls, "no URL given");
        }
        this.endpoints = List.copyOf(eps);
        this.sslContext = sslContext(config);
        this.connectTimeout = Duration.ofMillis(positive(config, CONNECT_TIMEOUT_MS, 10_000));
        this.readTimeout = Duration.ofMillis(positive(config, READ_TIMEOUT_MS, 30_000));
        Map<String, String> h = new TreeMap<>();
        config.keySet().stream().filter(k -> k.startsWith(REQUEST_HEADER_PREFIX)).forEach(k -> {
            String v = ConfigValues.string(config, k);
            if (v != null) {
                h.put(k.substring(REQUEST_HEADER_PREFIX.length()), v);
            }
        });
        this.headers = Map.copyOf(h);
        long r = ConfigValues.number(config, RETRIES, DEFAULT_RETRIES);
        if (r < 0 || r > 100) {
            throw new ConfigException(RETRIES, r, "must be between 0 and 100");
        }
        this.retries = (int) r;
        this.backoffMs = Math.max(0, ConfigValues.number(config, BACKOFF_MS, DEFAULT_BACKOFF_MS));
        this.backoffMaxMs = Math.max(backoffMs, ConfigValues.number(config, BACKOFF_MAX_MS, DEFAULT_BACKOFF_MAX_MS));
        // What makes two HttpClients interchangeable: TLS material and the connect timeout.
        Map<String, String> id = new TreeMap<>();
        config.forEach((k, v) -> {
            if (k.startsWith("schema.registry.ssl.") || k.equals(CONNECT_TIMEOUT_MS)) {
                String s = ConfigValues.string(config, k);
                if (s != null) {
                    id.put(k, s);
                }
            }
        });
        this.httpIdentity = Map.copyOf(id);
    }

    /** Reads the settings from a Kafka-style config map (other keys are ignored). */
    public static RegistryClientConfig from(Map<String, ?> config) {
        return new RegistryClientConfig(config);
    }

    /** Just URLs (comma-separated), defaults for everything else. */
    public static RegistryClientConfig of(String urls) {
        return new RegistryClientConfig(Map.of(URL, urls));
    }

    List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The URLs, without credentials. */
    public List<String> urls() {
        return endpoints.stream().map(e -> e.base().toString()).toList();
    }

    /** Null: the JDK's default trust. */
    public SSLContext sslContext() {
        return sslContext;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public int retries() {
        return retries;
    }

    public long backoffMs() {
        return backoffMs;
    }

    public long backoffMaxMs() {
        return backoffMaxMs;
    }

    Map<String, String> httpIdentity() {
        return httpIdentity;
    }

    private static long positive(Map<String, ?> config, String key, long dflt) {
        long v = ConfigValues.number(config, key, dflt);
        if (v <= 0) {
            throw new ConfigException(key, v, "must be positive");
        }
        return v;
    }

    private static Endpoint endpoint(String url, String source, String userInfo) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException(URL, url, "not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new ConfigException(URL, url, "must be an http:// or https:// URL with a host");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        // Credentials never stay in the URL: it appears in logs and error messages.
        URI base = URI.create(scheme + "://" + (uri.getRawAuthority().contains("@")
                ? uri.getRawAuthority().substring(uri.getRawAuthority().lastIndexOf('@') + 1) : uri.getRawAuthority()) + path);
        String inUrl = uri.getUserInfo();
        String creds;
        if ("USER_INFO".equals(source)) {
            creds = userInfo;
        } else if ("URL".equals(source)) {
            creds = inUrl;
        } else {
            creds = inUrl != null ? inUrl : userInfo;
        }
        String auth = creds == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(creds.getBytes(StandardCharsets.UTF_8));
        return new Endpoint(base, auth);
    }

    private static SSLContext sslContext(Map<String, ?> config) {
        String trustLoc = ConfigValues.string(config, SSL_TRUSTSTORE_LOCATION);
        String keyLoc = ConfigValues.string(config, SSL_KEYSTORE_LOCATION);
        if (trustLoc == null && keyLoc == null) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (trustLoc != null) {
                String type = ConfigValues.string(config, SSL_TRUSTSTORE_TYPE);
                KeyStore ts = load(trustLoc, type == null ? "JKS" : type, ConfigValues.string(config, SSL_TRUSTSTORE_PASSWORD), SSL_TRUSTSTORE_LOCATION);
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            KeyManagerFactory kmf = null;
            if (keyLoc != null) {
                String type = ConfigValues.string(config, SSL_KEYSTORE_TYPE);
                String storePass = ConfigValues.string(config, SSL_KEYSTORE_PASSWORD);
                if ("PEM".equalsIgnoreCase(type)) {
                    throw new ConfigException(SSL_KEYSTORE_TYPE, type, "PEM keystores are not supported; use PKCS12 or JKS");
                }
                KeyStore ks = load(keyLoc, type == null ? "JKS" : type, storePass, SSL_KEYSTORE_LOCATION);
                String keyPass = ConfigValues.string(config, SSL_KEY_PASSWORD);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                String p = keyPass != null ? keyPass : storePass;
                kmf.init(ks, p == null ? new char[0] : p.toCharArray());
            }
            String protocol = ConfigValues.string(config, SSL_PROTOCOL);
            SSLContext ctx = SSLContext.getInstance(protocol == null ? "TLS" : protocol);
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("schema registry TLS setup failed: " + e);
        }
    }

    private static KeyStore load(String location, String type, String password, String key) throws GeneralSecurityException {
        Path file = Path.of(location);
        try (InputStream in = Files.newInputStream(file)) {
            if (type.equalsIgnoreCase("PEM")) {
                // A CA bundle: every certificate in the file becomes a trusted entry.
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                int i = 0;
                for (Certificate c : certs) {
                    ks.setCertificateEntry("ca-" + i++, c);
                }
                return ks;
            }
            KeyStore ks = KeyStore.getInstance(type.toUpperCase(Locale.ROOT));
            ks.load(in, password == null ? null : password.toCharArray());
            return ks;
        } catch (IOException e) {
            throw new ConfigException(key, location, "cannot read: " + e);
        }
    }
}
