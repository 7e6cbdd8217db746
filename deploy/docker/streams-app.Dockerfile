# ctflow streams-app: the Kafka Streams app (joins, anomalies, per-Service stats, HTTP API).
#
#   docker build -f deploy/docker/streams-app.Dockerfile -t ctflow/streams-app .   (from the repo root)
#   docker run -p 7070:7070 -e CTFLOW_BOOTSTRAP_SERVERS=kafka:9092 \
#       -e CTFLOW_SCHEMA_REGISTRY_URL=http://schema-registry:8081 ctflow/streams-app
#
# ---- build stage: the streams-app jar and its runtime dependencies ----------------------------
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
RUN mvn -B -q -pl streams-app -am dependency:go-offline

# Then the sources of the modules the streams app is built from (-am: its tests also use the
# collector and the embedded broker, so those are compiled too) and the test data.
COPY schemas/src schemas/src
COPY core/src core/src
COPY embedded/src embedded/src
COPY collector/src collector/src
COPY streams-app/src streams-app/src
COPY testdata testdata
RUN mvn -B -DskipTests -pl streams-app -am package

# ---- runtime stage --------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# A fixed numeric uid/gid (10001), so Kubernetes' runAsNonRoot can check it and fsGroup can
# give it the state volume.
RUN groupadd --system --gid 10001 ctflow \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin ctflow \
    && mkdir -p /var/lib/ctflow/streams \
    && chown -R 10001:10001 /var/lib/ctflow

WORKDIR /opt/ctflow
# The manifest's Class-Path is lib/..., relative to the jar, so jar and lib/ stay side by side.
COPY --from=build /src/streams-app/target/lib/ /opt/ctflow/lib/
COPY --from=build /src/streams-app/target/ctflow-streams-app-0.1.0-SNAPSHOT.jar /opt/ctflow/ctflow-streams-app.jar

# In a container the API has to listen on all interfaces. application.server (what other
# instances call for interactive queries) must then be set to a reachable host:port: Compose
# uses the service name, Kubernetes the pod IP.
ENV CTFLOW_HTTP_HOST=0.0.0.0 \
    CTFLOW_STATE_DIR=/var/lib/ctflow/streams
# Kafka Streams state (RocksDB); mount a volume here so restarts keep it.
VOLUME ["/var/lib/ctflow/streams"]

USER 10001:10001
EXPOSE 7070
# Heap at half the container's memory limit: RocksDB's caches and memtables live off-heap.
# Fixed and touched at start: a heap that grows (or shrinks and grows again) makes the stream threads
# pay for each first touch of new memory, ~4 s per GiB on a VM (BENCHMARKS.md, twenty-fourth round).
# Override with JDK_JAVA_OPTIONS.
ENV JDK_JAVA_OPTIONS="-XX:InitialRAMPercentage=50 -XX:MaxRAMPercentage=50 -XX:MaxHeapFreeRatio=100 -XX:+AlwaysPreTouch"
ENTRYPOINT ["java", "-jar", "/opt/ctflow/ctflow-streams-app.jar"]
