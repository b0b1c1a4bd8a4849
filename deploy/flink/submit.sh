#!/usr/bin/env bash
# Submit the job to Beam's Flink job server: the local session cluster of deploy/flink/local_cluster.sh
# (which prints the settings to use), deploy/flink/docker-compose.yaml, or the Kubernetes manifests in
# deploy/flink/k8s with the job server's ports forwarded. The test suite runs this script against the
# local Flink cluster (tests/deploy/test_flink_cluster.py) and against Beam's local job service
# (tests/deploy/test_deploy_files.py).
#
#   deploy/flink/submit.sh --input '/srv/zh-wwm/corpus/*.txt' --output_dir /srv/zh-wwm/out \
#       --vocab_file /srv/zh-wwm/vocab.txt [job options]
#
# Paths must be the same for this machine and the worker pool (a shared volume, or gs://).
# The stock SDK image installs this project from the sdist that --setup_file stages; with a worker
# pool running the custom SDK image (deploy/dataflow/Dockerfile) that step finds it installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

JOB_ENDPOINT="${JOB_ENDPOINT:-localhost:8099}"          # the job server's job port
ARTIFACT_ENDPOINT="${ARTIFACT_ENDPOINT:-localhost:8098}" # its artifact staging port
WORKER_POOL="${WORKER_POOL:-localhost:50000}"            # as seen from the TaskManager
PARALLELISM="${PARALLELISM:-2}"          # the task slots of docker-compose.yaml and local_cluster.sh
# How long a TaskManager keeps a job's SDK worker after a task ends, for the job's next task (Beam
# honours it where its runner is on Flink's classpath, as in local_cluster.sh; else it is ignored).
ENVIRONMENT_CACHE_MILLIS="${ENVIRONMENT_CACHE_MILLIS:-60000}"
PYTHON="${PYTHON:-python3}"

exec "$PYTHON" -m beam_jobs.build_pretraining_data \
  --runner=PortableRunner \
  --job_endpoint="$JOB_ENDPOINT" \
  --artifact_endpoint="$ARTIFACT_ENDPOINT" \
  --environment_type=EXTERNAL \
  --environment_config="$WORKER_POOL" \
  --parallelism="$PARALLELISM" \
  --environment_cache_millis="$ENVIRONMENT_CACHE_MILLIS" \
  --setup_file=./setup.py \
  "$@"
