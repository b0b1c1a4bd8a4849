#!/usr/bin/env bash
# A Flink session cluster on this machine, without Docker: a JobManager and a TaskManager (separate
# JVMs), Beam's Flink job server and a Beam Python SDK worker pool, all on 127.0.0.1.
#
#   deploy/flink/local_cluster.sh start        # fetch what is missing, start, print the endpoints
#   deploy/flink/submit.sh --input 'corpus/*.txt' --output_dir out --vocab_file vocab.txt
#   deploy/flink/local_cluster.sh status
#   deploy/flink/local_cluster.sh stop         # ends exactly the processes `start` started
#   deploy/flink/local_cluster.sh fetch        # only download (Maven Central, PyPI) into the caches
#   deploy/flink/local_cluster.sh start-taskmanager | kill-taskmanager   # add one; SIGKILL the first
#
# Where the pieces come from (see docs/deploy.md):
#   Flink      the jars of Flink's distribution in PyPI's apache-flink-libraries source archive
#              (deps/lib, deps/opt, deps/plugins, deps/bin/bash-java-utils.jar; no start scripts and
#              no conf there), started through Flink's Java entry points with a generated config;
#              the JVM memory flags come from Flink's own BashJavaUtils, as Flink's scripts do.
#   job server Beam's FlinkJobServerDriver with the Maven dependencies of beam-runners-flink-<minor>
#              (deploy/flink/job-server/pom.xml): Maven Central here serves no prebuilt job server jar.
#   workers    deploy/flink/worker_pool.py (Beam's worker pool servicer) run by $PYTHON, default the
#              project's .venv; the SDK workers it starts import the project installed there.
#
# Settings (environment): PYTHON, FLINK_LOCAL_STATE (pid files, logs, config; default
# .cache/flink-local), ENGINE_CACHE (downloads, see deploy/engines.sh; Maven's own cache is ~/.m2),
# FLINK_REST_PORT 8081, FLINK_RPC_PORT 6123, JOB_PORT 8099, ARTIFACT_PORT 8098, EXPANSION_PORT 8097,
# WORKER_POOL_PORT 50000, TASK_SLOTS 2, TM_PROCESS_MEMORY 2560m, TM_MANAGED_MEMORY 512m,
# TM_TASK_OFF_HEAP_MEMORY 512m,
# RESTART_ATTEMPTS 10, RESTART_DELAY '5 s'.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

# The versions that ran here. Beam 2.62.0 is the newest Beam whose Flink runner and job service
# Maven Central serves together here (tests/deploy/test_deploy_files.py keeps the deploy files in step).
FLINK_VERSION=1.19.0
FLINK_MINOR="${FLINK_VERSION%.*}"
BEAM_JOB_SERVER_VERSION=2.62.0
SLF4J_VERSION=1.7.30
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

source "$ROOT/deploy/engines.sh"
CACHE="$ENGINE_CACHE"
STATE="${FLINK_LOCAL_STATE:-$ROOT/.cache/flink-local}"
STATE="$(mkdir -p "$STATE" && cd "$STATE" && pwd -P)"  # absolute, as /proc/PID/cwd shows it
FLINK_HOME="$CACHE/flink-$FLINK_VERSION"
JOB_SERVER_CLASSPATH="$CACHE/beam-runners-flink-$FLINK_MINOR-job-server-$BEAM_JOB_SERVER_VERSION.classpath"
HOST=127.0.0.1
FLINK_REST_PORT="${FLINK_REST_PORT:-8081}"
FLINK_RPC_PORT="${FLINK_RPC_PORT:-6123}"
JOB_PORT="${JOB_PORT:-8099}"
ARTIFACT_PORT="${ARTIFACT_PORT:-8098}"
EXPANSION_PORT="${EXPANSION_PORT:-8097}"
WORKER_POOL_PORT="${WORKER_POOL_PORT:-50000}"
TASK_SLOTS="${TASK_SLOTS:-2}"
TM_PROCESS_MEMORY="${TM_PROCESS_MEMORY:-2560m}"
TM_MANAGED_MEMORY="${TM_MANAGED_MEMORY:-512m}"
TM_TASK_OFF_HEAP_MEMORY="${TM_TASK_OFF_HEAP_MEMORY:-512m}"
RESTART_ATTEMPTS="${RESTART_ATTEMPTS:-10}"
RESTART_DELAY="${RESTART_DELAY:-5 s}"
START_TIMEOUT_S="${START_TIMEOUT_S:-120}"

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

# Flink 1.19 on Java 17 needs these (Flink's own default config.yaml sets them as env.java.opts.all).
JAVA17_OPTS=(--add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED)

die() { echo "local_cluster.sh: $*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed ($2)"
}

# --- fetching -----------------------------------------------------------------------------------

fetch_flink() {
  # Flink's distribution jars from PyPI's apache-flink-libraries source archive, unpacked once.
  [ -f "$FLINK_HOME/lib/flink-dist-$FLINK_VERSION.jar" ] && return
  local archive="$CACHE/pypi/apache-flink-libraries-$FLINK_VERSION.tar.gz"
  if [ ! -f "$archive" ]; then
    echo "fetching Flink $FLINK_VERSION (PyPI apache-flink-libraries source archive, 230 MB)" >&2
    "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: \
      "apache-flink-libraries==$FLINK_VERSION" -d "$CACHE/pypi" \
      || die "pip could not download apache-flink-libraries==$FLINK_VERSION"
  fi
  local unpacked="$FLINK_HOME.partial"
  rm -rf "$unpacked" && mkdir -p "$unpacked"
  tar -xzf "$archive" -C "$unpacked" --strip-components=2 \
    "apache-flink-libraries-$FLINK_VERSION/deps" || die "cannot unpack $archive"
  [ -f "$unpacked/lib/flink-dist-$FLINK_VERSION.jar" ] || die "$archive holds no flink-dist jar"
  rm -rf "$FLINK_HOME" && mv "$unpacked" "$FLINK_HOME"
}

classpath_complete() {
  [ -s "$JOB_SERVER_CLASSPATH" ] || return 1
  local jar
  while IFS= read -r -d: jar || [ -n "$jar" ]; do
    [ -f "$jar" ] || return 1
  done < "$JOB_SERVER_CLASSPATH"
}

fetch_job_server() {
  # The job server's classpath: its Maven dependencies, downloaded into ~/.m2 once.
  classpath_complete && return
  need mvn "Maven fetches Beam's Flink job server from Maven Central"
  echo "fetching Beam $BEAM_JOB_SERVER_VERSION's Flink $FLINK_MINOR job server (Maven Central)" >&2
  mvn -q -f "$ROOT/deploy/flink/job-server/pom.xml" -Dflink.minor="$FLINK_MINOR" \
    -Dbeam.version="$BEAM_JOB_SERVER_VERSION" -Dslf4j.version="$SLF4J_VERSION" \
    "$MAVEN_DEPENDENCY_PLUGIN:build-classpath" -Dmdep.outputFile="$JOB_SERVER_CLASSPATH.partial" \
    >"$CACHE/maven.log" 2>&1 || die "Maven could not resolve the job server (see $CACHE/maven.log)"
  mv "$JOB_SERVER_CLASSPATH.partial" "$JOB_SERVER_CLASSPATH"
}

fetch() {
  need java "Flink and Beam's job server run on Java 11 or 17"
  mkdir -p "$CACHE"
  fetch_flink
  fetch_job_server
}

# --- processes ----------------------------------------------------------------------------------

pid_file() { echo "$STATE/pids/$1.pid"; }

# The pid in NAME's pid file if that process still runs in NAME's folder (so a pid reused by
# another program is never taken for ours), else nothing. Reading /proc/PID/cwd fails for a moment
# while the process execs (java -version, started 40 times, gave 36 failed reads), so a failed read
# of a live process is retried: taken for dead, a starting TaskManager failed the cluster's start.
running_pid() {
  local file pid cwd
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -d "/proc/$pid" ] || return 0
    cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" && break
    sleep 0.05
  done
  [ "$cwd" = "$STATE/run/$1" ] && echo "$pid"
  return 0
}

# Start "$@" as NAME: its own session (so stop ends its children too), in $STATE/run/NAME,
# output in $STATE/logs/NAME.log, pid in $STATE/pids/NAME.pid.
launch() {
  local name="$1"; shift
  [ -z "$(running_pid "$name")" ] || die "$name already runs (pid $(running_pid "$name"))"
  mkdir -p "$STATE/run/$name" "$STATE/logs" "$STATE/pids"
  # The folder is entered before the fork, so the process is in it from its first instant:
  # running_pid tells our processes by it (a cd after the fork raced with wait_for's first look).
  (cd "$STATE/run/$name" && { setsid "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
                              echo $! >"$(pid_file "$name")"; })
}

stop_one() {
  local name="$1" pid
  pid="$(running_pid "$name")"
  if [ -n "$pid" ]; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -d "/proc/$pid" ] || break
      sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$(pid_file "$name")"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Wait until "$2..." succeeds; on time-out or if NAME's process died, print its log's end and fail.
wait_for() {
  local name="$1"; shift
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until "$@"; do
    if [ -z "$(running_pid "$name")" ] || [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$STATE/logs/$name.log" >&2 || true
      die "$name did not start (log: $STATE/logs/$name.log)"
    fi
    sleep 0.5
  done
}

rest() { curl -sf --max-time 5 "http://$HOST:$FLINK_REST_PORT$1"; }

write_config() {
  # Flink's config: everything on loopback, fixed-delay restarts (losing a TaskManager fails several
  # tasks one after another, each failure counts, and until the JobManager sees it gone, after two
  # missed heartbeats, it deploys to its slots again: the attempts must outlast that), log4j writing
  # each JVM's log file, with the sorters' spills to io.tmp.dirs logged ("Spilling buffer").
  # Managed memory: a slot's share is split evenly over the job's ~22 batch sorters, and a sorter
  # fails ("Record too large") on an element bigger than its share: at 128 MB a 990,000-character
  # document (3 MB) failed every attempt; 512 MB gives each sorter 12 MB, above the largest element
  # the job makes (a document of --max_document_chars, 4 MB at the default; a 4 MB batch of records).
  # Flink's sort-merge shuffle takes 512 network buffers (16 MB) per result partition by default:
  # Beam's many-output stages on two slots ran out of the TaskManager's 115 MB network memory, hence
  # 128. Beam's gRPC channels to the SDK workers buffer in direct memory, which Flink caps at its
  # off-heap sizes: with no task off-heap memory a 100 MB corpus failed every attempt with
  # "OutOfMemoryError: Direct buffer memory".
  mkdir -p "$STATE/conf" "$STATE/tmp" "$STATE/artifacts"
  cat >"$STATE/conf/config.yaml" <<EOF
jobmanager.rpc.address: $HOST
jobmanager.rpc.port: $FLINK_RPC_PORT
jobmanager.bind-host: $HOST
jobmanager.memory.process.size: 1024m
jobmanager.execution.failover-strategy: region
rest.address: $HOST
rest.bind-address: $HOST
rest.port: $FLINK_REST_PORT
taskmanager.host: $HOST
taskmanager.bind-host: $HOST
taskmanager.numberOfTaskSlots: $TASK_SLOTS
taskmanager.memory.process.size: $TM_PROCESS_MEMORY
taskmanager.memory.managed.size: $TM_MANAGED_MEMORY
taskmanager.memory.task.off-heap.size: $TM_TASK_OFF_HEAP_MEMORY
taskmanager.network.sort-shuffle.min-buffers: 128
parallelism.default: $TASK_SLOTS
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: $RESTART_ATTEMPTS
restart-strategy.fixed-delay.delay: $RESTART_DELAY
heartbeat.interval: 2000
heartbeat.timeout: 20000
io.tmp.dirs: $STATE/tmp
blob.storage.directory: $STATE/tmp
web.tmpdir: $STATE/tmp
classloader.resolve-order: parent-first
EOF
  cat >"$STATE/conf/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.spills.name = org.apache.flink.runtime.operators.sort.SpillingThread
logger.spills.level = DEBUG
EOF
}

flink_classpath() {
  # lib/*.jar with flink-dist last, as Flink's config.sh builds it.
  local jar cp=""
  for jar in "$FLINK_HOME"/lib/*.jar; do
    case "$jar" in */flink-dist*) ;; *) cp="$cp:$jar" ;; esac
  done
  echo "${cp#:}:$FLINK_HOME/lib/flink-dist-$FLINK_VERSION.jar"
}

# Flink's classpath plus Beam's runner and its dependencies (not Flink's own jars, nor a second
# logging binding). With classes loaded parent-first (config.yaml), Beam's Flink runner keeps a job's
# SDK workers between its tasks (--environment_cache_millis), which it does only when its classes
# come from Flink's own classloader; otherwise every task starts a Python worker. The job server
# still uploads its classpath with each job (Flink's user jars, 150 MB: a few seconds here).
taskmanager_classpath() {
  local beam
  beam="$(tr ':' '\n' <"$JOB_SERVER_CLASSPATH" | grep -vE '/(flink-|kryo-|slf4j-)[^/]*$' | paste -sd:)"
  echo "$(flink_classpath):$beam"
}

# Flink's BashJavaUtils turns the memory config into JVM flags (line 1) and dynamic options (line 2).
resource_params() {
  java -cp "$FLINK_HOME/bin/bash-java-utils.jar:$(flink_classpath)" \
    org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$STATE/conf" 2>&1 \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

start_flink_process() {
  local name="$1" classpath="$2" main_class="$3" kind="$4"; shift 4
  local params jvm dynamic
  params="$(resource_params "$kind")"
  [ "$(echo "$params" | wc -l)" -eq 2 ] || die "Flink could not size the $name's memory: $params"
  read -ra jvm <<<"$(echo "$params" | head -n1)"
  read -ra dynamic <<<"$(echo "$params" | tail -n1)"
  launch "$name" java "${jvm[@]}" "${JAVA17_OPTS[@]}" -Dlog.file="$STATE/logs/$name.flink.log" \
    -Dlog4j.configurationFile="file:$STATE/conf/log4j.properties" \
    -cp "$classpath" "$main_class" --configDir "$STATE/conf" "$@" "${dynamic[@]}"
}

taskmanagers() {
  local file
  for file in "$STATE"/pids/taskmanager-*.pid; do
    [ -e "$file" ] && basename "$file" .pid
  done | sort -t- -k2 -n
}

start_taskmanager() {
  local n=1
  while [ -e "$(pid_file "taskmanager-$n")" ] || [ -e "$STATE/logs/taskmanager-$n.log" ]; do
    n=$((n + 1))
  done
  start_flink_process "taskmanager-$n" "$(taskmanager_classpath)" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner GET_TM_RESOURCE_PARAMS
  wait_for "taskmanager-$n" grep -qs "Successful registration at resource manager" \
    "$STATE/logs/taskmanager-$n.flink.log"
  echo "taskmanager-$n: pid $(running_pid "taskmanager-$n"), $TASK_SLOTS slots"
}

kill_taskmanager() {
  local name pid
  for name in $(taskmanagers); do
    pid="$(running_pid "$name")"
    if [ -n "$pid" ]; then
      kill -KILL -- "-$pid"
      rm -f "$(pid_file "$name")"
      echo "killed $name (pid $pid)"
      return
    fi
  done
  die "no TaskManager runs"
}

start() {
  fetch
  need curl "the cluster's readiness is read from Flink's REST API"
  [ -n "$(running_pid jobmanager)" ] && die "already started (state: $STATE); stop it first"
  local port
  for port in "$FLINK_REST_PORT" "$FLINK_RPC_PORT" "$JOB_PORT" "$ARTIFACT_PORT" "$EXPANSION_PORT" \
      "$WORKER_POOL_PORT"; do
    port_open "$port" && die "port $port on $HOST is taken (set the port variables, see the header)"
  done
  rm -rf "$STATE/logs" "$STATE/pids"
  write_config
  trap 'if [ $? -ne 0 ]; then echo "start failed: stopping what it started" >&2; stop >&2; fi' EXIT
  start_flink_process jobmanager "$(flink_classpath)" \
    org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint GET_JM_RESOURCE_PARAMS \
    --executionMode cluster
  wait_for jobmanager rest /overview >/dev/null
  start_taskmanager
  local python_bin
  python_bin="$(dirname "$(command -v "$PYTHON")")"
  launch worker-pool env PATH="$python_bin:$PATH" "$PYTHON" "$ROOT/deploy/flink/worker_pool.py" \
    --host "$HOST" --port "$WORKER_POOL_PORT"
  launch job-server java "${JAVA17_OPTS[@]}" -Dorg.slf4j.simpleLogger.showDateTime=true \
    -Dorg.slf4j.simpleLogger.dateTimeFormat="yyyy-MM-dd HH:mm:ss,SSS" -cp "$(cat "$JOB_SERVER_CLASSPATH")" \
    org.apache.beam.runners.flink.FlinkJobServerDriver --flink-master="$HOST:$FLINK_REST_PORT" \
    --job-host="$HOST" --job-port="$JOB_PORT" --artifact-port="$ARTIFACT_PORT" \
    --expansion-port="$EXPANSION_PORT" --artifacts-dir="$STATE/artifacts"
  wait_for worker-pool port_open "$WORKER_POOL_PORT"
  wait_for job-server port_open "$JOB_PORT"
  trap - EXIT
  cat <<EOF
Flink $FLINK_VERSION session cluster with Beam $BEAM_JOB_SERVER_VERSION's job server is up:
  Flink web UI and REST API  http://$HOST:$FLINK_REST_PORT
  job endpoint               $HOST:$JOB_PORT  (--job_endpoint)
  artifact endpoint          $HOST:$ARTIFACT_PORT  (--artifact_endpoint)
  SDK worker pool            $HOST:$WORKER_POOL_PORT  (--environment_type=EXTERNAL --environment_config)
  task slots                 $TASK_SLOTS  (--parallelism)
  logs, pids, config         $STATE
submit with:
  JOB_ENDPOINT=$HOST:$JOB_PORT ARTIFACT_ENDPOINT=$HOST:$ARTIFACT_PORT WORKER_POOL=$HOST:$WORKER_POOL_PORT \\
  PARALLELISM=$TASK_SLOTS PYTHON=$PYTHON deploy/flink/submit.sh --input ... --output_dir ... --vocab_file ...
stop with: deploy/flink/local_cluster.sh stop
EOF
}

stop() {
  local name
  for name in job-server worker-pool $(taskmanagers) jobmanager; do
    stop_one "$name"
  done
}

status() {
  local name pid any=1
  for name in jobmanager $(taskmanagers) job-server worker-pool; do
    pid="$(running_pid "$name")"
    if [ -n "$pid" ]; then echo "$name: running (pid $pid)"; any=0; else echo "$name: not running"; fi
  done
  if rest /overview >/dev/null 2>&1; then
    echo "Flink REST http://$HOST:$FLINK_REST_PORT/overview: $(rest /overview)"
  fi
  return $any
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  fetch) fetch ;;
  start-taskmanager) start_taskmanager ;;
  kill-taskmanager) kill_taskmanager ;;
  *) echo "usage: $0 start|stop|status|fetch|start-taskmanager|kill-taskmanager" >&2; exit 2 ;;
esac
