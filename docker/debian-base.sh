#!/bin/sh
# Makes a Java 17 base image from Debian packages, for machines that cannot pull the public bases
# (eclipse-temurin:17-jre). The Dockerfiles take it as their BASE_IMAGE build argument:
#
#   docker/debian-base.sh                    # -> localhost/mdeq-base:bookworm-jre17
#   podman build --build-arg BASE_IMAGE=localhost/mdeq-base:bookworm-jre17 -f docker/runtime-cpu.Dockerfile ...
#
# Needs root, mmdebstrap and podman (or docker: set ENGINE=docker). Settings: SUITE (bookworm),
# MIRROR (deb.debian.org), TAG (localhost/mdeq-base:$SUITE-jre17), OUT (a temporary file).
# The image: minbase + openjdk-17-jre-headless, fontconfig and the DejaVu fonts (the evaluation
# report's charts draw text through headless AWT), passwd (useradd); no docs, man pages or apt lists
# (man pages are removed after the install: openjdk's update-alternatives links its man page).
set -eu
suite="${SUITE:-bookworm}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
tag="${TAG:-localhost/mdeq-base:$suite-jre17}"
engine="${ENGINE:-podman}"
work="$(mktemp -d)"
out="${OUT:-$work/base.tar}"
mmdebstrap --variant=minbase \
  --include=openjdk-17-jre-headless,fontconfig,fonts-dejavu-core,passwd \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='rm -rf "$1"/usr/share/man/* "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  "$suite" "$out" "$mirror"
"$engine" import --change 'ENV LANG=C.UTF-8' "$out" "$tag"
rm -f "$out"
rm -rf "$work"
echo "$tag"
