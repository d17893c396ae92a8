#!/bin/sh
# mdeq in the runtime image (installed as /usr/local/bin/mdeq, the image's ENTRYPOINT): runs the CLI jar
# with the image's JRE. exec makes the JVM PID 1, so SIGTERM reaches the trainer, which checkpoints
# and exits with 75. MDEQ_HOME: the folder with mdeq.jar and lib/; MDEQ_JAVA_OPTS: JVM options.
set -eu
home="${MDEQ_HOME:-/opt/mdeq}"
if [ ! -f "$home/mdeq.jar" ]; then
  echo "mdeq: $home/mdeq.jar not found (set MDEQ_HOME to the folder with mdeq.jar and lib/)" >&2
  exit 2
fi
# shellcheck disable=SC2086 # MDEQ_JAVA_OPTS is a list of options
exec java ${MDEQ_JAVA_OPTS:-} -Djava.awt.headless=true -Dai.djl.offline=true -jar "$home/mdeq.jar" "$@"
