#!/usr/bin/env bash
# Build the custom SDK image and the flex template image, push both, and write the template spec to
# gs://$BUCKET/templates/zh-wwm-data.json. Not run here (no Docker engine, no Google Cloud access).
#
#   PROJECT=my-project REGION=europe-west4 BUCKET=my-bucket REPOSITORY=beam \
#       deploy/dataflow/flex_template/build.sh
#
# Needs docker (logged in to Artifact Registry: gcloud auth configure-docker $REGION-docker.pkg.dev),
# gcloud, and the LTP model in models/ltp (see deploy/dataflow/Dockerfile).
set -euo pipefail
cd "$(dirname "$0")/../../.."

: "${PROJECT:?}" "${REGION:?}" "${BUCKET:?}" "${REPOSITORY:?set REPOSITORY to an Artifact Registry Docker repository}"
BEAM_VERSION="$(sed -n "s/^BEAM_VERSION = '\(.*\)'$/\1/p" setup.py)"
REGISTRY="$REGION-docker.pkg.dev/$PROJECT/$REPOSITORY"
SDK_IMAGE="$REGISTRY/zh-wwm-data-sdk:beam$BEAM_VERSION"
TEMPLATE_IMAGE="$REGISTRY/zh-wwm-data-template:beam$BEAM_VERSION"

docker build -f deploy/dataflow/Dockerfile -t "$SDK_IMAGE" .
docker push "$SDK_IMAGE"
docker build -f deploy/dataflow/flex_template/Dockerfile --build-arg SDK_IMAGE="$SDK_IMAGE" \
    -t "$TEMPLATE_IMAGE" .
docker push "$TEMPLATE_IMAGE"
gcloud dataflow flex-template build "gs://$BUCKET/templates/zh-wwm-data.json" \
    --image="$TEMPLATE_IMAGE" --sdk-language=PYTHON \
    --metadata-file=deploy/dataflow/flex_template/metadata.json
echo "template: gs://$BUCKET/templates/zh-wwm-data.json (run it with sdk_container_image=$TEMPLATE_IMAGE)"
