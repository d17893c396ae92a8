# The CPU runtime image: the mdeq command (trainer, evaluator, merge: CLI jar + lib/) on a Java 17 JRE,
# with DJL using the CPU libtorch that the CLI's lib/ brings (pytorch-native-cpu). For CPU nodes, CI and
# the demo; docker/runtime.Dockerfile is the CUDA image. Same entry point, user and paths.
#
# Build, from the repository root:
#   mvn -B -pl cli -am package -DskipTests
#   docker build -f docker/runtime-cpu.Dockerfile -t ghcr.io/mdeq/mdeq:0.1.0-cpu .
# with another Java 17 base (any image with `java` on PATH, /bin/sh and useradd), e.g. one made from
# Debian packages where no registry can be reached (docker/debian-base.sh):
#   podman build --build-arg BASE_IMAGE=localhost/mdeq-base:bookworm-jre17 -f docker/runtime-cpu.Dockerfile ...
#
# Runs as uid 10001 with a read-only root filesystem: the only writable paths it needs are the cache
# (/var/cache/mdeq: the data cache, DJL's unpacked libtorch and the native-kernel self-check verdict)
# and /tmp (JNA's native library, java.io.tmpdir).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# Fonts for the evaluation report's charts (JFreeChart draws text through AWT, headless): installed
# only when the base has none (the Temurin and Debian-made bases have DejaVu already).
RUN if ! (command -v fc-list >/dev/null && [ -n "$(fc-list 2>/dev/null | head -n 1)" ]); then \
      apt-get update && apt-get install -y --no-install-recommends fontconfig fonts-dejavu-core \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && java -version

# Non-root, primary group 10001 (not 0), as the CUDA image. The operator mounts the storage Secret with
# mode 0444, so it is readable without an fsGroup. The pods run with a read-only root filesystem: the
# cache (MDEQ_CACHE_DIR, DJL's ENGINE_CACHE_DIR), /tmp and the home folder are emptyDirs the operator mounts.
RUN groupadd --gid 10001 mdeq \
 && useradd --uid 10001 --gid 10001 --home-dir /home/mdeq --create-home --shell /usr/sbin/nologin mdeq \
 && mkdir -p /var/cache/mdeq \
 && chown 10001:10001 /var/cache/mdeq \
 && chmod 0775 /var/cache/mdeq

# Dependencies first (they change least), then the application jar and the launcher.
COPY cli/target/lib/ /opt/mdeq/lib/
COPY cli/target/mdeq.jar /opt/mdeq/mdeq.jar
COPY docker/mdeq-launcher.sh /usr/local/bin/mdeq

ENV LANG=C.UTF-8 \
    MDEQ_HOME=/opt/mdeq \
    MDEQ_CACHE_DIR=/var/cache/mdeq \
    DJL_CACHE_DIR=/var/cache/mdeq/djl \
    ENGINE_CACHE_DIR=/var/cache/mdeq/djl \
    DJL_OFFLINE=true \
    MDEQ_JAVA_OPTS="-XX:+ExitOnOutOfMemoryError"
VOLUME ["/var/cache/mdeq"]
USER 10001:10001
WORKDIR /home/mdeq

ENTRYPOINT ["/usr/local/bin/mdeq"]
CMD ["--help"]
