#!/usr/bin/env bash
# Regenerates the MdeqTrainingJob CRD from the operator's Java types (dev.mdeq.operator.api) and
# copies it to the two committed places: k8s/crd/ and helm/mdeq-operator/crds/.
# CrdDriftTest (deploy-tests) fails while either copy differs from the generated file.
#   usage: k8s/regenerate-crd.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crd=mdeqtrainingjobs.mdeq.dev-v1.yml
cd "$root"
mvn -B -q -pl operator -am package -DskipTests
cp "operator/target/kubernetes/$crd" "k8s/crd/$crd"
cp "operator/target/kubernetes/$crd" "helm/mdeq-operator/crds/$crd"
echo "updated k8s/crd/$crd and helm/mdeq-operator/crds/$crd"
