# ctflow collector: one per node, reads the node's conntrack events, NAT rules and facts.
#
#   docker build -f deploy/docker/collector.Dockerfile -t ctflow/collector .     (from the repo root)
#   docker run --network host --cap-add NET_ADMIN -e NODE_NAME=$(hostname) \
#       -e CTFLOW_BOOTSTRAP_SERVERS=localhost:9092 ctflow/collector collect
#
# ---- build stage: the collector jar and its runtime dependencies ------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src

# Every module's pom first (Maven reads the whole reactor even with -pl), so the dependency
# download below is a cached layer that only a pom change invalidates.
COPY pom.xml ./
COPY schemas/pom.xml schemas/
COPY core/pom.xml core/
COPY embedded/pom.xml embedded/
COPY collector/pom.xml collector/
COPY streams-app/pom.xml streams-app/
COPY cli/pom.xml cli/
RUN mvn -B -q -pl collector -am dependency:go-offline

# Then the sources of the modules the collector is built from (-am) and the test data.
COPY schemas/src schemas/src
COPY core/src core/src
COPY embedded/src embedded/src
COPY collector/src collector/src
COPY testdata testdata
RUN mvn -B -DskipTests -pl collector -am package

# ---- runtime stage --------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# conntrack: `conntrack -E` (events), -S (per-CPU stats); iptables: iptables-save for the NAT
# rules (both the nft and the legacy backend are in the package); nftables: `nft -j list table ip
# kube-proxy` (kube-proxy's nftables mode); ipvsadm: `ipvsadm -Ln` (IPVS mode; /proc/net/ip_vs
# otherwise); iproute2: `ip` for addresses, routes and links.
RUN apt-get update \
    && apt-get install -y --no-install-recommends conntrack iptables nftables ipvsadm iproute2 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/ctflow
# The manifest's Class-Path is lib/..., relative to the jar, so jar and lib/ stay side by side.
COPY --from=build /src/collector/target/lib/ /opt/ctflow/lib/
COPY --from=build /src/collector/target/ctflow-collector-0.1.0-SNAPSHOT.jar /opt/ctflow/ctflow-collector.jar

# No USER: the collector runs as root inside the container, on purpose.
# conntrack and iptables-save check CAP_NET_ADMIN in their *effective* set. A non-root process
# never has it: Docker's --cap-add and Kubernetes' capabilities.add only reach a non-root user's
# bounding set (Kubernetes sets no ambient capabilities), and file capabilities (setcap on the
# binaries) are ignored under no-new-privileges / allowPrivilegeEscalation: false, which we want
# on. So: uid 0, but with every capability dropped except NET_ADMIN (Kubernetes: drop ALL, add
# NET_ADMIN; Compose: Docker's defaults + NET_ADMIN), no privilege escalation, a read-only root
# filesystem and no host paths mounted. That is far less than "root on the node".
# Hosts whose NAT rules are in the legacy iptables backend also need NET_RAW (iptables-legacy-save
# opens a raw socket); nf_tables hosts (the default on current distributions) do not.

# Prometheus metrics (liveness in Kubernetes).
EXPOSE 9464
# Heap relative to the container's memory limit; override with JDK_JAVA_OPTIONS.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-jar", "/opt/ctflow/ctflow-collector.jar"]
CMD ["collect"]
