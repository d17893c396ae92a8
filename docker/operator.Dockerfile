# The operator image (JVM): the Quarkus fast-jar of the operator module on a Java 17 JRE.
#
# Build, from the repository root:
#   mvn -B -pl operator -am package -DskipTests
#   docker build -f docker/operator.Dockerfile -t ghcr.io/mdeq/mdeq-operator:0.1.0 .
# BASE_IMAGE: any Java 17 image with `java` on PATH and /bin/sh, e.g. one made from Debian packages
# where no registry can be reached (docker/debian-base.sh, then
# --build-arg BASE_IMAGE=localhost/mdeq-base:bookworm-jre17).
#
# Runs as the non-root uid 10001 and needs no writable path but /tmp (the chart and k8s/ mount an
# emptyDir there and make the root filesystem read-only). HTTP on 8080: /q/health/{live,ready,started},
# /q/metrics. Settings: MDEQ_* environment variables (see helm/mdeq-operator/values.yaml).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

ENV LANG=C.UTF-8 \
    HOME=/tmp \
    JAVA_OPTS_DEFAULT="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -Djava.util.logging.manager=org.jboss.logmanager.LogManager"

# The fast-jar layout, dependencies first (they change least). Owned by root and read-only to the app.
COPY operator/target/quarkus-app/lib/ /opt/mdeq-operator/lib/
COPY operator/target/quarkus-app/*.jar /opt/mdeq-operator/
COPY operator/target/quarkus-app/app/ /opt/mdeq-operator/app/
COPY operator/target/quarkus-app/quarkus/ /opt/mdeq-operator/quarkus/

USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
# JAVA_TOOL_OPTIONS (read by the JVM itself) adds or overrides options at deploy time.
ENTRYPOINT ["/bin/sh", "-c", "exec java $JAVA_OPTS_DEFAULT -jar /opt/mdeq-operator/quarkus-run.jar"]
