# Sourced by deploy/flink/local_cluster.sh and deploy/prism/prism.sh: where downloaded and built
# engines are kept, outside the checkout so that a fresh clone (CI) finds them (ENGINE_CACHE).
ENGINE_CACHE="${ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zh-wwm-data/engines}"
