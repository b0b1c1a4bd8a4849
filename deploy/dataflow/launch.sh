#!/usr/bin/env bash
# Submit the job to Google Cloud Dataflow. Not run here (no Google Cloud access); tests check its
# options against the job's own checks (tests/deploy/test_deploy_files.py). See docs/deploy.md.
#
#   PROJECT=my-project REGION=europe-west4 BUCKET=my-bucket deploy/dataflow/launch.sh \
#       --input 'gs://my-bucket/corpus/*.txt' --output_dir gs://my-bucket/wwm-128 \
#       --vocab_file gs://my-bucket/chinese_L-12_H-768_A-12/vocab.txt [job options]
#
# Workers get this project in one of two ways:
#   SDK_IMAGE=<image built from deploy/dataflow/Dockerfile>  the project, its native dependencies and
#       the LTP model are in the image: workers start fast, nothing is installed at start-up;
#   otherwise --setup_file=./setup.py: Beam builds an sdist here and every worker pip-installs it
#       (and its dependencies, from PyPI) into the stock Beam image when it starts.
# The launching machine needs the project installed (pip install -e .; Beam's GCP extra comes with it).
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${PROJECT:?set PROJECT to the Google Cloud project}"
: "${REGION:?set REGION to a Dataflow region, e.g. europe-west4}"
: "${BUCKET:?set BUCKET to a bucket (name only) for Dataflow temp and staging files}"
MACHINE_TYPE="${MACHINE_TYPE:-n2-standard-8}"
MAX_WORKERS="${MAX_WORKERS:-50}"
DISK_SIZE_GB="${DISK_SIZE_GB:-100}"
JOB_NAME="${JOB_NAME:-zh-wwm-data-$(date +%Y%m%d-%H%M%S)}"
PYTHON="${PYTHON:-python3}"

if [[ -n "${SDK_IMAGE:-}" ]]; then
  workers=(--sdk_container_image="$SDK_IMAGE")
else
  workers=(--setup_file=./setup.py)
fi

exec "$PYTHON" -m beam_jobs.build_pretraining_data \
  --runner=DataflowRunner \
  --project="$PROJECT" \
  --region="$REGION" \
  --job_name="$JOB_NAME" \
  --temp_location="gs://$BUCKET/dataflow/tmp" \
  --staging_location="gs://$BUCKET/dataflow/staging" \
  --machine_type="$MACHINE_TYPE" \
  --max_num_workers="$MAX_WORKERS" \
  --autoscaling_algorithm=THROUGHPUT_BASED \
  --disk_size_gb="$DISK_SIZE_GB" \
  "${workers[@]}" \
  "$@"
