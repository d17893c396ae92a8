# The trainer / evaluator image: the mdeq command (CLI jar + lib/) on a Java 17 JRE, with DJL using the
# CUDA libtorch 2.7.1 (cu128 flavour) of the official PyTorch runtime image. The operator runs it as
#   mdeq train --run RUN_URI | mdeq evaluate --run RUN_URI ... | mdeq evaluate merge ...
#
# Build, from the repository root:
#   mvn -B -pl cli -am package -DskipTests
#   docker build -f docker/runtime.Dockerfile -t ghcr.io/mdeq/mdeq:0.1.0 .
#
# The bases are build arguments: PYTORCH_IMAGE (the CUDA PyTorch runtime) and JRE_IMAGE (where the
# Java 17 runtime is copied from, /opt/java/openjdk). docker/runtime-cpu.Dockerfile is the CPU image.
#
# GPU nodes need the NVIDIA driver and device plugin (docs/kubernetes.md); without a GPU the same
# image runs on the CPU (RUN.DEVICE auto).

ARG PYTORCH_IMAGE=pytorch/pytorch:2.7.1-cuda12.8-cudnn9-runtime
ARG JRE_IMAGE=eclipse-temurin:17-jre
FROM ${JRE_IMAGE} AS jre

# Stage 1: the application files, without the CPU libtorch jar (the image brings the CUDA libtorch;
# the manifest's Class-Path entry for the removed jar is ignored by the JVM).
FROM ${JRE_IMAGE} AS app
COPY cli/target/mdeq.jar /opt/mdeq/mdeq.jar
COPY cli/target/lib/ /opt/mdeq/lib/
RUN rm -f /opt/mdeq/lib/pytorch-native-cpu-*.jar

# Stage 2: PyTorch 2.7.1 with CUDA 12.8 (what DJL 0.36's pytorch-jni cu128 library was built against).
FROM ${PYTORCH_IMAGE}

# The Java 17 runtime, copied from the Temurin image (no package manager needed).
ENV JAVA_HOME=/opt/java/openjdk
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
ENV PATH="/opt/java/openjdk/bin:${PATH}"

# DJL: use the libtorch inside the image (torch/lib of the Python package; linked to a fixed path so
# that the variables below do not depend on the Python version), never download anything.
RUN python -c "import torch; assert torch.__version__.startswith('2.7.1'), torch.__version__" \
 && ln -s "$(python -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')" /opt/libtorch \
 && test -f /opt/libtorch/libtorch.so
ENV PYTORCH_LIBRARY_PATH=/opt/libtorch \
    PYTORCH_VERSION=2.7.1 \
    PYTORCH_FLAVOR=cu128 \
    DJL_OFFLINE=true \
    LANG=C.UTF-8

# Fonts for the evaluation report's charts (JFreeChart draws text through AWT, headless).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fontconfig fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

COPY --from=app /opt/mdeq/ /opt/mdeq/
COPY docker/mdeq-launcher.sh /usr/local/bin/mdeq

# Non-root, primary group 10001 (not 0). The operator mounts the storage Secret with mode 0444, so it is
# readable without an fsGroup. The pods run with a read-only root filesystem: the data cache
# (MDEQ_CACHE_DIR) and DJL's own cache, /tmp and the home folder are emptyDirs the operator mounts.
RUN groupadd --gid 10001 mdeq \
 && useradd --uid 10001 --gid 10001 --home-dir /home/mdeq --create-home --shell /usr/sbin/nologin mdeq \
 && mkdir -p /var/cache/mdeq \
 && chown 10001:10001 /var/cache/mdeq \
 && chmod 0775 /var/cache/mdeq
ENV MDEQ_HOME=/opt/mdeq \
    MDEQ_CACHE_DIR=/var/cache/mdeq \
    DJL_CACHE_DIR=/var/cache/mdeq/djl \
    ENGINE_CACHE_DIR=/var/cache/mdeq/djl \
    MDEQ_JAVA_OPTS="-XX:+ExitOnOutOfMemoryError"
VOLUME ["/var/cache/mdeq"]
USER 10001:10001
WORKDIR /home/mdeq

ENTRYPOINT ["/usr/local/bin/mdeq"]
CMD ["--help"]
