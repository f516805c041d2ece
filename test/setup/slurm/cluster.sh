#!/usr/bin/env bash
# A 4-node Slurm cluster on this one machine, for the test suite.
#
#   cluster.sh start   start munged (if needed), slurmctld and four slurmd; wait until idle
#   cluster.sh stop    stop what start started (by pid files), cancel leftover jobs
#   cluster.sh status  exit 0 when the cluster answers and all nodes are up
#   cluster.sh env     print the SLURM_CONF line clients need
#
# Every file lives under $FLOTILLA_SLURM_DIR (default /tmp/flotilla-slurm):
# config (clients find it through SLURM_CONF), state, logs, pid files and the
# fake GPUs (character devices, which slurmd insists on). Nothing goes to /etc.
# Idempotent: start on a running cluster and stop on a stopped one do nothing.
# Needs root (slurmd runs jobs as their users; munged needs /run/munge).
set -euo pipefail

DIR="${FLOTILLA_SLURM_DIR:-/tmp/flotilla-slurm}"
NODES=4
CPUS=4
GPUS=4
CTLD_PORT="${FLOTILLA_SLURM_PORT:-6817}"
export SLURM_CONF="$DIR/slurm.conf"

log() { echo "slurm-cluster: $*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "needs root (slurmd and munged run as root here)"
    exit 77
  fi
}

write_config() {
  mkdir -p "$DIR/state" "$DIR/log" "$DIR/run" "$DIR/dev"
  # Per-node temp dirs: several slurmd share one host, and the PMIx plugin would
  # otherwise make the same per-step directory under /tmp for each node.
  for ((n = 1; n <= NODES; n++)); do mkdir -p "$DIR/spool/node$n" "$DIR/tmp/node$n"; done
  # slurmd accepts only character devices as GPU files (plain files are rejected).
  for ((g = 0; g < GPUS; g++)); do
    [ -c "$DIR/dev/nvidia$g" ] || { rm -f "$DIR/dev/nvidia$g"; mknod "$DIR/dev/nvidia$g" c 195 "$g"; }
  done
  cat >"$DIR/slurm.conf" <<CONF
ClusterName=flotilla-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/%n
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd-%n.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
TmpFS=$DIR/tmp/%n
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
MinJobAge=5
MessageTimeout=20
NodeName=node[1-$NODES] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[6821-$((6820 + NODES))] CPUs=$CPUS RealMemory=4000 Gres=gpu:$GPUS State=UNKNOWN
PartitionName=debug Nodes=node[1-$NODES] Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:2
CONF
  cat >"$DIR/gres.conf" <<CONF
AutoDetect=off
Name=gpu File=$DIR/dev/nvidia[0-$((GPUS - 1))]
CONF
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
  if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return; fi
  [ -s /etc/munge/munge.key ] || { mungekey --create --force >/dev/null 2>&1 || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  install -d -o munge -g munge -m 0755 /run/munge
  runuser -u munge -- /usr/sbin/munged
  # Remember that this script started it, so stop stops it.
  for _ in $(seq 50); do
    if [ -s /run/munge/munged.pid ] && munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
      cp /run/munge/munged.pid "$DIR/run/munged.pid"
      return
    fi
    sleep 0.1
  done
  log "munged did not come up"; exit 1
}

nodes_ready() {
  # sinfo's parsable output: one "name state" line per node; all idle/mixed/allocated.
  local out
  out="$(sinfo -h -N -o '%N %t' 2>/dev/null)" || return 1
  [ "$(echo "$out" | grep -cE ' (idle|mix|alloc)$')" -eq "$NODES" ]
}

start() {
  need_root
  write_config
  start_munge
  if ! alive "$DIR/run/slurmctld.pid"; then
    /usr/sbin/slurmctld -c -f "$SLURM_CONF"
  fi
  for ((n = 1; n <= NODES; n++)); do
    alive "$DIR/run/slurmd-node$n.pid" || /usr/sbin/slurmd -f "$SLURM_CONF" -N "node$n"
  done
  for _ in $(seq 300); do
    if nodes_ready; then log "up: $NODES nodes x $CPUS cpus x $GPUS gpus (SLURM_CONF=$SLURM_CONF)"; return; fi
    sleep 0.2
  done
  log "nodes did not become idle:"; sinfo -N 2>&1 | sed 's/^/  /' >&2 || true
  tail -n 20 "$DIR/log/slurmctld.log" >&2 || true
  exit 1
}

stop_pid() {
  local file="$1"
  alive "$file" || { rm -f "$file"; return; }
  local pid; pid="$(cat "$file")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$file"
}

stop() {
  [ -d "$DIR/run" ] || return 0
  if alive "$DIR/run/slurmctld.pid"; then scancel --full --quiet --user="$(id -un)" 2>/dev/null || true; fi
  for ((n = 1; n <= NODES; n++)); do stop_pid "$DIR/run/slurmd-node$n.pid"; done
  stop_pid "$DIR/run/slurmctld.pid"
  stop_pid "$DIR/run/munged.pid"
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) nodes_ready ;;
  env) echo "SLURM_CONF=$SLURM_CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
