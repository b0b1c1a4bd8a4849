"""The deployment files in deploy/: versions pinned consistently, files that parse and name what they
must, and commands whose options pass the job's own checks. The Flink submit script and the flex
template entry point run for real against Beam's local job service and an EXTERNAL worker pool;
what needs Docker, a Flink cluster or Google Cloud is not run here (see docs/deploy.md)."""
import ast
import json
import os
import re
import subprocess
import sys
import time

import apache_beam
import pytest
import yaml
from apache_beam.options.pipeline_options import FlinkRunnerOptions, PipelineOptions

from beam_jobs.options import PretrainingDataOptions, option_defaults, unknown_arguments
from beam_jobs.runner_options import runner_problem
from tests.conftest import ROOT
from tests.job_runs import DEMO, digests, job_args

DEPLOY = ROOT / 'deploy'
SDK_IMAGE = re.compile(r'apache/beam_python(\d+\.\d+)_sdk:([\w.-]+)')
JOB_SERVER_IMAGE = re.compile(r'apache/beam_flink(\d+\.\d+)_job_server:([\w.-]+)')
FLINK_IMAGE = re.compile(r'\bflink:(\d+\.\d+)\.\d+[\w.-]*')
OWN_IMAGE = re.compile(r'zh-wwm-data-sdk:beam([\w.-]+)')


def _beam_version() -> str:
    for node in ast.parse((ROOT / 'setup.py').read_text()).body:
        if isinstance(node, ast.Assign) and node.targets[0].id == 'BEAM_VERSION':
            return node.value.value
    raise AssertionError('setup.py defines no BEAM_VERSION')


def _local_cluster_setting(name: str) -> str:
    """A version or default that deploy/flink/local_cluster.sh runs with (NAME=value or
    NAME="${NAME:-value}")."""
    text = (DEPLOY / 'flink' / 'local_cluster.sh').read_text()
    match = re.search(r'^%s=(?:"\$\{%s:-([^}]*)\}"|(\S+))$' % (name, name), text, re.MULTILINE)
    assert match, name
    return match.group(1) if match.group(1) is not None else match.group(2)


def _deploy_text() -> dict:
    return {path.relative_to(ROOT).as_posix(): path.read_text()
            for path in sorted(DEPLOY.rglob('*')) if path.is_file()}


def _yaml(relative: str) -> list:
    return list(yaml.safe_load_all((DEPLOY / relative).read_text()))


def test_beam_versions_are_setup_pys_for_the_sdk_and_the_local_clusters_for_the_job_server():
    """The SDK images carry the Beam version setup.py pins; the job server images the Beam version
    whose Flink job server ran here (local_cluster.sh: Maven Central serves no newer one here)."""
    version = _beam_version()
    assert apache_beam.__version__ == version
    texts = _deploy_text()
    sdk = {(name, m.groups()) for name, text in texts.items() for m in SDK_IMAGE.finditer(text)}
    job_servers = {(name, m.groups()) for name, text in texts.items()
                   for m in JOB_SERVER_IMAGE.finditer(text)}
    own = {(name, m.group(1)) for name, text in texts.items() for m in OWN_IMAGE.finditer(text)}
    assert {name for name, _ in sdk} >= {'deploy/dataflow/Dockerfile', 'deploy/flink/docker-compose.yaml',
                                         'deploy/flink/k8s/flink-session.yaml'}
    assert {name for name, _ in job_servers} == {'deploy/flink/docker-compose.yaml',
                                                 'deploy/flink/k8s/beam-job-server.yaml'}
    assert {tag for _, (_, tag) in sdk} == {version}
    assert {tag for _, (_, tag) in job_servers} == {_local_cluster_setting('BEAM_JOB_SERVER_VERSION')}
    assert own and {tag for _, tag in own} == {version}
    python = {py for _, (py, _) in sdk}
    assert len(python) == 1
    launcher = re.search(r'python(\d)(\d+)-template-launcher-base',
                         texts['deploy/dataflow/flex_template/Dockerfile'])
    assert python == {'%s.%s' % launcher.groups()}


def test_flink_version_is_the_local_clusters_and_the_same_everywhere():
    texts = _deploy_text()
    job_server = {m.group(1) for text in texts.values() for m in JOB_SERVER_IMAGE.finditer(text)}
    assert job_server == {_local_cluster_setting('FLINK_VERSION').rsplit('.', 1)[0]}
    assert job_server <= set(FlinkRunnerOptions.PUBLISHED_FLINK_VERSIONS)
    flink = {m.group(0) for text in texts.values() for m in FLINK_IMAGE.finditer(text)}
    assert {image.split(':')[1].split('-')[0] for image in flink} == {_local_cluster_setting('FLINK_VERSION')}
    assert {image.split(':')[1].rsplit('-', 1)[1] for image in flink} == {'java17'}  # as run here
    (session,) = _yaml('flink/k8s/flink-session.yaml')
    assert session['spec']['flinkVersion'] == 'v' + job_server.pop().replace('.', '_')


def test_docker_compose_wires_job_server_flink_and_worker_pool():
    (compose,) = _yaml('flink/docker-compose.yaml')
    services = compose['services']
    assert set(services) == {'jobmanager', 'taskmanager', 'python-worker-pool', 'job-server'}
    pool = services['python-worker-pool']
    assert pool['command'] == ['--worker_pool'] and pool['network_mode'] == 'service:taskmanager'
    server = services['job-server']
    assert '--flink-master=jobmanager:8081' in server['command']
    assert {'--job-port=8099', '--artifact-port=8098'} <= set(server['command'])
    assert {'8099:8099', '8098:8098'} <= set(server['ports'])
    assert '8081:8081' in services['jobmanager']['ports']
    artifacts = '--artifacts-dir=/tmp/beam-artifact-staging'
    assert artifacts in server['command']
    for name in ('job-server', 'taskmanager'):
        assert 'beam-artifacts:/tmp/beam-artifact-staging' in services[name]['volumes']


def _flags(args: list) -> dict:
    return dict(arg[2:].split('=', 1) for arg in args)


def _local_cluster_flink_config() -> dict:
    """The Flink settings local_cluster.sh writes, its defaults filled in (restarts, heartbeats,
    shuffle buffers, the SDK channels' direct memory)."""
    text = (DEPLOY / 'flink' / 'local_cluster.sh').read_text()
    config = text.split('config.yaml" <<EOF\n', 1)[1].split('\nEOF', 1)[0]
    settings = dict(line.split(': ', 1) for line in config.splitlines())
    return {key: re.sub(r'\$(\w+)', lambda m: _local_cluster_setting(m.group(1)), value)
            for key, value in settings.items()
            if key.startswith(('restart-strategy.', 'heartbeat.', 'taskmanager.network.'))
            or key == 'taskmanager.memory.task.off-heap.size'}


def _submit_script_default(name: str) -> str:
    text = (DEPLOY / 'flink' / 'submit.sh').read_text()
    return re.search(r'^%s="\$\{%s:-([^}]+)\}"' % (name, name), text, re.MULTILINE).group(1)


def test_flink_deploy_files_run_the_job_server_and_flink_as_the_local_cluster_did():
    """docker-compose and Kubernetes give the job server the flags, Flink the restart strategy and
    shuffle buffers, and the job the worker pool and parallelism that ran on local_cluster.sh."""
    text = (DEPLOY / 'flink' / 'local_cluster.sh').read_text()
    # The job server's command line: the lines continued (backslash-newline) after its class name.
    command = re.match(r'(?:[^\n]*\\\n)*[^\n]*',
                       text.split('org.apache.beam.runners.flink.FlinkJobServerDriver', 1)[1]).group(0)
    local = _flags(re.findall(r'--[a-z-]+=[^ \n]*', command))
    assert set(local) == {'flink-master', 'job-host', 'job-port', 'artifact-port', 'expansion-port',
                          'artifacts-dir'}
    ports = {'job-port': 'JOB_PORT', 'artifact-port': 'ARTIFACT_PORT', 'expansion-port': 'EXPANSION_PORT'}
    (compose,) = _yaml('flink/docker-compose.yaml')
    server, _ = _yaml('flink/k8s/beam-job-server.yaml')
    (container,) = server['spec']['template']['spec']['containers']
    for deployed in (_flags(compose['services']['job-server']['command']), _flags(container['args'])):
        assert set(deployed) == set(local)
        assert {flag: deployed[flag] for flag in ports} == {
            flag: _local_cluster_setting(setting) for flag, setting in ports.items()}
        assert deployed['flink-master'].endswith(':' + _local_cluster_setting('FLINK_REST_PORT'))

    flink = _local_cluster_flink_config()
    assert flink['restart-strategy.type'] == 'fixed-delay'
    services = compose['services']
    compose_config = {}
    for name in ('jobmanager', 'taskmanager'):
        compose_config.update(yaml.safe_load(services[name]['environment']['FLINK_PROPERTIES']))
    (session,) = _yaml('flink/k8s/flink-session.yaml')
    for deployed in (compose_config, session['spec']['flinkConfiguration']):
        assert {key: str(deployed.get(key)) for key in flink} == flink

    slots = _local_cluster_setting('TASK_SLOTS')
    assert str(compose_config['taskmanager.numberOfTaskSlots']) == slots
    assert _submit_script_default('PARALLELISM') == slots
    assert _submit_script_default('WORKER_POOL') == 'localhost:' + _local_cluster_setting('WORKER_POOL_PORT')
    (submit,) = _yaml('flink/k8s/submit-job.yaml')
    options = _flags(submit['spec']['template']['spec']['containers'][0]['args'])
    assert options['environment_cache_millis'] == _submit_script_default('ENVIRONMENT_CACHE_MILLIS')
    k8s_slots = int(session['spec']['flinkConfiguration']['taskmanager.numberOfTaskSlots'])
    assert int(options['parallelism']) == k8s_slots * session['spec']['taskManager']['replicas']


def test_kubernetes_flink_deployment_has_the_worker_pool_as_a_sidecar():
    (session,) = _yaml('flink/k8s/flink-session.yaml')
    assert (session['apiVersion'], session['kind']) == ('flink.apache.org/v1beta1', 'FlinkDeployment')
    pod = session['spec']['taskManager']['podTemplate']['spec']
    containers = {c['name']: c for c in pod['containers']}
    assert 'flink-main-container' in containers
    (pool,) = [c for c in containers.values() if SDK_IMAGE.match(c.get('image', ''))]
    assert pool['args'] == ['--worker_pool']
    assert [p['containerPort'] for p in pool['ports']] == [50000]

    server, service = _yaml('flink/k8s/beam-job-server.yaml')
    (container,) = server['spec']['template']['spec']['containers']
    assert '--flink-master=%s-rest:8081' % session['metadata']['name'] in container['args']
    assert {p['port'] for p in service['spec']['ports']} >= {8099, 8098}
    assert service['metadata']['name'] == 'beam-job-server'

    claims = {claim['metadata']['name'] for claim in _yaml('flink/k8s/storage.yaml')}
    used = {v['persistentVolumeClaim']['claimName']
            for spec in (pod, server['spec']['template']['spec'])
            for v in spec['volumes']}
    assert used <= claims


def _check_job_options(argv: list) -> PipelineOptions:
    """Parse argv as the job does; assert no unknown option and no runner problem."""
    assert unknown_arguments(argv) == []
    options = PipelineOptions(argv)
    job = options.view_as(PretrainingDataOptions)
    problem = runner_problem(options, {'input': job.input, 'output_dir': job.output_dir,
                                       'vocab_file': job.vocab_file})
    assert problem == '', problem
    return options


def test_kubernetes_submit_job_passes_the_jobs_own_checks():
    (submit,) = _yaml('flink/k8s/submit-job.yaml')
    (container,) = submit['spec']['template']['spec']['containers']
    assert container['command'] == ['python', '-m', 'beam_jobs.build_pretraining_data']
    options = _check_job_options(container['args']).get_all_options()
    assert options['job_endpoint'] == 'beam-job-server:8099'
    assert options['environment_type'] == 'EXTERNAL' and options['environment_config'] == 'localhost:50000'


def _recorded_argv(tmp_path, script: str, env: dict) -> list:
    """Run a deploy script with PYTHON replaced by a stub that records its arguments."""
    stub = tmp_path / 'python'
    stub.write_text('#!/bin/sh\nprintf "%%s\\n" "$@" > %s\n' % (tmp_path / 'argv'))
    stub.chmod(0o755)
    result = subprocess.run([str(ROOT / script), '--input', 'gs://b/corpus/*.txt', '--output_dir',
                             'gs://b/out', '--vocab_file', 'gs://b/vocab.txt'],
                            env=dict(os.environ, PYTHON=str(stub), **env), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    argv = (tmp_path / 'argv').read_text().splitlines()
    assert argv[:2] == ['-m', 'beam_jobs.build_pretraining_data']
    return argv[2:]


@pytest.mark.parametrize('sdk_image, workers', [('', '--setup_file=./setup.py'),
                                                ('r/zh-wwm-data-sdk:beam1', '--sdk_container_image=')])
def test_dataflow_launch_script_passes_the_jobs_own_checks(tmp_path, sdk_image, workers):
    argv = _recorded_argv(tmp_path, 'deploy/dataflow/launch.sh',
                          {'PROJECT': 'p', 'REGION': 'europe-west4', 'BUCKET': 'b', 'SDK_IMAGE': sdk_image})
    options = _check_job_options(argv)
    assert any(arg.startswith(workers) for arg in argv)
    all_options = options.get_all_options()
    assert all_options['runner'] == 'DataflowRunner' and all_options['region'] == 'europe-west4'
    assert all_options['machine_type'] and all_options['max_num_workers'] > 0
    assert all_options['temp_location'].startswith('gs://b/')
    assert all_options['staging_location'].startswith('gs://b/')


def test_every_shell_script_parses():
    scripts = sorted(DEPLOY.rglob('*.sh'))
    assert len(scripts) == 6
    for script in scripts:
        assert os.access(script, os.X_OK), script
        subprocess.run(['bash', '-n', str(script)], check=True)


def _dockerfile(relative: str) -> list:
    """(instruction, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r'\\\n', ' ', (DEPLOY / relative).read_text())
    return [tuple(line.split(None, 1)) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith('#')]


def test_sdk_dockerfile_copies_every_package_of_the_project():
    instructions = _dockerfile('dataflow/Dockerfile')
    assert instructions[0] == ('FROM', 'apache/beam_python3.11_sdk:' + _beam_version())
    copied = [args.split() for op, args in instructions if op == 'COPY']
    sources = {source for args in copied for source in args[:-1]}
    packages = {p.name for p in ROOT.iterdir()
                if (p / '__init__.py').exists() and p.name not in ('tests', 'benchmarks')}
    assert packages and packages <= sources
    for source in sources - {'models/ltp'}:
        assert (ROOT / source).exists(), source
    assert any(op == 'RUN' and 'pip install --no-cache-dir .' in args for op, args in instructions)


def test_sdk_dockerfile_sets_the_malloc_thresholds_of_local_runs():
    from beam_jobs.runner_options import MALLOC_SETTINGS
    env = ' '.join(args for op, args in _dockerfile('dataflow/Dockerfile') if op == 'ENV').split()
    assert {'%s=%s' % item for item in MALLOC_SETTINGS.items()} <= set(env)


def test_flex_template_dockerfile_and_metadata():
    instructions = _dockerfile('dataflow/flex_template/Dockerfile')
    env = dict(args.split('=', 1) for op, args in instructions if op == 'ENV')
    copies = [args.split() for op, args in instructions if op == 'COPY' and '--from' not in args]
    assert [env['FLEX_TEMPLATE_PYTHON_PY_FILE']] == [dest for _, dest in copies]
    assert all((ROOT / source).exists() for source, _ in copies)
    assert [op for op, _ in instructions].count('FROM') == 2

    metadata = json.loads((DEPLOY / 'dataflow/flex_template/metadata.json').read_text())
    parameters = {p['name']: p for p in metadata['parameters']}
    assert len(parameters) == len(metadata['parameters'])
    defaults = option_defaults()
    assert set(parameters) - {'sdk_container_image'} == set(defaults)  # every option, nothing else
    required = {name for name, p in parameters.items() if not p['isOptional']}
    assert required == {'input', 'output_dir', 'sdk_container_image'}
    for name, parameter in parameters.items():
        assert parameter['label'] and parameter['helpText']
        if parameter['isOptional'] and 'regexes' in parameter and defaults[name] is not None:
            default = str(defaults[name]).lower()
            assert all(re.match(regex, default) for regex in parameter['regexes']), name


def test_flink_submit_script_runs_the_job_on_a_job_service_with_a_worker_pool(
        portable_services, demo_digests, tmp_path, demo_vocab_path):
    job_endpoint, worker_pool = portable_services
    env = dict(os.environ, PYTHON=sys.executable, JOB_ENDPOINT=job_endpoint,
               ARTIFACT_ENDPOINT=job_endpoint, WORKER_POOL=worker_pool)
    result = subprocess.run(
        [str(DEPLOY / 'flink' / 'submit.sh'), *job_args(DEMO, tmp_path / 'out', demo_vocab_path)],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert 'dataset written to' in result.stdout
    assert digests(tmp_path / 'out') == demo_digests


def test_flex_template_entry_point_returns_once_submitted(portable_services, demo_digests, tmp_path,
                                                          demo_vocab_path):
    job_endpoint, worker_pool = portable_services
    output_dir = tmp_path / 'out'
    result = subprocess.run(
        [sys.executable, str(DEPLOY / 'dataflow' / 'flex_template' / 'main.py'),
         '--runner=PortableRunner', '--job_endpoint=' + job_endpoint,
         '--environment_type=EXTERNAL', '--environment_config=' + worker_pool,
         *job_args(DEMO, output_dir, demo_vocab_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('job submitted: each dataset is complete once its manifest.json')
    deadline = time.monotonic() + 120
    while not (output_dir / 'manifest.json').exists():
        assert time.monotonic() < deadline, 'the submitted job did not finish'
        time.sleep(0.2)
    assert digests(output_dir) == demo_digests
