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
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Settings of the registry client, read with Confluent's key names so the same properties work
 * with Confluent's serdes and ours; each declared once in {@link #DEF} (type, default, validator,
 * doc), plus {@code request.header.NAME}: an extra header on every request.
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

    private static final ConfigDef.Validator CREDENTIALS_SOURCE = ConfigDef.LambdaValidator.with((name, value) -> {
        if (value != null && !List.of("URL", "USER_INFO").contains(value.toString().toUpperCase(Locale.ROOT))) {
            throw new ConfigException(name, value, "supported: URL, USER_INFO");
        }
    }, () -> "URL, USER_INFO");

    /** The registry client's keys. */
    public static final ConfigDef DEF = new ConfigDef()
            .define(URL, Type.STRING, null, Importance.HIGH, "comma-separated; the next is tried when one is unreachable")
            .define(BASIC_AUTH_CREDENTIALS_SOURCE, Type.STRING, null, CREDENTIALS_SOURCE, Importance.MEDIUM,
                    "URL (user:pass@ in the URL) or USER_INFO; unset: the URL's credentials, else basic.auth.user.info")
            .define(BASIC_AUTH_USER_INFO, Type.PASSWORD, null, Importance.MEDIUM, "user:password")
            .define(SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO, Type.PASSWORD, null, Importance.LOW, "user:password, when basic.auth.user.info is unset")
            .define(SSL_TRUSTSTORE_LOCATION, Type.STRING, null, Importance.MEDIUM, "trust store file")
            .define(SSL_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "its password")
            .define(SSL_TRUSTSTORE_TYPE, Type.STRING, "JKS", Importance.LOW, "JKS, PKCS12 or PEM (a CA bundle)")
            .define(SSL_KEYSTORE_LOCATION, Type.STRING, null, Importance.MEDIUM, "key store file (client certificate)")
            .define(SSL_KEYSTORE_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "its password")
            .define(SSL_KEYSTORE_TYPE, Type.STRING, "JKS", Importance.LOW, "JKS or PKCS12")
            .define(SSL_KEY_PASSWORD, Type.PASSWORD, null, Importance.MEDIUM, "the key's password (default: the key store's)")
            .define(SSL_PROTOCOL, Type.STRING, "TLS", Importance.LOW, "TLS: the JDK picks TLSv1.3/1.2")
            .define(CONNECT_TIMEOUT_MS, Type.INT, 10_000, ConfigDef.Range.atLeast(1), Importance.LOW, "HTTP connect timeout")
            .define(READ_TIMEOUT_MS, Type.INT, 30_000, ConfigDef.Range.atLeast(1), Importance.LOW, "HTTP read timeout")
            .define(RETRIES, Type.INT, DEFAULT_RETRIES, ConfigDef.Range.between(0, 100), Importance.LOW, "rounds over all URLs after the first")
            .define(BACKOFF_MS, Type.LONG, DEFAULT_BACKOFF_MS, ConfigDef.Range.atLeast(0), Importance.LOW, "pause before the second round, doubling per round")
            .define(BACKOFF_MAX_MS, Type.LONG, DEFAULT_BACKOFF_MAX_MS, ConfigDef.Range.atLeast(0), Importance.LOW, "longest pause between rounds");

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
        Map<String, Object> v = ConfigValues.parse(DEF, config);
        String urls = (String) v.get(URL);
        if (urls == null) {
            throw new ConfigException("Missing required configuration \"" + URL + "\" (e.g. http://127.0.0.1:8081)");
        }
        String source = (String) v.get(BASIC_AUTH_CREDENTIALS_SOURCE);
        String userInfo = password(v, BASIC_AUTH_USER_INFO);
        if (userInfo == null) {
            userInfo = password(v, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO);
        }
        if (source != null) {
            source = source.toUpperCase(Locale.ROOT);
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
        this.sslContext = sslContext(v);
        this.connectTimeout = Duration.ofMillis((Integer) v.get(CONNECT_TIMEOUT_MS));
        this.readTimeout = Duration.ofMillis((Integer) v.get(READ_TIMEOUT_MS));
        Map<String, String> h = new TreeMap<>();
        config.keySet().stream().filter(k -> k.startsWith(REQUEST_HEADER_PREFIX)).forEach(k -> {
            String header = ConfigValues.string(config, k);
            if (header != null) {
                h.put(k.substring(REQUEST_HEADER_PREFIX.length()), header);
            }
        });
        this.headers = Map.copyOf(h);
        this.retries = (Integer) v.get(RETRIES);
        this.backoffMs = (Long) v.get(BACKOFF_MS);
        this.backoffMaxMs = Math.max(backoffMs, (Long) v.get(BACKOFF_MAX_MS));
        // What makes two HttpClients interchangeable: TLS material and the connect timeout.
        Map<String, String> id = new TreeMap<>();
        config.forEach((k, value) -> {
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

    private static String password(Map<String, Object> v, String key) {
        Password p = (Password) v.get(key);
        return p == null || p.value().isBlank() ? null : p.value();
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

    private static SSLContext sslContext(Map<String, Object> v) {
        String trustLoc = (String) v.get(SSL_TRUSTSTORE_LOCATION);
        String keyLoc = (String) v.get(SSL_KEYSTORE_LOCATION);
        if (trustLoc == null && keyLoc == null) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (trustLoc != null) {
                KeyStore ts = load(trustLoc, (String) v.get(SSL_TRUSTSTORE_TYPE), password(v, SSL_TRUSTSTORE_PASSWORD), SSL_TRUSTSTORE_LOCATION);
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ts);
            }
            KeyManagerFactory kmf = null;
            if (keyLoc != null) {
                String type = (String) v.get(SSL_KEYSTORE_TYPE);
                String storePass = password(v, SSL_KEYSTORE_PASSWORD);
                if ("PEM".equalsIgnoreCase(type)) {
                    throw new ConfigException(SSL_KEYSTORE_TYPE, type, "PEM keystores are not supported; use PKCS12 or JKS");
                }
                KeyStore ks = load(keyLoc, type, storePass, SSL_KEYSTORE_LOCATION);
                String keyPass = password(v, SSL_KEY_PASSWORD);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                String p = keyPass != null ? keyPass : storePass;
                kmf.init(ks, p == null ? new char[0] : p.toCharArray());
            }
            SSLContext ctx = SSLContext.getInstance((String) v.get(SSL_PROTOCOL));
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
