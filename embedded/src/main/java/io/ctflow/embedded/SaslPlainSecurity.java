package io.ctflow.embedded;

import io.ctflow.config.UsageException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.metadata.authorizer.StandardAuthorizer;
import org.apache.kafka.raft.KRaftConfigs;
import org.apache.kafka.server.config.ServerConfigs;

/**
 * SASL/PLAIN authentication with Kafka's {@link StandardAuthorizer} (KRaft ACLs) for the embedded
 * broker: both listeners speak {@code SASL_PLAINTEXT}; {@code admin} is the one super user (and the
 * broker's own identity towards itself and its controller); every other user may do only what
 * ACLs grant ({@code allow.everyone.if.no.acl.found=false}).
 *
 * @param adminUser     the super user
 * @param adminPassword its password
 * @param users         further users and their passwords (no rights until ACLs grant them)
 */
public record SaslPlainSecurity(String adminUser, String adminPassword, Map<String, String> users) {
    public static final String MECHANISM = "PLAIN";

    public SaslPlainSecurity {
        check(adminUser, "admin user");
        check(adminPassword, "admin password");
        users = Map.copyOf(users);
        users.forEach((u, p) -> {
            check(u, "user");
            check(p, "password of " + u);
        });
    }

    /** Names and passwords go into a JAAS line: quotes, backslashes and separators would break it. */
    private static void check(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.isEmpty() || s.chars().anyMatch(c -> c == '"' || c == '\\' || c == ';' || c == '=' || Character.isWhitespace(c))) {
            throw new UsageException(what + " must be non-empty, without quotes, backslashes, ';', '=' or blanks");
        }
    }

    /** The broker's security properties for its client and controller listeners. */
    Map<String, String> brokerProperties(String clientListener, String controllerListener) {
        StringBuilder jaas = new StringBuilder(PlainLoginModule.class.getName()).append(" required")
                .append(" username=\"").append(adminUser).append("\" password=\"").append(adminPassword).append('"')
                .append(" user_").append(adminUser).append("=\"").append(adminPassword).append('"');
        users.forEach((u, p) -> jaas.append(" user_").append(u).append("=\"").append(p).append('"'));
        jaas.append(';');
        Map<String, String> p = new LinkedHashMap<>();
        for (String listener : new String[] {clientListener, controllerListener}) {
            p.put(listenerPrefix(listener) + SaslConfigs.SASL_JAAS_CONFIG, jaas.toString());
        }
        p.put(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG, MECHANISM);
        p.put(BrokerSecurityConfigs.SASL_MECHANISM_INTER_BROKER_PROTOCOL_CONFIG, MECHANISM);
        p.put(KRaftConfigs.SASL_MECHANISM_CONTROLLER_PROTOCOL_CONFIG, MECHANISM);
        p.put(ServerConfigs.AUTHORIZER_CLASS_NAME_CONFIG, StandardAuthorizer.class.getName());
        p.put(StandardAuthorizer.SUPER_USERS_CONFIG, "User:" + adminUser);
        p.put(StandardAuthorizer.ALLOW_EVERYONE_IF_NO_ACL_IS_FOUND_CONFIG, "false");
        return p;
    }

    /** {@code listener.name.NAME.plain.} */
    private static String listenerPrefix(String listener) {
        return "listener.name." + listener.toLowerCase(Locale.ROOT) + "." + MECHANISM.toLowerCase(Locale.ROOT) + ".";
    }

    /** What a Kafka client needs to log in as {@code user} (security.protocol, sasl.mechanism, sasl.jaas.config). */
    public static Map<String, Object> clientProperties(String user, String password) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_PLAINTEXT.name);
        p.put(SaslConfigs.SASL_MECHANISM, MECHANISM);
        p.put(SaslConfigs.SASL_JAAS_CONFIG, PlainLoginModule.class.getName() + " required username=\"" + user
                + "\" password=\"" + password + "\";");
        return p;
    }
}
