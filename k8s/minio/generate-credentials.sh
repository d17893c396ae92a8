#!/bin/sh
# DEVELOPMENT ONLY: writes the bundled MinIO's credentials (a random password; nothing is committed) to
# k8s/minio/credentials.env, or to the file given as the first argument. kustomization.yaml's
# secretGenerator turns it into the Secret mdeq-store-credentials: AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY (mounted into the trainer and evaluator pods as files) and MinIO's root user
# variables with the same values. credentials.env is in .gitignore; an existing file is kept.
set -eu
out="${1:-$(dirname "$0")/credentials.env}"
if [ -e "$out" ]; then
  echo "$out exists; delete it to generate new credentials" >&2
  exit 0
fi
password="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
umask 077
cat > "$out" <<CREDENTIALS
AWS_ACCESS_KEY_ID=mdeq
AWS_SECRET_ACCESS_KEY=$password
MINIO_ROOT_USER=mdeq
MINIO_ROOT_PASSWORD=$password
CREDENTIALS
echo "wrote $out"
