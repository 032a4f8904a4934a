"""gunicorn settings for the djangofargate reference API.

Every value can be overridden from the environment (the ECS task definition
sets them); the defaults fit the service's drain and shutdown chain:

    ALB idle timeout 60 s  <  GUNICORN_KEEPALIVE 75 s
        A keep-alive connection must outlive the ALB's idle timeout, or the
        ALB reuses a connection gunicorn has just closed and clients see 502s.
    GUNICORN_GRACEFUL_TIMEOUT 25 s  <  ECS stopTimeout 30 s
        On SIGTERM (ECS stopping a task) gunicorn stops accepting, lets
        in-flight requests finish for up to graceful_timeout, then exits,
        before ECS escalates to SIGKILL. This is gunicorn's own behaviour; the
        tests verify it rather than reimplementing it.

Workers: WEB_CONCURRENCY when set (the service sets it from the task's CPU
units), else computed from the CPUs this container may use with the seed's
formula, workers = max(2, floor(2 x vcpu) + 1): 3 on a 1-vCPU task. Threads:
GUNICORN_THREADS, default 2 (gthread), for the waits on the database. Both
are overridable per stack. Measured (bench/results/app.md, 2026-11-25, a
1-vCPU task, database-bound endpoint, median of 3): 3 workers x 2 threads
reached 94 % and 2 x 4 reached 96 % of the best point, a difference within
the noise of that sweep, so the default follows the seed.
"""
import math
import os
import sys

# Make the app's packages importable for the JSON log formatter, whatever
# directory gunicorn was started from.
_APP_DIR = os.path.dirname(os.path.abspath(__file__))
if _APP_DIR not in sys.path:
    sys.path.insert(0, _APP_DIR)

from config.env import EnvError, env_int  # noqa: E402  (stdlib only, no Django)
from config.jsonlog import JsonFormatter  # noqa: E402  (stdlib only, no Django)


def _env_int(name, default, environ=None):
    """env_int, stopping gunicorn with the message on a bad value."""
    try:
        return env_int(name, default, environ)
    except EnvError as err:
        raise SystemExit(f"gunicorn.conf.py: {err}") from None


def cgroup_vcpus(root="/sys/fs/cgroup"):
    """The CPU quota of this cgroup in vCPUs (float), or None when unlimited.

    cgroup v2: cpu.max holds "<quota> <period>" or "max <period>".
    cgroup v1: cpu/cpu.cfs_quota_us (-1 = unlimited) and cpu/cpu.cfs_period_us.
    """
    try:
        with open(os.path.join(root, "cpu.max")) as f:
            quota, period = f.read().split()[:2]
        if quota == "max":
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(root, "cpu", "cpu.cfs_quota_us")) as f:
            quota = int(f.read().strip())
        with open(os.path.join(root, "cpu", "cpu.cfs_period_us")) as f:
            period = int(f.read().strip())
        if quota <= 0 or period <= 0:
            return None
        return quota / period
    except (OSError, ValueError):
        return None


def available_vcpus(root="/sys/fs/cgroup"):
    """vCPUs this container may use: its cgroup's CPU quota, else its CPU affinity.

    What Fargate shows inside the container: the CPUs of the micro-VM the task
    runs in, not the task size. A 0.25-vCPU Fargate task logged cpu_count 2
    and 2 usable CPUs from Python (HHS/simpler-grants-gov#638), so counting
    CPUs overstates small tasks. The task size is the hard cap at task level,
    while container-level CPU is only CPU shares (DataDog/datadog-agent#8253,
    citing AWS's "How Amazon ECS manages CPU and memory resources"); the ECS
    agent puts that cap on the task's cgroup, the parent of the container's
    (aws/amazon-ecs-agent#4077), so the container's own cpu.max may read
    "max". That is why the service passes WEB_CONCURRENCY from the task
    definition's cpu, and this function is only the fallback for running the
    image elsewhere (``docker run --cpus`` sets the container's own cpu.max,
    which it reads).
    """
    quota = cgroup_vcpus(root)
    if quota is not None:
        return quota
    try:
        return float(len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return float(os.cpu_count() or 1)


def workers_for(vcpu):
    """The seed's (2 x vCPU) + 1, rounded down, at least 2 (one stuck worker
    must not stall a small task): 0.25 -> 2, 0.5 -> 2, 1 -> 3, 2 -> 5, 4 -> 9.
    Same as components.GunicornWorkers."""
    return max(2, math.floor(2 * vcpu) + 1)


def default_workers(environ=None, root="/sys/fs/cgroup"):
    value = _env_int("WEB_CONCURRENCY", None, environ)
    if value is None:
        return workers_for(available_vcpus(root))
    if value < 1:
        raise SystemExit("gunicorn.conf.py: WEB_CONCURRENCY must be at least 1")
    return value


wsgi_app = "config.wsgi:application"
bind = f"0.0.0.0:{_env_int('PORT', 8000)}"
workers = default_workers()
worker_class = "gthread"
threads = _env_int("GUNICORN_THREADS", 2)
if threads < 1:
    raise SystemExit("gunicorn.conf.py: GUNICORN_THREADS must be at least 1")
timeout = _env_int("GUNICORN_TIMEOUT", 60)
keepalive = _env_int("GUNICORN_KEEPALIVE", 75)  # > ALB idle timeout (60 s)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 25)  # < ECS stopTimeout (30 s)
# Worker recycling is off by default: a gthread worker that reaches
# max_requests exits without reading requests already sent on its idle
# keep-alive connections, and the load balancer answers them 502
# (bench/drain.sh measured it; gunicorn issue #3038), and each recycle
# boots Django again on the task's CPU (bench/app.sh: about 29 % of the
# throughput at 1000). Set GUNICORN_MAX_REQUESTS (with a jitter) only to
# contain a memory leak.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Heartbeat files on tmpfs, not the (read-only) image filesystem; when the
# runtime provides no writable /dev/shm, gunicorn's default (the temp dir,
# /tmp, the volume the image declares) rather than a path nobody declared.
worker_tmp_dir = "/dev/shm" if os.access("/dev/shm", os.W_OK | os.X_OK) else None
# Trust X-Forwarded-For/-Proto from any peer: the tasks sit in private
# subnets and their security group admits only the ALB's security group, and
# ALB addresses change, so no fixed list of IPs would be right. Django then
# sees the client's scheme (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = "*"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# gunicorn's own logs as JSON lines on stdout, like Django's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}
